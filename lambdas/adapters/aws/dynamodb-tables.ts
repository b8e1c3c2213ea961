import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * Key schema of the reports table, shared by the CDK stack (lib/stateful-stack.ts) and the adapter.
 * Item: pk `TENANT#t`, sk `REPORT#id`; byTime GSI: timePk `TENANT#t`, createdSk `<ISO time>#id`;
 * byBatch GSI (sparse: only reports with a batch): batchPk `TENANT#t#BATCH#b`, createdSk.
 */
export const REPORTS_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  byTimeIndex: { name: 'byTime', partitionKey: 'timePk', sortKey: 'createdSk' },
  byBatchIndex: { name: 'byBatch', partitionKey: 'batchPk', sortKey: 'createdSk' },
  ttlAttribute: 'expiresAt',
} as const;

/** The reports table as a CreateTable request (tests create it in dynalite; CDK declares the same schema). */
export function reportsTableDefinition(tableName: string): CreateTableCommandInput {
  const t = REPORTS_TABLE;
  const index = (i: { name: string; partitionKey: string; sortKey: string }) => ({
    IndexName: i.name,
    KeySchema: [
      { AttributeName: i.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: i.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [t.partitionKey, t.sortKey, t.byTimeIndex.partitionKey, t.byBatchIndex.partitionKey, t.byTimeIndex.sortKey].map(
      (name) => ({ AttributeName: name, AttributeType: 'S' as const }),
    ),
    KeySchema: [
      { AttributeName: t.partitionKey, KeyType: 'HASH' },
      { AttributeName: t.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [index(t.byTimeIndex), index(t.byBatchIndex)],
  };
}

/** A table with only a string partition key and a string sort key (profile registry, webhook subscriptions). */
export function keyedTableDefinition(tableName: string, keys: { readonly partitionKey: string; readonly sortKey: string }): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: keys.partitionKey, AttributeType: 'S' },
      { AttributeName: keys.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: keys.partitionKey, KeyType: 'HASH' },
      { AttributeName: keys.sortKey, KeyType: 'RANGE' },
    ],
  };
}

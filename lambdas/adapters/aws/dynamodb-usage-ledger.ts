import { ConditionalCheckFailedException, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { USAGE_KINDS, type UsageLedger, type UsageQuery, type UsageRecord } from '../../ports/partner-api.js';

/**
 * The usage ledger (`mmdo-usage`): one item per billable event, keyed `TENANT#t` / `EVENT#<event id>`, written
 * with a conditional put, so recording the same event again (a retried step, a redelivered S3 event, a second run
 * of one upload) changes nothing. The byTime index (`TENANT#t`, `<occurredAt>#<event id>`) answers period queries.
 */
export const USAGE_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  byTimeIndex: { name: 'byTime', partitionKey: 'pk', sortKey: 'timeSk' },
} as const;

export function usageTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['pk', 'sk', 'timeSk'].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    LocalSecondaryIndexes: [{
      IndexName: USAGE_TABLE.byTimeIndex.name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'timeSk', KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'ALL' },
    }],
  };
}

const RecordItem = z.object({
  tenant: z.string(), eventId: z.string(), kind: z.enum(USAGE_KINDS), quantity: z.number(), occurredAt: z.string(),
  profile: z.string().optional(), reportId: z.string().optional(),
});

export class DynamoDbUsageLedger implements UsageLedger {
  private readonly doc: DynamoDBDocumentClient;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async record(record: UsageRecord): Promise<'recorded' | 'duplicate'> {
    const valid = RecordItem.parse({ ...record, occurredAt: new Date(record.occurredAt).toISOString() });
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: { pk: `TENANT#${valid.tenant}`, sk: `EVENT#${valid.eventId}`, timeSk: `${valid.occurredAt}#${valid.eventId}`, ...valid },
        ConditionExpression: 'attribute_not_exists(pk)',
      }));
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return 'duplicate';
      throw error;
    }
  }

  async list(tenant: string, query: UsageQuery): Promise<UsageRecord[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(new QueryCommand({
        TableName: this.tableName,
        IndexName: USAGE_TABLE.byTimeIndex.name,
        // '#' sorts before every character of an event id, so `to#` excludes records at exactly `to`.
        KeyConditionExpression: 'pk = :p AND timeSk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':p': `TENANT#${tenant}`, ':from': new Date(query.from).toISOString(), ':to': `${new Date(query.to).toISOString()}#` },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items.map((item) => {
      const r = RecordItem.parse(item);
      return { ...r, ...(r.profile === undefined ? {} : { profile: r.profile }), ...(r.reportId === undefined ? {} : { reportId: r.reportId }) } as UsageRecord;
    });
  }
}

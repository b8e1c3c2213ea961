import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CyclingHistory, CyclingHistoryStore } from '../../ports/history.js';
import { StoredCyclingHistorySchema } from '../history-codec.js';
import { REPORTS_TABLE as T } from './dynamodb-tables.js';

/**
 * Cycling histories beside the tenant's reports (same table, sort key `HISTORY#<batch>`: one query lists a
 * tenant's histories; they carry no index keys, so report listings never see them).
 */
export class DynamoDbHistoryStore implements CyclingHistoryStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async put(tenant: string, history: CyclingHistory): Promise<void> {
    const valid = StoredCyclingHistorySchema.parse(history);
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { [T.partitionKey]: `TENANT#${tenant}`, [T.sortKey]: `HISTORY#${valid.batchId}`, history: valid } }));
  }

  async list(tenant: string): Promise<CyclingHistory[]> {
    const out: CyclingHistory[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#p = :p AND begins_with(#s, :h)',
        ExpressionAttributeNames: { '#p': T.partitionKey, '#s': T.sortKey },
        ExpressionAttributeValues: { ':p': `TENANT#${tenant}`, ':h': 'HISTORY#' },
        ExclusiveStartKey: start,
      }));
      for (const item of page.Items ?? []) out.push(StoredCyclingHistorySchema.parse(item.history));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}

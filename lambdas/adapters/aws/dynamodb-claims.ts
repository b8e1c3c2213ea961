import { ConditionalCheckFailedException, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { InspectionClaims } from '../../ports/inspection.js';

/**
 * Claims in the idempotency table (key `id`, TTL `expiration`, as the stack declares it): one conditional put,
 * no transaction (dynalite has none; one item needs none). The owner (event id) may claim again, so a retried
 * step of the same execution is not mistaken for a duplicate.
 */
export class DynamoDbClaims implements InspectionClaims {
  constructor(private readonly client: DynamoDBClient, private readonly table: string, private readonly ttlDays = 7) {}

  async claim(idempotencyKey: string, owner: string, reportId: string): Promise<'claimed' | 'duplicate'> {
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.table,
        Item: {
          id: { S: `inspection#${idempotencyKey}` },
          owner: { S: owner },
          reportId: { S: reportId },
          expiration: { N: String(Math.floor(Date.now() / 1000 + this.ttlDays * 86_400)) },
        },
        ConditionExpression: 'attribute_not_exists(id) OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': { S: owner } },
      }));
      return 'claimed';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return 'duplicate';
      throw error;
    }
  }
}

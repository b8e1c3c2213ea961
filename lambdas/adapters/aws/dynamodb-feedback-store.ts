import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../domain/errors.js';
import { FeedbackRecordSchema, RecalibrationRecordSchema, targetKey, type FeedbackRecord, type FeedbackTarget, type RecalibrationRecord } from '../../domain/feedback/feedback.js';
import type { FeedbackQuery, FeedbackStore } from '../../ports/feedback.js';
import { REPORTS_TABLE as T } from './dynamodb-tables.js';

const TENANT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * Expert feedback beside the tenant's reports (same table): sort key `FEEDBACK#<report id>#<target>` (one item per
 * report and target; one query lists a tenant's judgements, or one report's) and `RECAL#<profile>#<version>` for
 * the recalibrations made from them. They carry no index keys, so report listings never see them. No transactions
 * (dynalite has none): a judgement is one conditional put that replaces an earlier judgement of the same target and
 * is refused when a later one is already stored, so retries and late duplicates are harmless.
 */
export class DynamoDbFeedbackStore implements FeedbackStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async put(record: FeedbackRecord): Promise<'written' | 'stale'> {
    const valid = FeedbackRecordSchema.parse(record);
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: {
          [T.partitionKey]: tenantKey(valid.tenant),
          [T.sortKey]: feedbackKey(valid.reportId, valid.target),
          profile: valid.profile?.name,
          atMs: Date.parse(valid.at),
          feedback: valid,
        },
        ConditionExpression: 'attribute_not_exists(#pk) OR #at <= :at',
        ExpressionAttributeNames: { '#pk': T.partitionKey, '#at': 'atMs' },
        ExpressionAttributeValues: { ':at': Date.parse(valid.at) },
      }));
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return 'stale';
      throw error;
    }
  }

  async get(tenant: string, reportId: string, target: FeedbackTarget): Promise<FeedbackRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { [T.partitionKey]: tenantKey(tenant), [T.sortKey]: feedbackKey(reportId, target) } }));
    return out.Item ? FeedbackRecordSchema.parse(out.Item.feedback) : undefined;
  }

  async list(tenant: string, query: FeedbackQuery = {}): Promise<FeedbackRecord[]> {
    const prefix = query.reportId !== undefined ? `FEEDBACK#${query.reportId}#` : 'FEEDBACK#';
    const items = await this.queryAll(tenant, prefix, query.profile);
    const records = items.map((item) => FeedbackRecordSchema.parse(item.feedback));
    return records.sort((a, b) => compare(a.reportId, b.reportId) || compare(targetKey(a.target), targetKey(b.target)));
  }

  async putRecalibration(tenant: string, record: RecalibrationRecord): Promise<void> {
    const valid = RecalibrationRecordSchema.parse(record);
    await this.doc.send(new PutCommand({
      TableName: this.tableName,
      Item: { [T.partitionKey]: tenantKey(tenant), [T.sortKey]: `RECAL#${valid.profile}#${String(valid.version).padStart(10, '0')}`, recalibration: valid },
    }));
  }

  async listRecalibrations(tenant: string, profile: string): Promise<RecalibrationRecord[]> {
    const items = await this.queryAll(tenant, `RECAL#${profile}#`);
    return items.map((item) => RecalibrationRecordSchema.parse(item.recalibration));
  }

  private async queryAll(tenant: string, prefix: string, profile?: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#p = :p AND begins_with(#s, :prefix)',
        ...(profile !== undefined ? { FilterExpression: '#profile = :profile' } : {}),
        ExpressionAttributeNames: { '#p': T.partitionKey, '#s': T.sortKey, ...(profile !== undefined ? { '#profile': 'profile' } : {}) },
        ExpressionAttributeValues: { ':p': tenantKey(tenant), ':prefix': prefix, ...(profile !== undefined ? { ':profile': profile } : {}) },
        ExclusiveStartKey: start,
      }));
      out.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}

function tenantKey(tenant: string): string {
  if (!TENANT.test(tenant)) throw new ValidationError(`tenant '${tenant}' may only contain letters, digits, '.', '_' and '-'`, { tenant });
  return `TENANT#${tenant}`;
}

function feedbackKey(reportId: string, target: FeedbackTarget): string {
  return `FEEDBACK#${reportId}#${targetKey(target)}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ValidationError } from '../../domain/errors.js';
import { batchOf } from '../../domain/report/batch.js';
import { ReportSchema, type Report } from '../../domain/report/report.js';
import type { ReportPage, ReportQuery, ReportStore } from '../../ports/stores.js';
import { REPORTS_TABLE as T } from './dynamodb-tables.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
/** Reports larger than this are stored gzipped (DynamoDB items max out at 400 KB). */
const INLINE_LIMIT_BYTES = 300_000;
const TENANT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export type PutOutcome = 'written' | 'duplicate';

export interface DynamoDbReportStoreOptions {
  /** Days after creation when DynamoDB may expire a report (TTL); kept forever when omitted. */
  readonly retentionDays?: number;
}

const CursorSchema = z.object({ i: z.enum(['time', 'batch']), k: z.record(z.string(), z.string()) });

/**
 * Reports in one DynamoDB table, every key scoped by tenant. One item per report: its GSIs list a tenant's
 * reports by time and by batch (newest first, opaque cursors). No transactions (dynalite has none and one item
 * needs none): idempotency is a conditional put, so a duplicate event never makes a second report.
 */
export class DynamoDbReportStore implements ReportStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly options: DynamoDbReportStoreOptions = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async put(report: Report): Promise<void> {
    await this.putOnce(report);
  }

  /**
   * Writes the report unless a completed one with its id already exists. A failed report may be replaced (a
   * retried run that now succeeds); a completed one never is, so a late duplicate cannot overwrite or repeat it.
   */
  async putOnce(report: Report): Promise<PutOutcome> {
    const valid = ReportSchema.parse(report);
    const tenant = tenantKey(valid.tenant);
    const createdSk = `${normaliseTime(valid.createdAt)}#${valid.id}`;
    const batch = batchOf(valid);
    const json = JSON.stringify(valid);
    const body = Buffer.byteLength(json) > INLINE_LIMIT_BYTES ? { reportGz: gzipSync(json) } : { report: valid };
    const expiresAt = this.options.retentionDays
      ? Math.floor(Date.parse(valid.createdAt) / 1000) + Math.round(this.options.retentionDays * 86_400)
      : undefined;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [T.partitionKey]: tenant,
            [T.sortKey]: `REPORT#${valid.id}`,
            [T.byTimeIndex.partitionKey]: tenant,
            [T.byTimeIndex.sortKey]: createdSk,
            ...(batch !== undefined ? { [T.byBatchIndex.partitionKey]: `${tenant}#BATCH#${batch}` } : {}),
            status: valid.status,
            [T.ttlAttribute]: expiresAt,
            ...body,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #status <> :completed',
          ExpressionAttributeNames: { '#pk': T.partitionKey, '#status': 'status' },
          ExpressionAttributeValues: { ':completed': 'completed' },
        }),
      );
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') {
        return 'duplicate';
      }
      throw error;
    }
  }

  async get(tenant: string, id: string): Promise<Report | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { [T.partitionKey]: tenantKey(tenant), [T.sortKey]: `REPORT#${id}` } }),
    );
    return out.Item ? reportOf(out.Item) : undefined;
  }

  async list(tenant: string, query: ReportQuery = {}): Promise<ReportPage> {
    const pk = tenantKey(tenant);
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
    const byBatch = query.batch !== undefined;
    const index = byBatch ? T.byBatchIndex : T.byTimeIndex;
    const partition = byBatch ? `${pk}#BATCH#${query.batch}` : pk;
    const start = query.cursor !== undefined ? decodeCursor(query.cursor, byBatch ? 'batch' : 'time', pk) : undefined;
    const since = query.since !== undefined ? normaliseTime(query.since) : undefined;

    // One more than asked: a cursor is returned only when another page really exists (or DynamoDB stopped early
    // at its 1 MB page size, which LastEvaluatedKey tells).
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: since !== undefined ? '#p = :p AND #s >= :since' : '#p = :p',
        ExpressionAttributeNames: { '#p': index.partitionKey, ...(since !== undefined ? { '#s': index.sortKey } : {}) },
        ExpressionAttributeValues: { ':p': partition, ...(since !== undefined ? { ':since': since } : {}) },
        ScanIndexForward: false,
        Limit: limit + 1,
        ExclusiveStartKey: start,
      }),
    );
    const items = out.Items ?? [];
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    const more = items.length > limit || out.LastEvaluatedKey !== undefined;
    return {
      items: page.map(reportOf),
      cursor: more && last ? encodeCursor(byBatch ? 'batch' : 'time', last, index) : undefined,
    };
  }
}

function tenantKey(tenant: string): string {
  if (!TENANT.test(tenant)) throw new ValidationError(`tenant '${tenant}' may only contain letters, digits, '.', '_' and '-'`, { tenant });
  return `TENANT#${tenant}`;
}

/** Millisecond UTC ISO strings sort as text in time order; mixed precisions would not. */
function normaliseTime(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ValidationError(`'${value}' is not an ISO date-time`, { value });
  return new Date(ms).toISOString();
}

function reportOf(item: Record<string, unknown>): Report {
  const gz = item.reportGz;
  const raw = gz instanceof Uint8Array ? JSON.parse(gunzipSync(gz).toString('utf8')) : item.report;
  return ReportSchema.parse(raw);
}

function encodeCursor(i: 'time' | 'batch', item: Record<string, unknown>, index: { partitionKey: string; sortKey: string }): string {
  const k: Record<string, string> = {};
  for (const name of [T.partitionKey, T.sortKey, index.partitionKey, index.sortKey]) k[name] = String(item[name]);
  return Buffer.from(JSON.stringify({ i, k })).toString('base64url');
}

/** A cursor is only valid for the tenant and listing that produced it: it can never reach another tenant's rows. */
function decodeCursor(cursor: string, expected: 'time' | 'batch', pk: string): Record<string, string> {
  let parsed: z.infer<typeof CursorSchema> | undefined;
  try {
    parsed = CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.i !== expected || parsed.k[T.partitionKey] !== pk) {
    throw new ValidationError('invalid list cursor', { cursor });
  }
  return parsed.k;
}

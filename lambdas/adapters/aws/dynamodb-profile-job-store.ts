import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { NewProfileJob, ProfileJob, ProfileJobEnd, ProfileJobStatus, ProfileJobStore } from '../../ports/profile-jobs.js';

/** Jobs are kept this long after they are made (the API table's TTL), then forgotten; the versions they made stay. */
const KEEP_SECONDS = 90 * 86_400;

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException';

/**
 * Profile jobs in the partner API's table (`TENANT#t` / `PROFILEJOB#id`): what the job is (JSON, written once) and
 * its status, stage, progress and end as attributes. Every status change is one conditional update on `status`,
 * so a redelivered start message or two runners never run a job twice.
 */
export class DynamoDbProfileJobStore implements ProfileJobStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(job: NewProfileJob): Promise<void> {
    const { status, id, tenant, createdAt, ...rest } = job;
    await this.doc.send(new PutCommand({
      TableName: this.tableName,
      Item: {
        ...key(tenant, id), job: JSON.stringify({ ...rest, createdAt }), status, updatedAt: createdAt,
        expiresAt: Math.floor(Date.parse(createdAt) / 1000) + KEEP_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
  }

  async get(tenant: string, id: string): Promise<ProfileJob | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(tenant, id), ConsistentRead: true }));
    const item = out.Item;
    if (!item) return undefined;
    const stored = JSON.parse(String(item.job)) as Omit<ProfileJob, 'id' | 'tenant' | 'status' | 'stage' | 'progress' | 'updatedAt'>;
    const end = typeof item.end === 'string' ? (JSON.parse(item.end) as Partial<ProfileJob>) : {};
    return {
      ...stored,
      id,
      tenant,
      status: item.status as ProfileJobStatus,
      stage: typeof item.stage === 'string' ? item.stage : null,
      progress: typeof item.progress === 'number' ? item.progress : null,
      updatedAt: String(item.updatedAt),
      ...(typeof item.startedAt === 'string' ? { startedAt: item.startedAt } : {}),
      ...(typeof item.finishedAt === 'string' ? { finishedAt: item.finishedAt } : {}),
      ...end,
    };
  }

  /** The cloud lists the staged uploads instead (S3 takes them, not the API). */
  async markUploaded(): Promise<void> {}

  async queue(tenant: string, id: string, at: string): Promise<boolean> {
    return this.update(tenant, id, 'awaiting_upload', 'SET #s = :to, updatedAt = :at', { ':to': 'queued', ':at': at });
  }

  async claim(tenant: string, id: string, at: string): Promise<boolean> {
    return this.update(tenant, id, 'queued', 'SET #s = :to, startedAt = :at, updatedAt = :at', { ':to': 'running', ':at': at });
  }

  async finish(tenant: string, id: string, end: ProfileJobEnd): Promise<boolean> {
    const { status, at, ...rest } = end;
    return this.update(tenant, id, 'running', 'SET #s = :to, finishedAt = :at, updatedAt = :at, #e = :end REMOVE stage, progress', {
      ':to': status, ':at': at, ':end': JSON.stringify(rest),
    }, { '#e': 'end' });
  }

  async progress(tenant: string, id: string, stage: string, fraction: number): Promise<void> {
    await this.update(tenant, id, 'running', 'SET stage = :stage, progress = :p, updatedAt = :at', { ':stage': stage, ':p': fraction, ':at': new Date().toISOString() });
  }

  private async update(tenant: string, id: string, from: ProfileJobStatus, expression: string, values: Record<string, unknown>, names: Record<string, string> = {}): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: key(tenant, id),
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(pk) AND #s = :from',
        ExpressionAttributeNames: { '#s': 'status', ...names },
        ExpressionAttributeValues: { ...values, ':from': from },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function key(tenant: string, id: string) {
  return { pk: `TENANT#${tenant}`, sk: `PROFILEJOB#${id}` };
}

import { ConditionalCheckFailedException, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import {
  SCOPES, type ApiKeyRecord, type CredentialStore, type IdempotencyBegin, type IdempotencyStore, type Instrument, type StoredResponse, type Tenant,
  type ProfileControl, type ProfileControls, type UploadRegistry, type UploadSlot,
} from '../../ports/partner-api.js';

/**
 * The partner API's table (`mmdo-api`): tenants (`TENANT#t` / `TENANT`), API keys (`KEY#id` / `KEY`, listed per
 * tenant through the byTenant index), Idempotency-Key records (`TENANT#t` / `IDEM#key`, expiring by TTL) and the
 * records of uploads made through the API (`TENANT#t` / `UPLOAD#reportId`), upload slots (`TENANT#t` / `SLOT#id`) and
 * instruments (`TENANT#t` / `INSTRUMENT#id`). Every write is one conditional put or
 * update: no transactions (dynalite has none and no operation here needs two items at once).
 */
export const API_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  byTenantIndex: { name: 'byTenant', partitionKey: 'tenantPk', sortKey: 'tenantSk' },
  ttlAttribute: 'expiresAt',
} as const;

export function apiTableDefinition(tableName: string): CreateTableCommandInput {
  const t = API_TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [t.partitionKey, t.sortKey, t.byTenantIndex.partitionKey, t.byTenantIndex.sortKey].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [{ AttributeName: t.partitionKey, KeyType: 'HASH' }, { AttributeName: t.sortKey, KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [{
      IndexName: t.byTenantIndex.name,
      KeySchema: [{ AttributeName: t.byTenantIndex.partitionKey, KeyType: 'HASH' }, { AttributeName: t.byTenantIndex.sortKey, KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'ALL' },
    }],
  };
}

const KeyItem = z.object({
  id: z.string(), tenant: z.string(), name: z.string(), scopes: z.array(z.enum(SCOPES)), hash: z.string(), createdAt: z.string(), revokedAt: z.string().optional(),
});

export interface ApiUpload {
  readonly reportId: string;
  readonly name: string;
  readonly profile: string;
  readonly key: string;
  readonly submittedAt: string;
}

/** An Idempotency-Key claim with no answer after this long was left by a request that died: it is taken over. */
const STALE_CLAIM_SECONDS = 5 * 60;

const controlOf = (item: Record<string, unknown>): ProfileControl => ({
  tenant: String(item.tenant), name: String(item.name),
  ...(typeof item.activeVersion === 'number' ? { activeVersion: item.activeVersion } : {}),
  ...(typeof item.deletedAt === 'string' ? { deletedAt: item.deletedAt } : {}),
});

const instrumentOf = (item: Record<string, unknown>): Instrument => ({
  ...(JSON.parse(String(item.instrument)) as Instrument),
  ...(typeof item.revokedAt === 'string' ? { revokedAt: item.revokedAt } : {}),
});

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException';

export class DynamoDbApiStore implements CredentialStore, IdempotencyStore, UploadRegistry, ProfileControls {
  private readonly doc: DynamoDBDocumentClient;

  constructor(client: DynamoDBClient, private readonly tableName: string, private readonly now: () => number = Date.now) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async createTenant(tenant: Tenant): Promise<'created' | 'exists'> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: `TENANT#${tenant.id}`, sk: 'TENANT', ...tenant }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return 'created';
    } catch (error) {
      if (isConditionFailure(error)) return 'exists';
      throw error;
    }
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `TENANT#${id}`, sk: 'TENANT' }, ConsistentRead: true }));
    return out.Item ? { id: String(out.Item.id), name: String(out.Item.name), createdAt: String(out.Item.createdAt) } : undefined;
  }

  async putKey(record: ApiKeyRecord): Promise<void> {
    await this.doc.send(new PutCommand({
      TableName: this.tableName,
      Item: { pk: `KEY#${record.id}`, sk: 'KEY', tenantPk: `TENANT#${record.tenant}`, tenantSk: `KEY#${record.createdAt}#${record.id}`, ...record },
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `KEY#${id}`, sk: 'KEY' }, ConsistentRead: true }));
    return out.Item ? KeyItem.parse(out.Item) : undefined;
  }

  async listKeys(tenant: string): Promise<ApiKeyRecord[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(new QueryCommand({
        TableName: this.tableName,
        IndexName: API_TABLE.byTenantIndex.name,
        KeyConditionExpression: 'tenantPk = :t AND begins_with(tenantSk, :k)',
        ExpressionAttributeValues: { ':t': `TENANT#${tenant}`, ':k': 'KEY#' },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items.map((item) => KeyItem.parse(item));
  }

  async revokeKey(tenant: string, id: string, at: string): Promise<boolean> {
    try {
      // The tenant condition: one tenant can never revoke another's key, even knowing its id.
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `KEY#${id}`, sk: 'KEY' },
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
        ConditionExpression: 'attribute_exists(pk) AND tenant = :t',
        ExpressionAttributeValues: { ':at': at, ':t': tenant },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async begin(tenant: string, key: string, fingerprint: string, ttlSeconds: number): Promise<IdempotencyBegin> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const Key = { pk: `TENANT#${tenant}`, sk: `IDEM#${key}` };
    try {
      // TTL deletion is lazy: an expired record counts as absent; so does a claim whose request died unanswered.
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: { ...Key, fingerprint, expiresAt: nowSeconds + ttlSeconds, startedAt: nowSeconds },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now OR (attribute_not_exists(#r) AND startedAt <= :stale)',
        ExpressionAttributeNames: { '#r': 'response' },
        ExpressionAttributeValues: { ':now': nowSeconds, ':stale': nowSeconds - STALE_CLAIM_SECONDS },
      }));
      return { state: 'new' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }));
    if (!out.Item) return this.begin(tenant, key, fingerprint, ttlSeconds);
    if (out.Item.fingerprint !== fingerprint) return { state: 'conflict' };
    return typeof out.Item.response === 'string' ? { state: 'replay', response: JSON.parse(out.Item.response) as StoredResponse } : { state: 'in_progress' };
  }

  async complete(tenant: string, key: string, fingerprint: string, response: StoredResponse): Promise<void> {
    await this.doc.send(new UpdateCommand({
      TableName: this.tableName,
      Key: { pk: `TENANT#${tenant}`, sk: `IDEM#${key}` },
      UpdateExpression: 'SET #r = :r',
      ConditionExpression: 'fingerprint = :f',
      ExpressionAttributeNames: { '#r': 'response' },
      ExpressionAttributeValues: { ':r': JSON.stringify(response), ':f': fingerprint },
    })).catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  }

  async abandon(tenant: string, key: string, fingerprint: string): Promise<void> {
    await this.doc.send(new DeleteCommand({
      TableName: this.tableName,
      Key: { pk: `TENANT#${tenant}`, sk: `IDEM#${key}` },
      ConditionExpression: 'fingerprint = :f AND attribute_not_exists(#r)',
      ExpressionAttributeNames: { '#r': 'response' },
      ExpressionAttributeValues: { ':f': fingerprint },
    })).catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  }

  async putSlot(slot: UploadSlot): Promise<void> {
    const expiresAt = Math.floor(Date.parse(slot.expiresAt) / 1000) + 30 * 86_400;
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: `TENANT#${slot.tenant}`, sk: `SLOT#${slot.id}`, slot: JSON.stringify(slot), expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async getSlot(tenant: string, id: string): Promise<UploadSlot | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `TENANT#${tenant}`, sk: `SLOT#${id}` } }));
    return out.Item ? (JSON.parse(String(out.Item.slot)) as UploadSlot) : undefined;
  }

  async putInstrument(instrument: Instrument): Promise<void> {
    await this.doc.send(new PutCommand({
      TableName: this.tableName,
      Item: { pk: `TENANT#${instrument.tenant}`, sk: `INSTRUMENT#${instrument.id}`, instrument: JSON.stringify(instrument) },
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
  }

  async getInstrument(tenant: string, id: string): Promise<Instrument | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `TENANT#${tenant}`, sk: `INSTRUMENT#${id}` }, ConsistentRead: true }));
    return out.Item ? instrumentOf(out.Item) : undefined;
  }

  async listInstruments(tenant: string): Promise<Instrument[]> {
    const out = await this.doc.send(new QueryCommand({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':p': `TENANT#${tenant}`, ':s': 'INSTRUMENT#' },
    }));
    return (out.Items ?? []).map(instrumentOf);
  }

  async revokeInstrument(tenant: string, id: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `TENANT#${tenant}`, sk: `INSTRUMENT#${id}` },
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': at },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getControl(tenant: string, name: string): Promise<ProfileControl | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `TENANT#${tenant}`, sk: `PROFILE#${name}` }, ConsistentRead: true }));
    return out.Item ? controlOf(out.Item) : undefined;
  }

  async listControls(tenant: string): Promise<ProfileControl[]> {
    const out = await this.doc.send(new QueryCommand({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':p': `TENANT#${tenant}`, ':s': 'PROFILE#' },
      ConsistentRead: true,
    }));
    return (out.Items ?? []).map(controlOf);
  }

  async activate(tenant: string, name: string, version: number): Promise<void> {
    await this.doc.send(new UpdateCommand({
      TableName: this.tableName,
      Key: { pk: `TENANT#${tenant}`, sk: `PROFILE#${name}` },
      UpdateExpression: 'SET tenant = :t, #n = :n, activeVersion = :v REMOVE deletedAt',
      ExpressionAttributeNames: { '#n': 'name' },
      ExpressionAttributeValues: { ':t': tenant, ':n': name, ':v': version },
    }));
  }

  async markDeleted(tenant: string, name: string, at: string): Promise<void> {
    await this.doc.send(new UpdateCommand({
      TableName: this.tableName,
      Key: { pk: `TENANT#${tenant}`, sk: `PROFILE#${name}` },
      UpdateExpression: 'SET tenant = :t, #n = :n, deletedAt = if_not_exists(deletedAt, :at)',
      ExpressionAttributeNames: { '#n': 'name' },
      ExpressionAttributeValues: { ':t': tenant, ':n': name, ':at': at },
    }));
  }

  /** Remembers an upload the API queued, so GET can say `queued` before the workflow has written the report. */
  async putUpload(tenant: string, upload: ApiUpload, ttlDays = 30): Promise<void> {
    await this.doc.send(new PutCommand({
      TableName: this.tableName,
      Item: { pk: `TENANT#${tenant}`, sk: `UPLOAD#${upload.reportId}`, ...upload, expiresAt: Math.floor(this.now() / 1000) + ttlDays * 86_400 },
    }));
  }

  async getUpload(tenant: string, reportId: string): Promise<ApiUpload | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `TENANT#${tenant}`, sk: `UPLOAD#${reportId}` } }));
    if (!out.Item) return undefined;
    const { reportId: id, name, profile, key, submittedAt } = out.Item as Record<string, string>;
    return { reportId: id!, name: name!, profile: profile!, key: key!, submittedAt: submittedAt! };
  }
}

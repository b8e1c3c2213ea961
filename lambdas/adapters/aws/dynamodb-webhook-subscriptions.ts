import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DeliveryLogEntry } from '../../application/webhooks/cloud-dispatch.js';
import { WebhookEventTypeSchema, type WebhookEventType } from '../../domain/webhooks/payload.js';
import { MmdoError } from '../../domain/errors.js';
import { generateSecret } from '../../domain/webhooks/signature.js';
import { keyedTableDefinition } from './dynamodb-tables.js';

/**
 * Webhook subscriptions in DynamoDB: pk `TENANT#t`, sk `WEBHOOK#id`, one item per subscriber with its signing
 * secret. The table is encrypted with its own customer-managed KMS key (lib/constructs/webhook-dispatch.ts), so
 * reading a secret needs both table access and kms:Decrypt on that key: only the dispatcher has both.
 */
export const WEBHOOKS_TABLE = { partitionKey: 'pk', sortKey: 'sk' } as const;

export function webhooksTableDefinition(tableName: string): CreateTableCommandInput {
  return keyedTableDefinition(tableName, WEBHOOKS_TABLE);
}

export interface CloudWebhookSubscription {
  readonly id: string;
  readonly tenant: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly description?: string;
  readonly createdAt: string;
  readonly disabledReason?: string;
}

/** What the dispatcher signs with: the subscription and its secrets (two while one is being rotated). */
export interface SigningSubscription extends CloudWebhookSubscription {
  readonly secrets: readonly string[];
}

const ItemSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  url: z.string(),
  events: z.array(WebhookEventTypeSchema),
  description: z.string().optional(),
  createdAt: z.string(),
  disabledReason: z.string().optional(),
  secrets: z.array(z.string()).min(1),
  /** Until then the second secret (the one a rotation replaced) signs beside the first. */
  previousSecretExpiresAt: z.string().optional(),
});

const PUBLIC_ATTRIBUTES = ['id', 'tenant', 'url', 'events', 'description', 'createdAt', 'disabledReason'];

/** Delivery log entries (`DELIVERY#<subscription>#<message id>`) are kept this long (TTL). */
const DELIVERY_LOG_DAYS = 30;

/** One delivery of one event to one subscriber, as its log shows it (GET /v1/webhooks/{id}/deliveries). */
export interface CloudDelivery extends DeliveryLogEntry {
  readonly createdAt: string;
  readonly updatedAt: string;
}

const DeliveryItem = z.object({
  messageId: z.string(), eventType: z.string(), status: z.enum(['delivered', 'retrying', 'dead']), attempts: z.number(),
  lastStatus: z.number().nullable(), lastError: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
});

export class DynamoDbWebhookSubscriptions {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** Stores a subscription (URL checked by the caller) with a new secret, returned this once. */
  async create(tenant: string, input: { url: string; events: readonly WebhookEventType[]; description?: string }): Promise<{ subscription: CloudWebhookSubscription; secret: string }> {
    const id = `wh_${randomUUID().replaceAll('-', '')}`;
    const secret = generateSecret();
    const item = ItemSchema.parse({ id, tenant, url: input.url, events: [...new Set(input.events)], description: input.description, createdAt: new Date().toISOString(), secrets: [secret] });
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...keyOf(tenant, id), ...item }, ConditionExpression: 'attribute_not_exists(pk)' }));
    return { subscription: publicView(item), secret };
  }

  /** A tenant's subscriptions without their secrets (the projection never reads them). */
  async list(tenant: string): Promise<CloudWebhookSubscription[]> {
    return (await this.query(tenant, false)).map(publicView);
  }

  /** Active subscriptions of a tenant to one event type, with their secrets: the dispatcher's read. */
  async forEvent(tenant: string, type: WebhookEventType): Promise<SigningSubscription[]> {
    return (await this.query(tenant, true)).filter((s) => !s.disabledReason && s.events.includes(type)).map((s) => signing(s));
  }

  /** One subscription without its secrets (the projection never reads them). */
  async get(tenant: string, id: string): Promise<CloudWebhookSubscription | undefined> {
    const names = Object.fromEntries(PUBLIC_ATTRIBUTES.map((a) => [`#${a}`, a]));
    const out = await this.doc.send(new GetCommand({
      TableName: this.tableName, Key: keyOf(tenant, id), ConsistentRead: true, ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names,
    }));
    return out.Item ? publicView(ItemSchema.omit({ secrets: true }).parse(out.Item)) : undefined;
  }

  async getForSigning(tenant: string, id: string): Promise<SigningSubscription | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keyOf(tenant, id), ConsistentRead: true }));
    return out.Item ? signing(ItemSchema.parse(out.Item)) : undefined;
  }

  /**
   * A new secret, returned this once; the old one keeps signing beside it for `overlapMs` (Standard Webhooks sends
   * one signature per secret), so receivers switch without refusing a delivery. The update is conditional on the
   * current secret read, so two rotations at once cannot lose one.
   */
  async rotate(tenant: string, id: string, overlapMs: number, now = new Date()): Promise<{ subscription: CloudWebhookSubscription; secret: string; previousSecretExpiresAt: string } | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keyOf(tenant, id), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const item = ItemSchema.parse(out.Item);
    const secret = generateSecret();
    const previousSecretExpiresAt = new Date(now.getTime() + overlapMs).toISOString();
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: keyOf(tenant, id),
        UpdateExpression: 'SET secrets = :new, previousSecretExpiresAt = :x',
        ConditionExpression: 'secrets[0] = :current',
        ExpressionAttributeValues: { ':new': [secret, item.secrets[0]!], ':current': item.secrets[0]!, ':x': previousSecretExpiresAt },
      }));
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
        throw new MmdoError('rotation_conflict', 'The secret was rotated at the same moment by another request; retry.', 409);
      }
      throw error;
    }
    return { subscription: publicView(item), secret, previousSecretExpiresAt };
  }

  async disable(tenant: string, id: string, reason: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keyOf(tenant, id),
        UpdateExpression: 'SET disabledReason = :r',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':r': reason },
      }),
    ).catch((error: { name?: string }) => {
      if (error.name !== 'ConditionalCheckFailedException') throw error;
    });
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const out = await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: keyOf(tenant, id), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }

  /** Records an attempt's outcome in the subscription's delivery log (one item per message, updated per attempt). */
  async recordDelivery(tenant: string, subscriptionId: string, entry: DeliveryLogEntry, at = new Date()): Promise<void> {
    const now = at.toISOString();
    await this.doc.send(new UpdateCommand({
      TableName: this.tableName,
      Key: { [WEBHOOKS_TABLE.partitionKey]: `TENANT#${tenant}`, [WEBHOOKS_TABLE.sortKey]: `DELIVERY#${subscriptionId}#${entry.messageId}` },
      UpdateExpression: 'SET messageId = :m, eventType = :e, #s = :s, attempts = :a, lastStatus = :ls, lastError = :le, createdAt = if_not_exists(createdAt, :now), updatedAt = :now, expiresAt = :x',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: {
        ':m': entry.messageId, ':e': entry.eventType, ':s': entry.status, ':a': entry.attempts, ':ls': entry.lastStatus, ':le': entry.lastError,
        ':now': now, ':x': Math.floor(at.getTime() / 1000) + DELIVERY_LOG_DAYS * 86_400,
      },
    }));
  }

  /** A subscription's latest deliveries, newest first. */
  async deliveries(tenant: string, subscriptionId: string, limit = 50): Promise<CloudDelivery[]> {
    const out = await this.doc.send(new QueryCommand({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': `TENANT#${tenant}`, ':sk': `DELIVERY#${subscriptionId}#` },
    }));
    return (out.Items ?? []).map((item) => DeliveryItem.parse(item)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, limit);
  }

  private async query(tenant: string, withSecrets: boolean): Promise<z.infer<typeof ItemSchema>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    const names = Object.fromEntries(PUBLIC_ATTRIBUTES.map((a) => [`#${a}`, a]));
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
          ExpressionAttributeValues: { ':pk': `TENANT#${tenant}`, ':sk': 'WEBHOOK#' },
          ...(withSecrets ? {} : { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names }),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    const schema = withSecrets ? ItemSchema : ItemSchema.omit({ secrets: true });
    return items.map((item) => schema.parse(item) as z.infer<typeof ItemSchema>);
  }
}

/** The secrets that sign now: the replaced one only while its overlap window lasts. */
function signing(item: z.infer<typeof ItemSchema>, now = Date.now()): SigningSubscription {
  const { previousSecretExpiresAt, ...rest } = item;
  const overlap = previousSecretExpiresAt !== undefined && Date.parse(previousSecretExpiresAt) > now;
  return { ...rest, secrets: overlap ? item.secrets.slice(0, 2) : item.secrets.slice(0, 1) };
}

function keyOf(tenant: string, id: string) {
  return { [WEBHOOKS_TABLE.partitionKey]: `TENANT#${tenant}`, [WEBHOOKS_TABLE.sortKey]: `WEBHOOK#${id}` };
}

function publicView(item: Omit<z.infer<typeof ItemSchema>, 'secrets'> & { secrets?: unknown }): CloudWebhookSubscription {
  const { secrets: _secrets, previousSecretExpiresAt: _expires, ...rest } = item;
  return rest;
}

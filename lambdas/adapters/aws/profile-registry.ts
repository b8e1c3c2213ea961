import { ConditionalCheckFailedException, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { MmdoError } from '../../domain/errors.js';
import { keyedTableDefinition } from './dynamodb-tables.js';

/**
 * The profile registry table (`<prefix>-profiles`, declared in lib/stateful-stack.ts with string keys pk, sk):
 *   pk `TENANT#<tenant>`, sk `PROFILE#<name>#V#<version, 10 digits>`
 * One partition per tenant, so a tenant's profiles list with one query and never mix with another's; the
 * zero-padded version makes the sort key order numeric. Names and tenants are checked key segments (no '#').
 */
export const PROFILES_TABLE = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** The registry table as a CreateTable request (tests create it in dynalite; CDK declares the same keys). */
export function profilesTableDefinition(tableName: string): CreateTableCommandInput {
  return keyedTableDefinition(tableName, PROFILES_TABLE);
}

/** A version's registry row. `writing` rows hold a number for a writer; only `ready` rows are trusted. */
export interface RegistryRow {
  readonly tenant: string;
  readonly profile: string;
  readonly version: number;
  readonly status: 'writing' | 'ready';
  readonly writer: string;
  readonly createdAt: string;
  readonly bankImages: number;
  readonly backboneId: string;
  /** S3 key prefix of the version's files. */
  readonly prefix: string;
}

const RowSchema = z.object({
  tenant: z.string(),
  profile: z.string(),
  version: z.number().int().positive(),
  status: z.enum(['writing', 'ready']),
  writer: z.string(),
  createdAt: z.string(),
  bankImages: z.number().int().nonnegative(),
  backboneId: z.string(),
  prefix: z.string(),
});

const VERSION_DIGITS = 10;

/**
 * Version numbers by conditional put: the writer whose `attribute_not_exists` put of (tenant, name, N) succeeds
 * owns N; the others try N+1. No transactions (dynalite has none; one item needs none).
 */
export class ProfileRegistry {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** Claims `row.version` for `row.writer`; false when another writer already holds that number. */
  async claim(row: RegistryRow & { status: 'writing' }): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys(row.tenant, row.profile, row.version), ...row },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PROFILES_TABLE.partitionKey },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Marks a claimed version readable, once its files are all written. Only the claiming writer may. */
  async commit(tenant: string, profile: string, version: number, writer: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys(tenant, profile, version),
          UpdateExpression: 'SET #status = :ready',
          ConditionExpression: '#writer = :writer AND #status = :writing',
          ExpressionAttributeNames: { '#status': 'status', '#writer': 'writer' },
          ExpressionAttributeValues: { ':ready': 'ready', ':writing': 'writing', ':writer': writer },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') {
        throw new MmdoError('profile_conflict', `profile '${profile}' v${version} is no longer held by this writer`, 409, { tenant, profile, version });
      }
      throw error;
    }
  }

  /** Highest version number taken (claimed or ready) for a name; 0 when none. */
  async highestTaken(tenant: string, profile: string): Promise<number> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PROFILES_TABLE.partitionKey, '#sk': PROFILES_TABLE.sortKey },
        ExpressionAttributeValues: { ':pk': partitionKey(tenant), ':prefix': sortPrefix(profile) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0];
    return item ? parseRow(item).version : 0;
  }

  /** Ready rows of one profile (or of all the tenant's profiles when `profile` is omitted), ascending by name and version. */
  async ready(tenant: string, profile?: string): Promise<RegistryRow[]> {
    const rows: RegistryRow[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': PROFILES_TABLE.partitionKey, '#sk': PROFILES_TABLE.sortKey },
          ExpressionAttributeValues: { ':pk': partitionKey(tenant), ':prefix': profile === undefined ? 'PROFILE#' : sortPrefix(profile) },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        const row = parseRow(item);
        if (row.status === 'ready' && row.tenant === tenant) rows.push(row);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return rows;
  }
}

function keys(tenant: string, profile: string, version: number): Record<string, string> {
  return {
    [PROFILES_TABLE.partitionKey]: partitionKey(tenant),
    [PROFILES_TABLE.sortKey]: `${sortPrefix(profile)}${String(version).padStart(VERSION_DIGITS, '0')}`,
  };
}

function partitionKey(tenant: string): string {
  return `TENANT#${tenant}`;
}

function sortPrefix(profile: string): string {
  return `PROFILE#${profile}#V#`;
}

function parseRow(item: Record<string, unknown>): RegistryRow {
  const parsed = RowSchema.safeParse(item);
  if (!parsed.success) {
    throw new MmdoError('profile_corrupt', `profile registry row ${String(item[PROFILES_TABLE.sortKey])} is invalid: ${parsed.error.issues[0]?.message ?? ''}`, 500);
  }
  return parsed.data;
}

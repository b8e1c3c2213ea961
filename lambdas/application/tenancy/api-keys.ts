import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { MmdoError, ValidationError } from '../../domain/errors.js';
import type { ApiKeyRecord, CredentialStore, Principal, Scope, Tenant } from '../../ports/partner-api.js';

/** Tenant ids name table partitions and object prefixes: the same rule as every stored key segment. */
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

/**
 * API keys: `mmdo_<id>_<secret>`, 12 random characters of public id (the lookup prefix shown in listings) and
 * 32 random bytes of secret. Only SHA-256 of the whole key is stored: a key is 256 bits of randomness, so a fast
 * hash is enough (a slow password hash protects low-entropy secrets, which these are not) and lookups stay cheap.
 */
const KEY_PATTERN = /^mmdo_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export class UnauthorizedError extends MmdoError {
  constructor(message = 'A valid API key is required: send it as `Authorization: Bearer mmdo_…`.') {
    super('unauthorized', message, 401);
  }
}

export class ForbiddenError extends MmdoError {
  constructor(scope: Scope) {
    super('insufficient_scope', `This key lacks the '${scope}' scope this operation needs.`, 403, { required: scope });
  }
}

/** Scopes nest: admin can do what inspect can, inspect what read can. */
const RANK: Record<Scope, number> = { read: 1, inspect: 2, admin: 3 };

export function hasScope(principal: Principal, needed: Scope): boolean {
  return principal.scopes.some((s) => RANK[s] >= RANK[needed]);
}

export function requireScope(principal: Principal, needed: Scope): void {
  if (!hasScope(principal, needed)) throw new ForbiddenError(needed);
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function randomId(): string {
  const bytes = randomBytes(12);
  return Array.from(bytes, (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}

export async function createTenant(store: CredentialStore, id: string, name = id, now = new Date()): Promise<{ tenant: Tenant; created: boolean }> {
  if (!TENANT_ID.test(id)) throw new ValidationError(`tenant id '${id}' must be 2-63 lower-case letters, digits or '-', starting with a letter or digit`, { tenant: id });
  const tenant: Tenant = { id, name, createdAt: now.toISOString() };
  const outcome = await store.createTenant(tenant);
  return { tenant: outcome === 'created' ? tenant : (await store.getTenant(id))!, created: outcome === 'created' };
}

/** Issues a key for an existing tenant; the returned `key` is the only time the secret exists outside the caller. */
export async function issueKey(
  store: CredentialStore, tenant: string, scopes: readonly Scope[], name: string, now = new Date(),
): Promise<{ key: string; record: ApiKeyRecord }> {
  if (!(await store.getTenant(tenant))) throw new MmdoError('tenant_not_found', `Tenant '${tenant}' does not exist.`, 404, { tenant });
  const id = randomId();
  const key = `mmdo_${id}_${randomBytes(32).toString('base64url')}`;
  const record: ApiKeyRecord = { id, tenant, name, scopes: [...new Set(scopes)], hash: hashKey(key), createdAt: now.toISOString() };
  await store.putKey(record);
  return { key, record };
}

/** The principal a presented key stands for, or undefined (malformed, unknown, revoked or wrong secret). */
export async function verifyKey(store: CredentialStore, presented: string): Promise<Principal | undefined> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return undefined;
  const record = await store.getKey(match[1]!);
  if (!record || record.revokedAt) return undefined;
  const expected = Buffer.from(record.hash, 'hex');
  const actual = Buffer.from(hashKey(presented), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  return { tenant: record.tenant, scopes: record.scopes, keyId: record.id };
}

/** The key in `Authorization: Bearer …` (or `X-Api-Key`), if any. */
export function presentedKey(headers: { authorization?: string | undefined; 'x-api-key'?: string | undefined }): string | undefined {
  const auth = headers.authorization?.trim();
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m ? m[1] : undefined;
  }
  return headers['x-api-key']?.trim() || undefined;
}

/** What listings show of a key: never its hash. */
export function publicKeyView(record: ApiKeyRecord) {
  return {
    id: record.id,
    name: record.name,
    scopes: [...record.scopes],
    createdAt: record.createdAt,
    ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
  };
}

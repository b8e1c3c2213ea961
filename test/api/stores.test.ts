/** The partner API's stores on both runtimes' databases: SQLite, and DynamoDB (dynalite: conditional puts only). */
import { apiTableDefinition, DynamoDbApiStore } from '../../lambdas/adapters/aws/dynamodb-api-store.js';
import { SqliteApiStore } from '../../lambdas/adapters/local/store/api-store.js';
import { createTenant, hasScope, issueKey, presentedKey, verifyKey } from '../../lambdas/application/tenancy/api-keys.js';
import type { CredentialStore, IdempotencyStore } from '../../lambdas/ports/partner-api.js';
import { startDynalite, type LoopbackDynamo } from '../support/loopback-aws.js';

let dynamo: LoopbackDynamo;
let clock = Date.parse('2026-12-01T00:00:00Z');
const now = () => clock;

beforeAll(async () => {
  dynamo = await startDynalite([apiTableDefinition('api')]);
});
afterAll(async () => {
  await dynamo.stop();
});

describe.each([
  ['SQLite', () => new SqliteApiStore(':memory:', now)],
  ['DynamoDB', () => new DynamoDbApiStore(dynamo.client, 'api', now)],
] as const)('%s', (_name, make) => {
  let store: CredentialStore & IdempotencyStore;
  beforeAll(() => {
    store = make();
  });

  test('keys: random, verified by hash, tenant-bound, revocable; malformed or tampered keys are refused', async () => {
    await createTenant(store, 'acme');
    expect((await createTenant(store, 'acme')).created).toBe(false);
    await expect(createTenant(store, 'Bad Name')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(issueKey(store, 'nobody', ['read'], 'x')).rejects.toMatchObject({ code: 'tenant_not_found' });
    const { key, record } = await issueKey(store, 'acme', ['inspect'], 'lims');
    const other = await issueKey(store, 'acme', ['inspect'], 'lims');
    expect(other.key).not.toBe(key);
    expect(await verifyKey(store, key)).toEqual({ tenant: 'acme', scopes: ['inspect'], keyId: record.id });
    expect(hasScope({ tenant: 'acme', scopes: ['inspect'] }, 'read')).toBe(true);
    expect(hasScope({ tenant: 'acme', scopes: ['inspect'] }, 'admin')).toBe(false);
    expect(await verifyKey(store, `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(await verifyKey(store, 'mmdo_short')).toBeUndefined();
    expect(presentedKey({ authorization: `Bearer ${key}` })).toBe(key);
    expect(presentedKey({ authorization: 'Basic abc' })).toBeUndefined();
    await createTenant(store, 'globex');
    expect(await store.revokeKey('globex', record.id, new Date(clock).toISOString())).toBe(false);
    expect(await verifyKey(store, key)).toBeDefined();
    expect(await store.revokeKey('acme', record.id, new Date(clock).toISOString())).toBe(true);
    expect(await verifyKey(store, key)).toBeUndefined();
    expect((await store.listKeys('acme')).map((k) => k.id).sort()).toEqual([record.id, other.record.id].sort());
    expect(await store.listKeys('globex')).toEqual([]);
  });

  test('Idempotency-Key records: new, replay, conflict, in progress; a 5xx frees the key; stale and expired claims are taken over; per tenant', async () => {
    expect(await store.begin('acme', 'k', 'f1', 3600)).toEqual({ state: 'new' });
    expect(await store.begin('acme', 'k', 'f1', 3600)).toEqual({ state: 'in_progress' });
    expect(await store.begin('acme', 'k', 'f2', 3600)).toEqual({ state: 'conflict' });
    expect(await store.begin('globex', 'k', 'f2', 3600)).toEqual({ state: 'new' });
    const response = { status: 202, body: '{"id":"x"}', headers: { 'content-type': 'application/json' } };
    await store.complete('acme', 'k', 'f1', response);
    expect(await store.begin('acme', 'k', 'f1', 3600)).toEqual({ state: 'replay', response });
    await store.abandon('acme', 'k', 'f1'); // answered: stays
    expect((await store.begin('acme', 'k', 'f1', 3600)).state).toBe('replay');
    expect(await store.begin('acme', 'k2', 'f1', 3600)).toEqual({ state: 'new' });
    await store.abandon('acme', 'k2', 'f1');
    expect(await store.begin('acme', 'k2', 'f1', 3600)).toEqual({ state: 'new' });
    clock += 6 * 60_000; // the claim of k2 was never answered: its request died
    expect(await store.begin('acme', 'k2', 'f9', 3600)).toEqual({ state: 'new' });
    clock += 3600_000; // k's record expired
    expect(await store.begin('acme', 'k', 'f2', 3600)).toEqual({ state: 'new' });
  });
});

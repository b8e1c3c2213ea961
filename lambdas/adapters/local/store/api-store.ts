import type Database from 'better-sqlite3';
import type {
  ApiKeyRecord, CredentialStore, IdempotencyBegin, IdempotencyStore, Instrument, ProfileControl, ProfileControls, Scope, StoredResponse, Tenant,
  UploadRegistry, UploadSlot, UsageLedger, UsageQuery, UsageRecord,
} from '../../../ports/partner-api.js';
import { connectSqlite } from './sqlite.js';

/** An Idempotency-Key claim with no answer after this long was left by a request that died (a crash): it is taken over. */
const STALE_CLAIM_MS = 5 * 60_000;

/**
 * The partner API's local state in SQLite (WAL): tenants, API key hashes, Idempotency-Key records and the usage
 * ledger. The local service keeps them in its queue's file (`attach`), so that a job's end and its usage record
 * commit in one transaction. The file holds key hashes, so only its owner may read it.
 */
export class SqliteApiStore implements CredentialStore, IdempotencyStore, UsageLedger, UploadRegistry, ProfileControls {
  private readonly db: Database.Database;
  private readonly owned: boolean;

  constructor(file: string | Database.Database, private readonly now: () => number = Date.now) {
    const connection = connectSqlite(file, { durable: true, ownerOnly: true });
    this.db = connection.db;
    this.owned = connection.owned;
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL, scopes TEXT NOT NULL, hash TEXT NOT NULL,
        created_at TEXT NOT NULL, revoked_at TEXT
      );
      CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant, created_at);
      CREATE TABLE IF NOT EXISTS idempotency (
        tenant TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, response TEXT, expires_at INTEGER NOT NULL,
        started_at INTEGER NOT NULL, PRIMARY KEY (tenant, key)
      );
      CREATE TABLE IF NOT EXISTS usage (
        tenant TEXT NOT NULL, event_id TEXT NOT NULL, kind TEXT NOT NULL, quantity INTEGER NOT NULL, occurred_at TEXT NOT NULL,
        profile TEXT, report_id TEXT, PRIMARY KEY (tenant, event_id)
      );
      CREATE INDEX IF NOT EXISTS usage_by_time ON usage (tenant, occurred_at);
      CREATE TABLE IF NOT EXISTS profile_controls (
        tenant TEXT NOT NULL, name TEXT NOT NULL, active_version INTEGER, deleted_at TEXT, PRIMARY KEY (tenant, name)
      );
      CREATE TABLE IF NOT EXISTS signing_secrets (name TEXT PRIMARY KEY, secret TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS upload_slots (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, json TEXT NOT NULL, job_id TEXT);
      CREATE TABLE IF NOT EXISTS instruments (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, json TEXT NOT NULL, revoked_at TEXT);
      CREATE INDEX IF NOT EXISTS instruments_tenant ON instruments (tenant, id);
    `);
  }

  async createTenant(tenant: Tenant): Promise<'created' | 'exists'> {
    const info = this.db.prepare('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING').run(tenant.id, tenant.name, tenant.createdAt);
    return info.changes === 1 ? 'created' : 'exists';
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const row = this.db.prepare('SELECT id, name, created_at FROM tenants WHERE id = ?').get(id) as { id: string; name: string; created_at: string } | undefined;
    return row && { id: row.id, name: row.name, createdAt: row.created_at };
  }

  async putKey(record: ApiKeyRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO api_keys (id, tenant, name, scopes, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(record.id, record.tenant, record.name, JSON.stringify(record.scopes), record.hash, record.createdAt);
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as KeyRow | undefined;
    return row && keyOf(row);
  }

  async listKeys(tenant: string): Promise<ApiKeyRecord[]> {
    return (this.db.prepare('SELECT * FROM api_keys WHERE tenant = ? ORDER BY created_at, id').all(tenant) as KeyRow[]).map(keyOf);
  }

  async revokeKey(tenant: string, id: string, at: string): Promise<boolean> {
    const info = this.db.prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE tenant = ? AND id = ?').run(at, tenant, id);
    return info.changes === 1;
  }

  async begin(tenant: string, key: string, fingerprint: string, ttlSeconds: number): Promise<IdempotencyBegin> {
    const t = this.now();
    return this.db.transaction((): IdempotencyBegin => {
      this.db
        .prepare('DELETE FROM idempotency WHERE tenant = ? AND key = ? AND (expires_at <= ? OR (response IS NULL AND started_at <= ?))')
        .run(tenant, key, t, t - STALE_CLAIM_MS);
      const inserted = this.db
        .prepare('INSERT INTO idempotency (tenant, key, fingerprint, expires_at, started_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
        .run(tenant, key, fingerprint, t + ttlSeconds * 1000, t);
      if (inserted.changes === 1) return { state: 'new' };
      const row = this.db.prepare('SELECT fingerprint, response FROM idempotency WHERE tenant = ? AND key = ?').get(tenant, key) as { fingerprint: string; response: string | null };
      if (row.fingerprint !== fingerprint) return { state: 'conflict' };
      return row.response ? { state: 'replay', response: JSON.parse(row.response) as StoredResponse } : { state: 'in_progress' };
    })();
  }

  async complete(tenant: string, key: string, fingerprint: string, response: StoredResponse): Promise<void> {
    this.db.prepare('UPDATE idempotency SET response = ? WHERE tenant = ? AND key = ? AND fingerprint = ?').run(JSON.stringify(response), tenant, key, fingerprint);
  }

  async abandon(tenant: string, key: string, fingerprint: string): Promise<void> {
    this.db.prepare('DELETE FROM idempotency WHERE tenant = ? AND key = ? AND fingerprint = ? AND response IS NULL').run(tenant, key, fingerprint);
  }

  async record(r: UsageRecord): Promise<'recorded' | 'duplicate'> {
    return this.recordSync(r);
  }

  /** `record` on this connection without awaiting: usable inside another transaction of the same file (a job's end). */
  recordSync(r: UsageRecord): 'recorded' | 'duplicate' {
    const info = this.db
      .prepare(`INSERT INTO usage (tenant, event_id, kind, quantity, occurred_at, profile, report_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant, event_id) DO NOTHING`)
      .run(r.tenant, r.eventId, r.kind, r.quantity, new Date(r.occurredAt).toISOString(), r.profile ?? null, r.reportId ?? null);
    return info.changes === 1 ? 'recorded' : 'duplicate';
  }

  async list(tenant: string, query: UsageQuery): Promise<UsageRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM usage WHERE tenant = ? AND occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at, event_id')
      .all(tenant, new Date(query.from).toISOString(), new Date(query.to).toISOString()) as UsageRow[];
    return rows.map((row) => ({
      tenant: row.tenant, eventId: row.event_id, kind: row.kind as UsageRecord['kind'], quantity: row.quantity, occurredAt: row.occurred_at,
      ...(row.profile !== null ? { profile: row.profile } : {}), ...(row.report_id !== null ? { reportId: row.report_id } : {}),
    }));
  }

  async getControl(tenant: string, name: string): Promise<ProfileControl | undefined> {
    const row = this.db.prepare('SELECT * FROM profile_controls WHERE tenant = ? AND name = ?').get(tenant, name) as ControlRow | undefined;
    return row && controlOf(row);
  }

  async listControls(tenant: string): Promise<ProfileControl[]> {
    return (this.db.prepare('SELECT * FROM profile_controls WHERE tenant = ?').all(tenant) as ControlRow[]).map(controlOf);
  }

  async activate(tenant: string, name: string, version: number): Promise<void> {
    this.db
      .prepare(`INSERT INTO profile_controls (tenant, name, active_version) VALUES (?, ?, ?)
                ON CONFLICT (tenant, name) DO UPDATE SET active_version = excluded.active_version, deleted_at = NULL`)
      .run(tenant, name, version);
  }

  async markDeleted(tenant: string, name: string, at: string): Promise<void> {
    this.db
      .prepare(`INSERT INTO profile_controls (tenant, name, deleted_at) VALUES (?, ?, ?)
                ON CONFLICT (tenant, name) DO UPDATE SET deleted_at = COALESCE(deleted_at, excluded.deleted_at)`)
      .run(tenant, name, at);
  }

  /** The service's secret of this name, made on first use and kept (upload policies stay valid across restarts). */
  signingSecret(name: string, make: () => string): string {
    this.db.prepare('INSERT INTO signing_secrets (name, secret) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, make());
    return (this.db.prepare('SELECT secret FROM signing_secrets WHERE name = ?').get(name) as { secret: string }).secret;
  }

  async putSlot(slot: UploadSlot): Promise<void> {
    this.db.prepare('INSERT INTO upload_slots (id, tenant, json) VALUES (?, ?, ?)').run(slot.id, slot.tenant, JSON.stringify(slot));
  }

  async getSlot(tenant: string, id: string): Promise<UploadSlot | undefined> {
    const slot = this.findSlot(id);
    return slot?.tenant === tenant ? slot : undefined;
  }

  /** A slot by its id alone: the local upload receiver's lookup (the id is the capability, like a presigned URL). */
  findSlot(id: string): UploadSlot | undefined {
    const row = this.db.prepare('SELECT json, job_id FROM upload_slots WHERE id = ?').get(id) as { json: string; job_id: string | null } | undefined;
    return row && { ...(JSON.parse(row.json) as UploadSlot), ...(row.job_id ? { jobId: row.job_id } : {}) };
  }

  /** Records the job a slot's upload became; false when the slot was used already (one object per slot). */
  useSlot(id: string, jobId: string): boolean {
    return this.db.prepare('UPDATE upload_slots SET job_id = ? WHERE id = ? AND job_id IS NULL').run(jobId, id).changes === 1;
  }

  async putInstrument(instrument: Instrument): Promise<void> {
    this.db.prepare('INSERT INTO instruments (id, tenant, json) VALUES (?, ?, ?)').run(instrument.id, instrument.tenant, JSON.stringify(instrument));
  }

  async getInstrument(tenant: string, id: string): Promise<Instrument | undefined> {
    const found = this.findInstrument(id);
    return found?.tenant === tenant ? found : undefined;
  }

  findInstrument(id: string): Instrument | undefined {
    const row = this.db.prepare('SELECT json, revoked_at FROM instruments WHERE id = ?').get(id) as { json: string; revoked_at: string | null } | undefined;
    return row && { ...(JSON.parse(row.json) as Instrument), ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}) };
  }

  async listInstruments(tenant: string): Promise<Instrument[]> {
    const rows = this.db.prepare('SELECT id FROM instruments WHERE tenant = ? ORDER BY id').all(tenant) as { id: string }[];
    return rows.map((r) => this.findInstrument(r.id)!);
  }

  async revokeInstrument(tenant: string, id: string, at: string): Promise<boolean> {
    return this.db.prepare('UPDATE instruments SET revoked_at = COALESCE(revoked_at, ?) WHERE tenant = ? AND id = ?').run(at, tenant, id).changes === 1;
  }

  close(): void {
    if (this.owned) this.db.close();
  }
}

interface ControlRow { tenant: string; name: string; active_version: number | null; deleted_at: string | null }

function controlOf(row: ControlRow): ProfileControl {
  return {
    tenant: row.tenant, name: row.name,
    ...(row.active_version !== null ? { activeVersion: row.active_version } : {}), ...(row.deleted_at !== null ? { deletedAt: row.deleted_at } : {}),
  };
}

interface KeyRow { id: string; tenant: string; name: string; scopes: string; hash: string; created_at: string; revoked_at: string | null }
interface UsageRow { tenant: string; event_id: string; kind: string; quantity: number; occurred_at: string; profile: string | null; report_id: string | null }

function keyOf(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id, tenant: row.tenant, name: row.name, scopes: JSON.parse(row.scopes) as Scope[], hash: row.hash, createdAt: row.created_at,
    ...(row.revoked_at !== null ? { revokedAt: row.revoked_at } : {}),
  };
}

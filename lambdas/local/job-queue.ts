import type Database from 'better-sqlite3';
import { openSqlite } from '../adapters/local/store/sqlite.js';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { JobQueue, QueuedJob } from '../ports/queue.js';
import { ServiceLock } from './service-lock.js';

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed';

/** What GET /v1/inspections/{id} shows while a job is pending, and what the worker records. */
export interface JobRecord<T> {
  readonly id: string;
  readonly payload: T;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly stage: string | null;
  readonly progress: number | null;
  readonly reason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type JobCounts = Record<JobStatus, number>;

interface JobRow {
  id: string;
  payload: string;
  status: JobStatus;
  attempts: number;
  stage: string | null;
  progress: number | null;
  reason: string | null;
  created_at: number;
  updated_at: number;
}

/** A claimed job and the key its upload is stored under (the key it was enqueued with, whatever the code now derives). */
export type ClaimedJob<T> = QueuedJob<T> & { readonly dedupeKey: string };

export interface QueueOptions {
  /**
   * Owner of the queue (the service; default): holds the service lock (`service.lock` beside the file) for as long
   * as the queue is open, so a second owner on the same MMDO_HOME is refused, and requeues at once every job a dead
   * owner left running. False opens the file as a plain reader/writer (tools, tests that inspect a stopped service).
   */
  readonly exclusive?: boolean;
}

/**
 * The local durable queue: one SQLite file (WAL, synchronous=FULL so an acknowledged enqueue survives a power cut).
 * A claim takes a lease that progress renews. The owner holds the service lock, so at open every `running` row is a
 * dead worker's: it is requeued at once (attempts kept, so an image that crashes the worker every time still ends
 * after maxAttempts). The lease remains for a worker of a live service that hangs. `now` is injectable so lease
 * expiry is testable without sleeping.
 */
export class SqliteJobQueue<T> implements JobQueue<T> {
  private readonly db: Database.Database;
  private readonly lock: ServiceLock | undefined;
  /** Ids of the jobs a dead owner left running, requeued when this owner opened the queue. */
  readonly recovered: readonly string[];

  constructor(
    file: string,
    private readonly now: () => number = Date.now,
    options: QueueOptions = {},
  ) {
    this.lock = options.exclusive === false || file === ':memory:' ? undefined : ServiceLock.acquire(join(dirname(file), 'service.lock'));
    try {
      this.db = openSqlite(file, { durable: true });
    } catch (error) {
      this.lock?.release();
      throw error;
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_until INTEGER,
        available_at INTEGER NOT NULL,
        stage TEXT,
        progress REAL,
        reason TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS jobs_pending ON jobs (status, available_at, created_at);
    `);
    this.recovered = this.lock ? this.requeueAbandoned() : [];
  }

  /** The connection, for tables that must commit in the same transaction as a job's end (the webhook outbox). */
  get database(): Database.Database {
    return this.db;
  }

  /** Every running job back to queued, due now: called only by the lock holder, for whom no live worker has one. */
  private requeueAbandoned(): string[] {
    const t = this.now();
    return this.db.transaction(() => {
      const ids = (this.db.prepare(`SELECT id FROM jobs WHERE status = 'running'`).all() as { id: string }[]).map((r) => r.id);
      this.db
        .prepare(
          `UPDATE jobs SET status = 'queued', lease_until = NULL, available_at = ?, stage = NULL, progress = NULL,
           reason = 'the service stopped while it was running (requeued at the next start)', updated_at = ? WHERE status = 'running'`,
        )
        .run(t, t);
      return ids;
    })();
  }

  async enqueue(payload: T, dedupeKey: string): Promise<string> {
    return this.enqueueSync(payload, dedupeKey).id;
  }

  /** Enqueues unless the key is known; `created` tells the caller whether this call added the job. */
  enqueueSync(payload: T, dedupeKey: string): { id: string; created: boolean } {
    const t = this.now();
    const id = randomUUID();
    const inserted = this.db
      .prepare(
        `INSERT INTO jobs (id, dedupe_key, payload, status, available_at, created_at, updated_at)
         VALUES (?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
      )
      .run(id, dedupeKey, JSON.stringify(payload), t, t, t);
    if (inserted.changes === 1) return { id, created: true };
    const existing = this.db.prepare('SELECT id FROM jobs WHERE dedupe_key = ?').get(dedupeKey) as { id: string };
    return { id: existing.id, created: false };
  }

  findByDedupeKey(dedupeKey: string): JobRecord<T> | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE dedupe_key = ?').get(dedupeKey) as JobRow | undefined;
    return row && toRecord<T>(row);
  }

  async claim(leaseMs: number): Promise<ClaimedJob<T> | undefined> {
    return this.claimSync(leaseMs);
  }

  claimSync(leaseMs: number): ClaimedJob<T> | undefined {
    const t = this.now();
    return this.db.transaction((): ClaimedJob<T> | undefined => {
      const row = this.db
        .prepare(
          `SELECT id, dedupe_key, payload, attempts FROM jobs
           WHERE (status = 'queued' AND available_at <= ?) OR (status = 'running' AND lease_until <= ?)
           ORDER BY created_at, rowid LIMIT 1`,
        )
        .get(t, t) as (Pick<JobRow, 'id' | 'payload' | 'attempts'> & { dedupe_key: string }) | undefined;
      if (!row) return undefined;
      this.db
        .prepare(
          `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?, stage = 'claimed',
           progress = 0, updated_at = ? WHERE id = ?`,
        )
        .run(t + leaseMs, t, row.id);
      return { id: row.id, dedupeKey: row.dedupe_key, payload: JSON.parse(row.payload) as T, attempts: row.attempts + 1 };
    })();
  }

  /** Records the stage a running job is in and extends its lease, so a long job is not taken by another worker. */
  progress(id: string, stage: string, fraction: number, leaseMs: number): void {
    const t = this.now();
    this.db
      .prepare(
        `UPDATE jobs SET stage = ?, progress = ?, lease_until = ?, updated_at = ? WHERE id = ? AND status = 'running'`,
      )
      .run(stage, Math.min(1, Math.max(0, fraction)), t + leaseMs, t, id);
  }

  async complete(id: string): Promise<void> {
    this.finish(id, 'completed', null);
  }

  async fail(id: string, reason: string): Promise<void> {
    this.finish(id, 'failed', reason);
  }

  /**
   * Records a job's end; `alongside` runs in the same transaction on this connection (e.g. the webhook outbox rows
   * of its report), so a crash leaves either both or neither.
   */
  finish(id: string, status: 'completed' | 'failed', reason: string | null, alongside?: (db: Database.Database) => void): void {
    const t = this.now();
    this.db.transaction(() => {
      this.db
        .prepare(`UPDATE jobs SET status = ?, reason = ?, lease_until = NULL, stage = ?, progress = 1, updated_at = ? WHERE id = ?`)
        .run(status, reason, status, t, id);
      alongside?.(this.db);
    })();
  }

  /**
   * Puts a running job back in the queue: after a transient error (retry after `delayMs`), or at shutdown.
   * `countAttempt: false` gives back the attempt the claim took, because the job never really ran.
   */
  release(id: string, reason: string | null, delayMs = 0, countAttempt = true): void {
    const t = this.now();
    this.db
      .prepare(
        `UPDATE jobs SET status = 'queued', lease_until = NULL, available_at = ?, stage = NULL, progress = NULL,
         reason = COALESCE(?, reason), attempts = attempts - ?, updated_at = ? WHERE id = ? AND status = 'running'`,
      )
      .run(t + delayMs, reason, countAttempt ? 0 : 1, t, id);
  }

  get(id: string): JobRecord<T> | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row && toRecord<T>(row);
  }

  counts(): JobCounts {
    const counts: JobCounts = { queued: 0, running: 0, completed: 0, failed: 0 };
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as { status: JobStatus; n: number }[];
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.lock?.release();
  }
}

function toRecord<T>(row: JobRow): JobRecord<T> {
  return {
    id: row.id,
    payload: JSON.parse(row.payload) as T,
    status: row.status,
    attempts: row.attempts,
    stage: row.stage,
    progress: row.progress,
    reason: row.reason,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

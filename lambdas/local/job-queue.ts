import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { JobQueue, QueuedJob } from '../ports/queue.js';

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

/**
 * The local durable queue: one SQLite file (WAL, synchronous=FULL so an acknowledged enqueue survives a power cut).
 * A claim takes a lease; a worker that dies mid-job leaves a running row whose lease expires, and the next claim
 * takes it again with attempts+1. `now` is injectable so lease expiry is testable without sleeping.
 */
export class SqliteJobQueue<T> implements JobQueue<T> {
  private readonly db: Database.Database;

  constructor(
    file: string,
    private readonly now: () => number = Date.now,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
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

  async claim(leaseMs: number): Promise<QueuedJob<T> | undefined> {
    return this.claimSync(leaseMs);
  }

  claimSync(leaseMs: number): QueuedJob<T> | undefined {
    const t = this.now();
    return this.db.transaction((): QueuedJob<T> | undefined => {
      const row = this.db
        .prepare(
          `SELECT id, payload, attempts FROM jobs
           WHERE (status = 'queued' AND available_at <= ?) OR (status = 'running' AND lease_until <= ?)
           ORDER BY created_at, rowid LIMIT 1`,
        )
        .get(t, t) as Pick<JobRow, 'id' | 'payload' | 'attempts'> | undefined;
      if (!row) return undefined;
      this.db
        .prepare(
          `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?, stage = 'claimed',
           progress = 0, updated_at = ? WHERE id = ?`,
        )
        .run(t + leaseMs, t, row.id);
      return { id: row.id, payload: JSON.parse(row.payload) as T, attempts: row.attempts + 1 };
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
    this.db.close();
  }

  private finish(id: string, status: 'completed' | 'failed', reason: string | null): void {
    const t = this.now();
    this.db
      .prepare(
        `UPDATE jobs SET status = ?, reason = ?, lease_until = NULL, stage = ?, progress = 1, updated_at = ? WHERE id = ?`,
      )
      .run(status, reason, status, t, id);
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

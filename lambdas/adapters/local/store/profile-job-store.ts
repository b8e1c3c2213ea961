import type Database from 'better-sqlite3';
import type { NewProfileJob, ProfileJob, ProfileJobEnd, ProfileJobStatus, ProfileJobStore } from '../../../ports/profile-jobs.js';
import { connectSqlite } from './sqlite.js';

interface JobRow {
  id: string;
  tenant: string;
  status: ProfileJobStatus;
  json: string;
  uploaded: string;
  stage: string | null;
  progress: number | null;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  end_json: string | null;
}

/**
 * Profile jobs of the local service (enrolments, recalibrations) in SQLite, on the service state's connection
 * (queue.sqlite), beside the webhook outbox and the usage ledger. Status changes are conditional updates.
 */
export class SqliteProfileJobStore implements ProfileJobStore {
  private readonly db: Database.Database;
  private readonly owned: boolean;

  constructor(file: string | Database.Database) {
    const connection = connectSqlite(file);
    this.db = connection.db;
    this.owned = connection.owned;
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS profile_jobs (
        id TEXT PRIMARY KEY, tenant TEXT NOT NULL, status TEXT NOT NULL, json TEXT NOT NULL, uploaded TEXT NOT NULL DEFAULT '[]',
        stage TEXT, progress REAL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, end_json TEXT
      );
      CREATE INDEX IF NOT EXISTS profile_jobs_status ON profile_jobs (status, created_at);
    `);
  }

  async create(job: NewProfileJob): Promise<void> {
    const { status, id, tenant, createdAt, ...rest } = job;
    this.db
      .prepare('INSERT INTO profile_jobs (id, tenant, status, json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, tenant, status, JSON.stringify({ ...rest, createdAt }), createdAt, createdAt);
  }

  async get(tenant: string, id: string): Promise<ProfileJob | undefined> {
    const row = this.db.prepare('SELECT * FROM profile_jobs WHERE id = ? AND tenant = ?').get(id, tenant) as JobRow | undefined;
    return row && jobOf(row);
  }

  /** A job by its id alone: the upload receiver's lookup (the signed policy names tenant and job). */
  find(id: string): ProfileJob | undefined {
    const row = this.db.prepare('SELECT * FROM profile_jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row && jobOf(row);
  }

  async markUploaded(tenant: string, id: string, index: number): Promise<void> {
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT uploaded FROM profile_jobs WHERE id = ? AND tenant = ?').get(id, tenant) as { uploaded: string } | undefined;
      if (!row) return;
      const uploaded = new Set(JSON.parse(row.uploaded) as number[]).add(index);
      this.db.prepare('UPDATE profile_jobs SET uploaded = ? WHERE id = ?').run(JSON.stringify([...uploaded].sort((a, b) => a - b)), id);
    })();
  }

  async queue(tenant: string, id: string, at: string): Promise<boolean> {
    return this.move(tenant, id, 'awaiting_upload', 'queued', at);
  }

  async claim(tenant: string, id: string, at: string): Promise<boolean> {
    return this.db
      .prepare(`UPDATE profile_jobs SET status = 'running', started_at = ?, updated_at = ? WHERE id = ? AND tenant = ? AND status = 'queued'`)
      .run(at, at, id, tenant).changes === 1;
  }

  async finish(tenant: string, id: string, end: ProfileJobEnd): Promise<boolean> {
    const { status, at, ...rest } = end;
    return this.db
      .prepare(`UPDATE profile_jobs SET status = ?, finished_at = ?, updated_at = ?, end_json = ?, stage = NULL, progress = NULL
                WHERE id = ? AND tenant = ? AND status = 'running'`)
      .run(status, at, at, JSON.stringify(rest), id, tenant).changes === 1;
  }

  async progress(tenant: string, id: string, stage: string, fraction: number): Promise<void> {
    this.db
      .prepare(`UPDATE profile_jobs SET stage = ?, progress = ?, updated_at = ? WHERE id = ? AND tenant = ? AND status = 'running'`)
      .run(stage, fraction, new Date().toISOString(), id, tenant);
  }

  /** The oldest queued job (the local runner takes them one at a time). */
  nextQueued(): { tenant: string; id: string } | undefined {
    return this.db.prepare(`SELECT tenant, id FROM profile_jobs WHERE status = 'queued' ORDER BY updated_at, id LIMIT 1`).get() as { tenant: string; id: string } | undefined;
  }

  /**
   * Ends every job a stopped service left running as failed, with the reason: its work may have gone part way (a
   * version may even have been saved), so it is not run again blindly. Called by the service at start (it holds the
   * service lock: no live runner has a job). Returns the ids.
   */
  failAbandoned(at: string, failure: { code: string; message: string }): string[] {
    return this.db.transaction(() => {
      const ids = (this.db.prepare(`SELECT id FROM profile_jobs WHERE status = 'running'`).all() as { id: string }[]).map((r) => r.id);
      this.db
        .prepare(`UPDATE profile_jobs SET status = 'failed', finished_at = ?, updated_at = ?, end_json = ?, stage = NULL, progress = NULL WHERE status = 'running'`)
        .run(at, at, JSON.stringify({ failure }));
      return ids;
    })();
  }

  close(): void {
    if (this.owned) this.db.close();
  }

  private move(tenant: string, id: string, from: ProfileJobStatus, to: ProfileJobStatus, at: string): boolean {
    return this.db.prepare('UPDATE profile_jobs SET status = ?, updated_at = ? WHERE id = ? AND tenant = ? AND status = ?').run(to, at, id, tenant, from).changes === 1;
  }
}

function jobOf(row: JobRow): ProfileJob {
  const stored = JSON.parse(row.json) as Omit<ProfileJob, 'id' | 'tenant' | 'status' | 'stage' | 'progress' | 'updatedAt'>;
  const end = row.end_json ? (JSON.parse(row.end_json) as Partial<ProfileJob>) : {};
  const uploaded = JSON.parse(row.uploaded) as number[];
  return {
    ...stored,
    id: row.id,
    tenant: row.tenant,
    status: row.status,
    stage: row.stage,
    progress: row.progress,
    updatedAt: row.updated_at,
    ...(uploaded.length ? { uploaded } : {}),
    ...(row.started_at ? { startedAt: row.started_at } : {}),
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    ...end,
  };
}

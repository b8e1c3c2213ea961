import type Database from 'better-sqlite3';
import { ValidationError } from '../../../domain/errors.js';
import { ReportSchema, type Report } from '../../../domain/report/report.js';
import type { OnceReportStore } from '../../../ports/inspection.js';
import type { ReportPage, ReportQuery, ReportStore } from '../../../ports/stores.js';
import { batchOf } from '../../../domain/report/batch.js';
import { openSqlite } from './sqlite.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

interface Row { json: string; created_at: string; id: string }

/**
 * Reports in one SQLite file (WAL). Every query filters by tenant; listing is newest first with an opaque
 * cursor (createdAt + id of the last row), indexed by (tenant, createdAt) and (tenant, batch, createdAt).
 */
export class SqliteReportStore implements ReportStore, OnceReportStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS reports (
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        batch TEXT,
        status TEXT NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (tenant, id)
      );
      CREATE INDEX IF NOT EXISTS reports_by_time ON reports (tenant, created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS reports_by_batch ON reports (tenant, batch, created_at DESC, id DESC);
    `);
  }

  async put(report: Report): Promise<void> {
    this.write(report, false);
  }

  /** Writes unless a completed report with this id exists: a failed one may be replaced by a retried run, a completed one never. */
  async putOnce(report: Report): Promise<'written' | 'duplicate'> {
    return this.write(report, true) ? 'written' : 'duplicate';
  }

  private write(report: Report, once: boolean): boolean {
    const valid = ReportSchema.parse(report);
    const info = this.db
      .prepare(`INSERT INTO reports (tenant, id, created_at, batch, status, json) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant, id) DO UPDATE SET created_at = excluded.created_at, batch = excluded.batch,
                status = excluded.status, json = excluded.json${once ? " WHERE reports.status <> 'completed'" : ''}`)
      .run(valid.tenant, valid.id, valid.createdAt, batchOf(valid) ?? null, valid.status, JSON.stringify(valid));
    return info.changes > 0;
  }

  async get(tenant: string, id: string): Promise<Report | undefined> {
    const row = this.db.prepare('SELECT json FROM reports WHERE tenant = ? AND id = ?').get(tenant, id) as Row | undefined;
    return row ? ReportSchema.parse(JSON.parse(row.json)) : undefined;
  }

  async list(tenant: string, query: ReportQuery = {}): Promise<ReportPage> {
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
    const where = ['tenant = ?'];
    const args: (string | number)[] = [tenant];
    if (query.batch !== undefined) { where.push('batch = ?'); args.push(query.batch); }
    if (query.since !== undefined) { where.push('created_at >= ?'); args.push(query.since); }
    if (query.cursor !== undefined) {
      const { createdAt, id } = decodeCursor(query.cursor);
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      args.push(createdAt, createdAt, id);
    }
    const rows = this.db
      .prepare(`SELECT json, created_at, id FROM reports WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`)
      .all(...args, limit + 1) as Row[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ReportSchema.parse(JSON.parse(r.json))),
      cursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : undefined,
    };
  }

  close(): void {
    this.db.close();
  }
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('invalid list cursor', { cursor });
}

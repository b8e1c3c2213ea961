import type Database from 'better-sqlite3';
import { FeedbackRecordSchema, RecalibrationRecordSchema, targetKey, type FeedbackRecord, type FeedbackTarget, type RecalibrationRecord } from '../../../domain/feedback/feedback.js';
import type { FeedbackQuery, FeedbackStore } from '../../../ports/feedback.js';
import { openSqlite } from './sqlite.js';

/**
 * Expert feedback in SQLite (beside the reports, in reports.sqlite): one row per (tenant, report, target); a later
 * judgement of the same target replaces it, an older one never does (compared by time, in milliseconds). The
 * recalibrations made from it are kept in their own table, one row per profile version made.
 */
export class SqliteFeedbackStore implements FeedbackStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS feedback (
        tenant TEXT NOT NULL,
        report_id TEXT NOT NULL,
        target TEXT NOT NULL,
        profile TEXT,
        at_ms INTEGER NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (tenant, report_id, target)
      );
      CREATE INDEX IF NOT EXISTS feedback_by_profile ON feedback (tenant, profile, report_id, target);
      CREATE TABLE IF NOT EXISTS recalibrations (
        tenant TEXT NOT NULL,
        profile TEXT NOT NULL,
        version INTEGER NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (tenant, profile, version)
      );
    `);
  }

  async put(record: FeedbackRecord): Promise<'written' | 'stale'> {
    const valid = FeedbackRecordSchema.parse(record);
    const info = this.db
      .prepare(`INSERT INTO feedback (tenant, report_id, target, profile, at_ms, json) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant, report_id, target) DO UPDATE SET profile = excluded.profile, at_ms = excluded.at_ms, json = excluded.json
                WHERE excluded.at_ms >= feedback.at_ms`)
      .run(valid.tenant, valid.reportId, targetKey(valid.target), valid.profile?.name ?? null, Date.parse(valid.at), JSON.stringify(valid));
    return info.changes > 0 ? 'written' : 'stale';
  }

  async get(tenant: string, reportId: string, target: FeedbackTarget): Promise<FeedbackRecord | undefined> {
    const row = this.db.prepare('SELECT json FROM feedback WHERE tenant = ? AND report_id = ? AND target = ?').get(tenant, reportId, targetKey(target)) as { json: string } | undefined;
    return row ? FeedbackRecordSchema.parse(JSON.parse(row.json)) : undefined;
  }

  async list(tenant: string, query: FeedbackQuery = {}): Promise<FeedbackRecord[]> {
    const where = ['tenant = ?'];
    const args: string[] = [tenant];
    if (query.profile !== undefined) { where.push('profile = ?'); args.push(query.profile); }
    if (query.reportId !== undefined) { where.push('report_id = ?'); args.push(query.reportId); }
    const rows = this.db.prepare(`SELECT json FROM feedback WHERE ${where.join(' AND ')} ORDER BY report_id, target`).all(...args) as { json: string }[];
    return rows.map((r) => FeedbackRecordSchema.parse(JSON.parse(r.json)));
  }

  async putRecalibration(tenant: string, record: RecalibrationRecord): Promise<void> {
    const valid = RecalibrationRecordSchema.parse(record);
    this.db.prepare('INSERT INTO recalibrations (tenant, profile, version, json) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, profile, version) DO UPDATE SET json = excluded.json')
      .run(tenant, valid.profile, valid.version, JSON.stringify(valid));
  }

  async listRecalibrations(tenant: string, profile: string): Promise<RecalibrationRecord[]> {
    const rows = this.db.prepare('SELECT json FROM recalibrations WHERE tenant = ? AND profile = ? ORDER BY version').all(tenant, profile) as { json: string }[];
    return rows.map((r) => RecalibrationRecordSchema.parse(JSON.parse(r.json)));
  }

  close(): void {
    this.db.close();
  }
}

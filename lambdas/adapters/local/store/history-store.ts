import type Database from 'better-sqlite3';
import type { CyclingHistory, CyclingHistoryStore } from '../../../ports/history.js';
import { StoredCyclingHistorySchema } from '../../history-codec.js';
import { openSqlite } from './sqlite.js';

/** Cycling histories in SQLite (one row per tenant and batch; attaching again replaces it). */
export class SqliteHistoryStore implements CyclingHistoryStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file);
    this.db.exec('CREATE TABLE IF NOT EXISTS cycling_history (tenant TEXT NOT NULL, batch TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (tenant, batch))');
  }

  async put(tenant: string, history: CyclingHistory): Promise<void> {
    const valid = StoredCyclingHistorySchema.parse(history);
    this.db.prepare('INSERT INTO cycling_history (tenant, batch, json) VALUES (?, ?, ?) ON CONFLICT (tenant, batch) DO UPDATE SET json = excluded.json')
      .run(tenant, valid.batchId, JSON.stringify(valid));
  }

  async list(tenant: string): Promise<CyclingHistory[]> {
    const rows = this.db.prepare('SELECT json FROM cycling_history WHERE tenant = ? ORDER BY batch').all(tenant) as { json: string }[];
    return rows.map((r) => StoredCyclingHistorySchema.parse(JSON.parse(r.json)));
  }

  close(): void {
    this.db.close();
  }
}

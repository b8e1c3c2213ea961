import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { CyclingHistory, CyclingHistoryStore } from '../../../ports/history.js';

const RowSchema = z.object({
  batchId: z.string(),
  points: z.array(z.object({ cycle: z.number(), retention: z.number() })),
  synthetic: z.boolean(),
  features: z.array(z.number()).optional(),
  reports: z.number().int().nonnegative(),
  attachedAt: z.string(),
});

/** Cycling histories in SQLite (one row per tenant and batch; attaching again replaces it). */
export class SqliteHistoryStore implements CyclingHistoryStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec('CREATE TABLE IF NOT EXISTS cycling_history (tenant TEXT NOT NULL, batch TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (tenant, batch))');
  }

  async put(tenant: string, history: CyclingHistory): Promise<void> {
    const valid = RowSchema.parse(history);
    this.db.prepare('INSERT INTO cycling_history (tenant, batch, json) VALUES (?, ?, ?) ON CONFLICT (tenant, batch) DO UPDATE SET json = excluded.json')
      .run(tenant, valid.batchId, JSON.stringify(valid));
  }

  async list(tenant: string): Promise<CyclingHistory[]> {
    const rows = this.db.prepare('SELECT json FROM cycling_history WHERE tenant = ? ORDER BY batch').all(tenant) as { json: string }[];
    return rows.map((r) => RowSchema.parse(JSON.parse(r.json)));
  }

  close(): void {
    this.db.close();
  }
}

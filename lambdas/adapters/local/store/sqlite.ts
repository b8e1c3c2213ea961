import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SqliteOptions {
  /** synchronous=FULL: a committed write survives a power loss, not only a crash of the process. */
  readonly durable?: boolean;
  /** The file holds secrets (key hashes): only its owner may read it. */
  readonly ownerOnly?: boolean;
}

/**
 * Opens a store's SQLite file the way every local store does: its folder made if need be, WAL (readers never block
 * the writer, so the service's threads share one file) and a 5 s busy timeout for writers that meet.
 */
export function openSqlite(file: string, options: SqliteOptions = {}): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  if (options.ownerOnly && file !== ':memory:') chmodSync(file, 0o600);
  db.pragma('journal_mode = WAL');
  if (options.durable) db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
}

/**
 * A store's connection: a file of its own, opened here (`owned`: the store closes it), or one it shares with the
 * caller (the local service's queue file, so that writes of several stores commit in one transaction).
 */
export function connectSqlite(file: string | Database.Database, options: SqliteOptions = {}): { db: Database.Database; owned: boolean } {
  return typeof file === 'string' ? { db: openSqlite(file, options), owned: true } : { db: file, owned: false };
}

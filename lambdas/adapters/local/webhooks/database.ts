import type Database from 'better-sqlite3';
import { openSqlite } from '../store/sqlite.js';
import { chmodSync, existsSync, renameSync } from 'node:fs';

/**
 * The webhook database: subscriptions (with their signing secrets) and the delivery outbox, in one SQLite file so
 * an event's deliveries are enqueued in one transaction. WAL + synchronous=FULL like the job queue: an enqueued
 * delivery survives a crash. The file holds secrets, so only its owner may read it.
 */
export function openWebhookDatabase(file: string): Database.Database {
  return initWebhookTables(openSqlite(file, { durable: true }));
}

/**
 * The webhook tables on an open connection (the local service's queue file: a job's end and its deliveries then
 * commit in one transaction). The file then holds signing secrets: only its owner may read it.
 */
export function initWebhookTables(db: Database.Database): Database.Database {
  if (!db.memory && db.name !== ':memory:' && db.name !== '') chmodSync(db.name, 0o600);
  db.pragma('foreign_keys = ON');
  db.exec(`
    CREATE TABLE IF NOT EXISTS webhook_subscriptions (
      id TEXT PRIMARY KEY,
      tenant TEXT NOT NULL,
      url TEXT NOT NULL,
      events TEXT NOT NULL,
      description TEXT,
      secret TEXT NOT NULL,
      created_at TEXT NOT NULL,
      disabled_reason TEXT
    );
    CREATE INDEX IF NOT EXISTS webhook_subscriptions_tenant ON webhook_subscriptions (tenant, created_at);
    CREATE TABLE IF NOT EXISTS webhook_deliveries (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      message_id TEXT NOT NULL UNIQUE,
      subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
      tenant TEXT NOT NULL,
      event_type TEXT NOT NULL,
      event_key TEXT NOT NULL,
      body TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'delivered', 'dead')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      lease_until INTEGER,
      last_status INTEGER,
      last_error TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      UNIQUE (subscription_id, event_key)
    );
    CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
    -- The secret a rotation replaced: deliveries are signed with it too until it expires (the overlap window).
    CREATE TABLE IF NOT EXISTS webhook_secret_rotations (
      subscription_id TEXT PRIMARY KEY REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
      previous_secret TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    );
  `);
  return db;
}

/**
 * Moves subscriptions and unfinished deliveries from a separate webhook file (services before the outbox moved into
 * the queue's file) into `db`, once: the old file is renamed `<file>.imported`. Returns how many rows came over.
 */
export function importWebhookDatabase(db: Database.Database, oldFile: string): number {
  if (!existsSync(oldFile)) return 0;
  db.prepare('ATTACH DATABASE ? AS old').run(oldFile);
  let rows = 0;
  try {
    db.transaction(() => {
      rows += db.prepare('INSERT OR IGNORE INTO main.webhook_subscriptions SELECT * FROM old.webhook_subscriptions').run().changes;
      rows += db
        .prepare(
          `INSERT OR IGNORE INTO main.webhook_deliveries (message_id, subscription_id, tenant, event_type, event_key, body, status, attempts,
             next_attempt_at, lease_until, last_status, last_error, created_at, updated_at)
           SELECT message_id, subscription_id, tenant, event_type, event_key, body,
             CASE status WHEN 'delivering' THEN 'pending' ELSE status END, attempts, next_attempt_at, NULL, last_status, last_error, created_at, updated_at
           FROM old.webhook_deliveries`,
        )
        .run().changes;
    })();
  } finally {
    db.exec('DETACH DATABASE old');
  }
  renameSync(oldFile, `${oldFile}.imported`);
  for (const suffix of ['-wal', '-shm']) if (existsSync(oldFile + suffix)) renameSync(oldFile + suffix, `${oldFile}.imported${suffix}`);
  return rows;
}

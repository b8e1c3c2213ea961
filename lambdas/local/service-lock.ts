import Database from 'better-sqlite3';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { MmdoError } from '../domain/errors.js';

/**
 * One service per MMDO_HOME. The lock is an SQLite file held in EXCLUSIVE locking mode: the operating system's
 * file lock (fcntl) is what excludes a second holder, in another process or in this one, and the kernel releases it
 * when the holder exits in any way (kill -9 included), so a stale lock never needs cleaning up by hand. Whoever
 * holds it knows that every job left `running` in the queue belonged to a dead worker, and requeues them at once.
 * A plain text file beside it names the holder, only so that a refused second service can say who holds the lock.
 */
export class ServiceLock {
  private constructor(
    private readonly db: Database.Database,
    private readonly ownerFile: string,
  ) {}

  /** Takes the lock or throws `service_already_running` (409) naming the holder. */
  static acquire(file: string): ServiceLock {
    const db = new Database(file, { timeout: 0 });
    try {
      db.pragma('journal_mode = DELETE');
      db.pragma('locking_mode = EXCLUSIVE');
      // The first write takes the exclusive lock; in EXCLUSIVE locking mode it is kept until the connection closes.
      db.exec('BEGIN EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL)');
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder VALUES (?, ?, ?)').run(process.pid, hostname(), new Date().toISOString());
      db.exec('COMMIT');
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY' || (error as { code?: string }).code === 'SQLITE_LOCKED') {
        throw new MmdoError(
          'service_already_running',
          `another MM-DO service is using this MMDO_HOME (${describeHolder(`${file}.owner`)}); stop it, or give this one its own MMDO_HOME`,
          409,
          { lock: file },
        );
      }
      throw error;
    }
    const ownerFile = `${file}.owner`;
    try {
      writeFileSync(ownerFile, `pid ${process.pid} on ${hostname()} since ${new Date().toISOString()}\n`);
    } catch {
      // informational only
    }
    return new ServiceLock(db, ownerFile);
  }

  release(): void {
    if (!this.db.open) return;
    rmSync(this.ownerFile, { force: true });
    this.db.close();
  }
}

function describeHolder(ownerFile: string): string {
  try {
    return readFileSync(ownerFile, 'utf8').trim() || 'holder unknown';
  } catch {
    return 'holder unknown';
  }
}

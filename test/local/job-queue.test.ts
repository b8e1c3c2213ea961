import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteJobQueue } from '../../lambdas/local/job-queue.js';

describe('SqliteJobQueue', () => {
  let dir: string;
  let now: number;
  const clock = () => now;
  const open = () => new SqliteJobQueue<{ n: number }>(join(dir, 'queue.sqlite'), clock);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mmdo-queue-'));
    now = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('enqueue is idempotent per dedupe key', async () => {
    const q = open();
    const a = await q.enqueue({ n: 1 }, 'key-a');
    expect(await q.enqueue({ n: 2 }, 'key-a')).toBe(a);
    const b = await q.enqueue({ n: 3 }, 'key-b');
    expect(b).not.toBe(a);
    expect(q.counts()).toEqual({ queued: 2, running: 0, completed: 0, failed: 0 });
    expect(q.get(a)?.payload).toEqual({ n: 1 });
    q.close();
  });

  test('claims in submission order, each job once while its lease holds', async () => {
    const q = open();
    const first = await q.enqueue({ n: 1 }, 'a');
    now += 1;
    const second = await q.enqueue({ n: 2 }, 'b');
    const c1 = await q.claim(1000);
    const c2 = await q.claim(1000);
    expect([c1?.id, c2?.id]).toEqual([first, second]);
    expect(c1?.attempts).toBe(1);
    expect(await q.claim(1000)).toBeUndefined();
    await q.complete(first);
    await q.fail(second, 'decoder said no');
    expect(q.get(second)).toMatchObject({ status: 'failed', reason: 'decoder said no' });
    expect(q.counts()).toEqual({ queued: 0, running: 0, completed: 1, failed: 1 });
    q.close();
  });

  test('a job whose worker hangs is reclaimed after its lease, with attempts counted', async () => {
    const q = open();
    const id = await q.enqueue({ n: 1 }, 'a');
    expect((await q.claim(5000))?.attempts).toBe(1);
    now += 4999;
    expect(await q.claim(5000)).toBeUndefined();
    now += 2;
    expect(await q.claim(5000)).toMatchObject({ id, attempts: 2, payload: { n: 1 }, dedupeKey: 'a' });
    q.close();
  });

  test('reopened after its owner died, the queue requeues a running job at once (no lease wait), keeping its attempts', async () => {
    let q = open();
    const id = await q.enqueue({ n: 1 }, 'a');
    const other = await q.enqueue({ n: 2 }, 'b');
    expect((await q.claim(5 * 60_000))?.attempts).toBe(1);
    q.close(); // the process "crashes" with the job running: nothing releases it

    q = open();
    expect(q.recovered).toEqual([id]);
    expect(q.get(id)).toMatchObject({ status: 'queued', attempts: 1, reason: expect.stringMatching(/stopped while it was running/) });
    const again = await q.claim(5000); // the same instant: the 5-minute lease has not expired
    expect(again).toMatchObject({ id, attempts: 2, payload: { n: 1 } });
    expect(q.get(other)?.status).toBe('queued');
    q.close();
  });

  test('one owner per service folder: a second owner is refused (in this process), a reader is not', async () => {
    const q = open();
    expect(() => open()).toThrow(expect.objectContaining({ code: 'service_already_running', message: expect.stringMatching(new RegExp(`pid ${process.pid}`)) }));
    const reader = new SqliteJobQueue<{ n: number }>(join(dir, 'queue.sqlite'), clock, { exclusive: false });
    await q.enqueue({ n: 1 }, 'a');
    expect(reader.counts().queued).toBe(1);
    reader.close();
    q.close();
    expect(existsSync(join(dir, 'service.lock.owner'))).toBe(false);
    open().close(); // released by close
  });

  test('the lock of a process killed with SIGKILL is released by the kernel: the next owner opens at once', async () => {
    const lockFile = join(dir, 'service.lock');
    const ready = join(dir, 'ready');
    const child = spawn(process.execPath, ['-e', `
      const Database = require('better-sqlite3');
      const db = new Database(${JSON.stringify(lockFile)}, { timeout: 0 });
      db.pragma('journal_mode = DELETE'); db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE'); db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL)'); db.exec('COMMIT');
      require('fs').writeFileSync(${JSON.stringify(ready)}, '1');
      setInterval(() => {}, 1000);
    `], { cwd: process.cwd(), stdio: 'ignore' });
    try {
      const deadline = Date.now() + 20_000;
      while (!existsSync(ready)) {
        if (Date.now() > deadline) throw new Error('the lock holder did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(() => open()).toThrow(expect.objectContaining({ code: 'service_already_running' }));
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const q = open();
    expect(q.counts()).toEqual({ queued: 0, running: 0, completed: 0, failed: 0 });
    q.close();
  });

  test('finish runs its companion write in the same transaction: if it throws, the job stays running', async () => {
    const q = open();
    const id = await q.enqueue({ n: 1 }, 'a');
    await q.claim(1000);
    q.database.exec('CREATE TABLE side (id TEXT)');
    expect(() => q.finish(id, 'completed', null, (db) => {
      db.prepare('INSERT INTO side VALUES (?)').run(id);
      throw new Error('disk full');
    })).toThrow('disk full');
    expect(q.get(id)?.status).toBe('running');
    expect(q.database.prepare('SELECT COUNT(*) AS n FROM side').get()).toEqual({ n: 0 });
    q.finish(id, 'completed', null, (db) => void db.prepare('INSERT INTO side VALUES (?)').run(id));
    expect(q.get(id)?.status).toBe('completed');
    expect(q.database.prepare('SELECT COUNT(*) AS n FROM side').get()).toEqual({ n: 1 });
    q.close();
  });

  test('progress renews the lease and is visible', async () => {
    const q = open();
    const id = await q.enqueue({ n: 1 }, 'a');
    await q.claim(1000);
    now += 900;
    q.progress(id, 'embed', 0.4, 1000);
    now += 900;
    expect(await q.claim(1000)).toBeUndefined();
    expect(q.get(id)).toMatchObject({ status: 'running', stage: 'embed', progress: 0.4 });
    q.close();
  });

  test('release retries after a delay; a shutdown release gives the attempt back', async () => {
    const q = open();
    const id = await q.enqueue({ n: 1 }, 'a');
    await q.claim(1000);
    q.release(id, 'transient', 500);
    expect(q.get(id)).toMatchObject({ status: 'queued', reason: 'transient', attempts: 1 });
    expect(await q.claim(1000)).toBeUndefined();
    now += 500;
    expect((await q.claim(1000))?.attempts).toBe(2);
    q.release(id, null, 0, false);
    expect(q.get(id)).toMatchObject({ status: 'queued', attempts: 1 });
    q.close();
  });
});

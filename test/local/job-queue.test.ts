import { mkdtempSync, rmSync } from 'node:fs';
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

  test('a job whose worker died is reclaimed after its lease, with attempts counted, and survives reopening', async () => {
    let q = open();
    const id = await q.enqueue({ n: 1 }, 'a');
    expect((await q.claim(5000))?.attempts).toBe(1);
    q.close(); // the process "crashes" with the job running

    q = open();
    now += 4999;
    expect(await q.claim(5000)).toBeUndefined();
    now += 2;
    const again = await q.claim(5000);
    expect(again).toMatchObject({ id, attempts: 2, payload: { n: 1 } });
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

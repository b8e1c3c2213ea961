import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileArtifactStore } from '../../../../lambdas/adapters/files/file-artifact-store.js';

describe('FileArtifactStore', () => {
  let root: string;
  beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'mmdo-artifacts-')); });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  test('round-trips bytes and content type; missing keys are undefined', async () => {
    const store = new FileArtifactStore(root);
    await store.put('local/reports/r1/heatmap.png', new Uint8Array([1, 2, 3]), 'image/png');
    const got = await store.get('local/reports/r1/heatmap.png');
    expect(Array.from(got!.bytes)).toEqual([1, 2, 3]);
    expect(got!.contentType).toBe('image/png');
    expect(await store.get('other/reports/r1/heatmap.png')).toBeUndefined();
  });

  test('the same key written many times at once (two threads storing one upload) ends whole, with no write failing', async () => {
    const store = new FileArtifactStore(root);
    const key = 'local/inputs/abc';
    const bodies = Array.from({ length: 16 }, (_, i) => new Uint8Array(64 * 1024).fill(i));
    await Promise.all(bodies.map((b) => store.put(key, b, 'application/octet-stream')));
    const got = (await store.get(key))!.bytes;
    expect(got.length).toBe(64 * 1024);
    expect(got.every((v) => v === got[0])).toBe(true);
    expect((await readdir(join(root, 'data', 'local', 'inputs'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('keys cannot escape the store or omit the tenant', async () => {
    const store = new FileArtifactStore(root);
    for (const key of ['../x', 'local/../../x', 'local/./x', 'local//x', '/etc/passwd', 'local', 'local/a\\b', 'local/.hidden']) {
      await expect(store.put(key, new Uint8Array([1]), 'x')).rejects.toMatchObject({ code: 'validation_failed' });
    }
    await expect(store.get('local/../x')).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await readdir(root)).toEqual([]);
  });

  test('expire removes what was written under a prefix before a date, with its content type and emptied folders', async () => {
    const store = new FileArtifactStore(root);
    const old = new Date('2026-01-01T00:00:00Z');
    for (const key of ['work/t1/enrolments/a/0', 'work/t1/enrolments/a/1', 'work/t2/enrolments/b/0', 'work/t2/enrolments/c/0', 't1/reports/r/heatmap.png']) {
      await store.put(key, new Uint8Array([1]), 'image/png');
    }
    for (const key of ['work/t1/enrolments/a/0', 'work/t1/enrolments/a/1', 'work/t2/enrolments/b/0', 't1/reports/r/heatmap.png']) await utimes(store.pathOf(key), old, old);
    expect(await store.expire('work', new Date('2026-02-01T00:00:00Z'))).toBe(3);
    expect(await store.get('work/t1/enrolments/a/0')).toBeUndefined();
    expect(await store.get('work/t2/enrolments/b/0')).toBeUndefined();
    expect(await store.get('work/t2/enrolments/c/0')).toBeDefined(); // written now
    expect(await store.get('t1/reports/r/heatmap.png')).toBeDefined(); // outside the prefix
    expect(await readdir(join(root, 'data', 'work'))).toEqual(['t2']);
    expect(await readdir(join(root, 'meta', 'work', 't2', 'enrolments'))).toEqual(['c']);
    expect(await store.expire('work/none', new Date())).toBe(0);
    await expect(store.expire('', new Date())).rejects.toThrow(/needs a prefix/);
    await expect(store.expire('work/..', new Date())).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

import { mkdtemp, readdir, rm } from 'node:fs/promises';
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

  test('keys cannot escape the store or omit the tenant', async () => {
    const store = new FileArtifactStore(root);
    for (const key of ['../x', 'local/../../x', 'local/./x', 'local//x', '/etc/passwd', 'local', 'local/a\\b', 'local/.hidden']) {
      await expect(store.put(key, new Uint8Array([1]), 'x')).rejects.toMatchObject({ code: 'validation_failed' });
    }
    await expect(store.get('local/../x')).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await readdir(root)).toEqual([]);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileProfileStore } from '../../../../lambdas/adapters/local/store/profile-store.js';
import type { ProfileVersion } from '../../../../lambdas/domain/profile/profile.js';

function profile(name: string, bankCount: number, fill: number): Omit<ProfileVersion, 'version'> {
  const dim = 3;
  return {
    name,
    createdAt: new Date().toISOString(),
    backbone: { id: 'test-backbone', sha256: 'a'.repeat(64) },
    pixelSizeUm: 0.5,
    features: { layers: ['l1', 'l2'], neighbourhood: 3, k: 1, coresetRatio: 0.1, projectionDim: null, seed: 7 },
    bank: { dim, count: bankCount, vectors: new Float32Array(bankCount * dim).fill(fill) },
    calibration: { normalImageScores: [1, 2], suspect: 2.5, anomalous: 3, pixelThreshold: 2.8, normalNoveltyScores: [0.1] },
    embeddings: { dim: 2, ids: ['a.png'], vectors: new Float32Array([fill, -fill]) },
    enrolled: { bank: ['a.png'], calibration: ['b.png'] },
    sources: [{ name: 'a.png', sha256: 'b'.repeat(64), role: 'bank' }, { name: 'b.png', sha256: 'c'.repeat(64), role: 'calibration' }],
  };
}

describe('FileProfileStore', () => {
  let root: string;
  beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'mmdo-profiles-')); });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  test('each save creates the next version; load returns the latest or the one asked for, with its arrays', async () => {
    const store = new FileProfileStore(root);
    expect(await store.saveNewVersion('local', profile('cathode', 2, 1.5))).toBe(1);
    expect(await store.saveNewVersion('local', profile('cathode', 4, 2.5))).toBe(2);
    const latest = await store.load('local', 'cathode');
    expect(latest.version).toBe(2);
    expect(latest.bank.count).toBe(4);
    expect(Array.from(latest.bank.vectors)).toEqual(new Array(12).fill(2.5));
    expect(latest.features.borderPad).toBeUndefined(); // profiles saved without one read back without one (= 0)
    const first = await store.load('local', 'cathode', 1);
    expect(first.version).toBe(1);
    expect(Array.from(first.embeddings.vectors)).toEqual([1.5, -1.5]);
    expect(first.sources?.map((s) => s.role)).toEqual(['bank', 'calibration']);
  });

  test('the features border pad round-trips', async () => {
    const store = new FileProfileStore(root);
    const padded = profile('padded', 2, 1);
    await store.saveNewVersion('local', { ...padded, features: { ...padded.features, borderPad: 32 } });
    expect((await store.load('local', 'padded')).features.borderPad).toBe(32);
  });

  test('concurrent saves get distinct versions', async () => {
    const store = new FileProfileStore(root);
    const versions = await Promise.all([1, 2, 3, 4].map((i) => store.saveNewVersion('local', profile('p', 1, i))));
    expect([...versions].sort()).toEqual([1, 2, 3, 4]);
  });

  test('tenants are isolated and missing profiles are NotFound', async () => {
    const store = new FileProfileStore(root);
    await store.saveNewVersion('acme', profile('cathode', 1, 1));
    await expect(store.load('other', 'cathode')).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.load('acme', 'cathode', 9)).rejects.toMatchObject({ code: 'not_found' });
    expect(await store.list('other')).toEqual([]);
    const [summary] = await store.list('acme');
    expect(summary).toMatchObject({ name: 'cathode', latestVersion: 1, versions: [{ version: 1, bankImages: 1, backboneId: 'test-backbone' }] });
  });

  test('rejects unsafe names and a tampered manifest', async () => {
    const store = new FileProfileStore(root);
    await expect(store.saveNewVersion('local', profile('../evil', 1, 1))).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(store.load('..', 'x')).rejects.toMatchObject({ code: 'validation_failed' });
    await store.saveNewVersion('local', profile('cathode', 1, 1));
    await writeFile(join(root, 'local', 'cathode', 'v1', 'profile.json'), JSON.stringify({ format: 1, name: 'cathode' }));
    await expect(store.load('local', 'cathode')).rejects.toThrow();
  });
});

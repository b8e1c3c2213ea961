import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileProfileStore } from '../../../../lambdas/adapters/local/store/profile-store.js';
import type { ProfileVersion } from '../../../../lambdas/domain/profile/profile.js';
import { DEFAULT_SCORING_SETTINGS, legacySettings } from '../../../../lambdas/domain/profile/settings.js';
import { fitDensityComponent, scoreDensityComponent } from '../../../../lambdas/domain/scoring/density.js';
import { createRandom } from '../../../../lambdas/domain/synth/random.js';
import { testSettings } from '../../../support/profiles.js';

function profile(name: string, bankCount: number, fill: number): Omit<ProfileVersion, 'version'> {
  const dim = 3;
  return {
    name,
    createdAt: new Date().toISOString(),
    backbone: { id: 'test-backbone', sha256: 'a'.repeat(64) },
    pixelSizeUm: 0.5,
    features: { layers: ['l1', 'l2'], neighbourhood: 3, k: 1, coresetRatio: 0.1, projectionDim: null, seed: 7 },
    settings: testSettings(),
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
    expect(latest.settings).toEqual(testSettings()); // every version carries the scoring settings it was saved with
    const first = await store.load('local', 'cathode', 1);
    expect(first.version).toBe(1);
    expect(Array.from(first.embeddings.vectors)).toEqual([1.5, -1.5]);
    expect(first.sources?.map((s) => s.role)).toEqual(['bank', 'calibration']);
  });

  test('a density component round-trips (density.f32 beside the manifest): the stored version scores exactly as the fitted one', async () => {
    const rng = createRandom(3);
    const rows = (n: number, dim: number) => Array.from({ length: n }, () => Float32Array.from({ length: dim }, () => rng.normal()));
    const samples = [rows(12, 7), rows(12, 5), rows(12, 3)];
    // The third block is a map-only layer's: weight 0 in the score, a weight in the map.
    const { component } = fitDensityComponent(samples, ['x.mean', 'x.std', 'y.mean'], { folds: 3, weights: [0.5, 0.5, 0], mapWeights: [0.5, 0.5, 0.5] });
    const store = new FileProfileStore(root);
    await store.saveNewVersion('local', { ...profile('dense', 2, 1), density: component });
    const probe = [Float32Array.from({ length: 7 }, (_, i) => i / 3), Float32Array.from({ length: 5 }, (_, i) => -i), Float32Array.from({ length: 3 }, (_, i) => i)];
    const expected = scoreDensityComponent(component, probe);
    expect(scoreDensityComponent((await store.load('local', 'dense')).density!, probe).raw).toBeCloseTo(expected.raw, 4);
    expect(scoreDensityComponent(await store.density('local', 'dense', 1), probe).parts).toEqual(expected.parts.map((p) => ({ ...p, z: expect.closeTo(p.z, 4) })));
    expect((await store.density('local', 'dense', 1)).blocks.map((b) => [b.weight, b.mapWeight])).toEqual([[0.5, 0.5], [0.5, 0.5], [0, 0.5]]);
    expect(expected.parts.map((p) => p.name)).toEqual(['x.mean', 'x.std']);
    // A version stored before map weights: each block's map weight is its weight.
    const manifest = join(root, 'local', 'dense', 'v1', 'profile.json');
    const written = JSON.parse(await readFile(manifest, 'utf8'));
    for (const block of written.density.blocks) delete block.mapWeight;
    await writeFile(manifest, JSON.stringify(written));
    expect((await new FileProfileStore(root).density('local', 'dense', 1)).blocks.map((b) => b.mapWeight)).toEqual([0.5, 0.5, 0]);
    expect((await store.describe('local', 'dense')) as object).not.toHaveProperty('density');
    await expect(store.density('local', 'cathode-none', 1)).rejects.toMatchObject({ code: 'not_found' });
    await store.saveNewVersion('local', profile('plain', 2, 1));
    await expect(store.density('local', 'plain', 1)).rejects.toMatchObject({ code: 'not_found' });
    // The manifest names the file: a version that lost it is corrupt, not silently without its component.
    await store.saveNewVersion('local', { ...profile('lost', 2, 1), density: component });
    await rm(join(root, 'local', 'lost', 'v1', 'density.f32'));
    await expect(store.load('local', 'lost')).rejects.toMatchObject({ code: 'profile_corrupt' });
    await expect(store.density('local', 'lost', 1)).rejects.toMatchObject({ code: 'profile_corrupt' });
  });

  test('the scoring settings round-trip (border pad, tiling, heatmap floor...), in load and describe alike', async () => {
    const store = new FileProfileStore(root);
    const settings = testSettings({
      borderPad: 32, tiling: { tileSize: 512, overlap: 64 }, heatmapLow: 0.125, imageScoreTopFraction: 0.02, smoothingSigmaPx: 2,
      fusion: { components: ['patch', 'consistency'], weights: { patch: 0.7, novelty: 0, consistency: 0.3, reproducibility: 0, density: 0 } }, nearest: 5, modality: 'optical', normalise: false,
    });
    await store.saveNewVersion('local', { ...profile('padded', 2, 1), settings });
    expect((await store.load('local', 'padded')).settings).toEqual(settings);
    expect((await store.describe('local', 'padded')).settings).toEqual(settings);
    const written = JSON.parse(await readFile(join(root, 'local', 'padded', 'v1', 'profile.json'), 'utf8'));
    expect(written).toMatchObject({ format: 2, settings: { borderPad: 32, heatmapLow: 0.125 } });
    expect(written.features).not.toHaveProperty('borderPad');
    expect(written.calibration).not.toHaveProperty('pixelScoreLow');
  });

  test('a version stored before the density had scales, a map, its smoothing or map-only layers (or their own smoothing) is read with one scale and the patch map alone, as it was fitted', async () => {
    const store = new FileProfileStore(root);
    const settings = testSettings({ density: { ...DEFAULT_SCORING_SETTINGS.density, layers: ['l1'], scales: [0.9, 1, 1.1], mapLayers: ['l2'], mapLayersSmoothingPx: 16 } });
    await store.saveNewVersion('local', { ...profile('scaled', 2, 1), settings });
    expect((await store.load('local', 'scaled')).settings.density).toMatchObject({ scales: [0.9, 1, 1.1], map: true, mapSmoothingPx: 32, mapLayers: ['l2'], mapLayersSmoothingPx: 16 });
    const file = join(root, 'local', 'scaled', 'v1', 'profile.json');
    const written = JSON.parse(await readFile(file, 'utf8'));
    delete written.settings.density.scales;
    delete written.settings.density.map;
    delete written.settings.density.mapSmoothingPx;
    delete written.settings.density.mapLayers;
    delete written.settings.density.mapLayersSmoothingPx;
    delete written.settings.density.fitCalibration;
    await writeFile(file, JSON.stringify(written));
    expect((await new FileProfileStore(root).load('local', 'scaled')).settings.density).toMatchObject({ scales: [1], map: false, mapSmoothingPx: 0, mapLayers: [], mapLayersSmoothingPx: null, fitCalibration: false });
  });

  describe('a format-1 profile.json (written before the scoring settings were recorded)', () => {
    /** Writes v1 of `name` as the format-1 codec did: border and top fraction under features, heatmap floor under calibration. */
    async function writeFormat1(name: string, extra: { features?: object; calibration?: object }): Promise<void> {
      const dir = join(root, 'local', name, 'v1');
      await mkdir(dir, { recursive: true });
      const manifest = {
        format: 1,
        name,
        version: 1,
        createdAt: '2025-06-01T08:00:00.000Z',
        backbone: { id: 'test-backbone', sha256: 'a'.repeat(64) },
        pixelSizeUm: 0.5,
        features: { layers: ['l1', 'l2'], neighbourhood: 3, k: 1, coresetRatio: 0.1, projectionDim: null, seed: 7, coresetMaxSize: 2048, ...extra.features },
        bank: { dim: 3, count: 2, file: 'bank.f32' },
        calibration: { normalImageScores: [3, 1, 2], suspect: 2.5, anomalous: 3, pixelThreshold: 2.8, normalNoveltyScores: [0.1], ...extra.calibration },
        embeddings: { dim: 2, ids: ['a.png'], file: 'embeddings.f32' },
        enrolled: { bank: ['a.png'], calibration: ['b.png'] },
        sources: [{ name: 'a.png', sha256: 'b'.repeat(64), role: 'bank' }, { name: 'b.png', sha256: 'c'.repeat(64), role: 'calibration' }],
      };
      const floats = (v: number[]) => Buffer.from(new Float32Array(v).buffer);
      await writeFile(join(dir, 'profile.json'), JSON.stringify(manifest, null, 1));
      await writeFile(join(dir, 'bank.f32'), floats([1, 2, 3, 4, 5, 6]));
      await writeFile(join(dir, 'embeddings.f32'), floats([0.5, -0.5]));
    }

    test('is still read, with the settings of legacySettings from the stored border, top fraction and heatmap floor', async () => {
      await writeFormat1('old', { features: { borderPad: 32, imageScoreTopFraction: 0.01 }, calibration: { pixelScoreLow: 0.4 } });
      const store = new FileProfileStore(root);
      const loaded = await store.load('local', 'old');
      expect(loaded.settings).toEqual(legacySettings({ borderPad: 32, imageScoreTopFraction: 0.01 }, { pixelScoreLow: 0.4, normalImageScores: [3, 1, 2] }));
      expect(loaded.settings).toEqual({
        ...DEFAULT_SCORING_SETTINGS, tiling: { tileSize: 1024, overlap: 32 }, borderPad: 32, imageScoreTopFraction: 0.01, heatmapLow: 0.4,
      });
      // The moved fields are gone from where they were; the rest reads as before.
      expect(loaded.features).toEqual({ layers: ['l1', 'l2'], neighbourhood: 3, k: 1, coresetRatio: 0.1, projectionDim: null, seed: 7, coresetMaxSize: 2048 });
      expect(loaded.calibration).toEqual({ normalImageScores: [3, 1, 2], suspect: 2.5, anomalous: 3, pixelThreshold: 2.8, normalNoveltyScores: [0.1] });
      expect(Array.from(loaded.bank.vectors)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(Array.from(loaded.embeddings.vectors)).toEqual([0.5, -0.5]);
      expect((await store.describe('local', 'old')).settings).toEqual(loaded.settings);
      expect((await store.list('local'))[0]).toMatchObject({ name: 'old', latestVersion: 1 });

      // The next version (say, enrolment adding images) is written in the current format with those settings.
      const { version: _v, ...rest } = loaded;
      expect(await store.saveNewVersion('local', rest)).toBe(2);
      expect(JSON.parse(await readFile(join(root, 'local', 'old', 'v2', 'profile.json'), 'utf8'))).toMatchObject({ format: 2, settings: { borderPad: 32, heatmapLow: 0.4 } });
      expect((await store.load('local', 'old', 2)).settings).toEqual(loaded.settings);
    });

    test('without the optional fields: no border, the default top fraction, the normal image scores\' median as heatmap floor', async () => {
      await writeFormat1('older', {});
      const loaded = await new FileProfileStore(root).load('local', 'older');
      expect(loaded.settings).toMatchObject({ borderPad: 0, imageScoreTopFraction: DEFAULT_SCORING_SETTINGS.imageScoreTopFraction, heatmapLow: 2 });
    });
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

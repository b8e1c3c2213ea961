import { loadBackbone } from '../../lambdas/adapters/onnx/model-store.js';
import { densityBlockNames, densityFeatures, densityMapSmoothingOf, type DensitySettings } from '../../lambdas/application/density.js';
import { dihedral } from '../../lambdas/domain/image/dihedral.js';
import { LOG_BLOCK_EPSILON } from '../../lambdas/domain/scoring/density.js';
import { resize } from '../../lambdas/domain/image/resample.js';
import type { Backbone } from '../../lambdas/ports/backbone.js';
import { grainTexture } from '../e2e/textures.js';

/** The pooled blocks alone (the density map's cells are tested in density-map.test.ts). */
const pooledBlocks = async (...args: Parameters<typeof densityFeatures>) => (await densityFeatures(...args)).blocks;

describe('densityFeatures (built-in backbone)', () => {
  let backbone: Backbone;
  let settings: DensitySettings;
  beforeAll(async () => {
    backbone = await loadBackbone({ model: 'builtin' });
    settings = { enabled: true, normalise: false, shortSide: 64, views: 8, layers: [backbone.descriptor.embeddingLayer], folds: 5, minBankImages: 10, logBlocks: false, scales: [1], map: false, mapSmoothingPx: 0, mapLayers: [], mapLayersSmoothingPx: null, fitCalibration: false };
  });
  afterAll(async () => { await backbone.dispose(); });

  test('one mean and one spread block per layer, each as long as the layer has channels', async () => {
    const blocks = await pooledBlocks(backbone, grainTexture(80, 1), settings, 16);
    const channels = backbone.descriptor.layers.find((l) => l.name === settings.layers[0])!.channels;
    expect(densityBlockNames(settings)).toEqual([`${settings.layers[0]}.mean`, `${settings.layers[0]}.std`]);
    expect(blocks.map((b) => b.length)).toEqual([channels, channels]);
    expect(blocks[1]!.some((v) => v > 0)).toBe(true);
  });

  test('log blocks: ln(x + ε) of each averaged block, after the linear ones', async () => {
    const image = grainTexture(80, 5);
    const linear = await pooledBlocks(backbone, image, settings, 16);
    const withLogs = await pooledBlocks(backbone, image, { ...settings, logBlocks: true }, 16);
    const layer = settings.layers[0]!;
    expect(densityBlockNames({ ...settings, logBlocks: true })).toEqual([`${layer}.mean`, `${layer}.std`, `${layer}.mean.log`, `${layer}.std.log`]);
    expect(withLogs).toHaveLength(4);
    expect(withLogs.slice(0, 2)).toEqual(linear);
    // The log of the view average, not the average of the views' logs.
    linear.forEach((block, b) => block.forEach((v, j) => expect(withLogs[b + 2]![j]).toBeCloseTo(Math.log(v + LOG_BLOCK_EPSILON), 5)));
  });

  test('eight views make the pooled statistics independent of orientation; one view does not', async () => {
    const image = grainTexture(80, 2);
    const turned = dihedral(image, 1);
    const [a, b] = await Promise.all([pooledBlocks(backbone, image, settings, 16), pooledBlocks(backbone, turned, settings, 16)]);
    a.forEach((block, i) => block.forEach((v, j) => expect(b[i]![j]).toBeCloseTo(v, 4)));
    const single = { ...settings, views: 1 as const };
    const [c, d] = await Promise.all([pooledBlocks(backbone, image, single, 16), pooledBlocks(backbone, turned, single, 16)]);
    expect(c[0]!.some((v, j) => Math.abs(v - d[0]![j]!) > 1e-3)).toBe(true);
  });

  test('scales: every view at each factor of the short side, all averaged', async () => {
    const image = grainTexture(80, 6);
    const at = (shortSide: number) => pooledBlocks(backbone, image, { ...settings, shortSide }, 16);
    const [small, mid, large, averaged] = await Promise.all([at(48), at(64), at(80), pooledBlocks(backbone, image, { ...settings, scales: [0.75, 1, 1.25] }, 16)]);
    averaged.forEach((block, b) => block.forEach((v, j) => expect(v).toBeCloseTo((small[b]![j]! + mid[b]![j]! + large[b]![j]!) / 3, 5)));
    expect(averaged[0]!.some((v, j) => Math.abs(v - mid[0]![j]!) > 1e-4)).toBe(true);
  });

  test('the working scale is fixed: the same texture at twice the size pools to nearly the same statistics', async () => {
    const small = grainTexture(64, 3);
    const large = resize(small, 128, 128);
    const [x, y, other] = await Promise.all([small, large, grainTexture(64, 4)].map((im) => pooledBlocks(backbone, im, settings, 16).then((b) => b[0]!)));
    const distance = (p: Float32Array, q: Float32Array) => Math.hypot(...Array.from(p, (v, i) => v - q[i]!));
    // Closer to itself at another size than to another texture of the same kind.
    expect(distance(x!, y!)).toBeLessThan(0.5 * distance(x!, other!));
  });
});

describe('densityMapSmoothingOf', () => {
  const base = { layers: ['coarse'], mapLayers: ['fine', 'finer'], map: true, mapSmoothingPx: 32 };
  test('the scored layers get mapSmoothingPx; the map-only layers their own σ, or the same where it is null', () => {
    expect(densityMapSmoothingOf({ ...base, mapLayersSmoothingPx: null })).toEqual([32, 32, 32]);
    expect(densityMapSmoothingOf({ ...base, mapLayersSmoothingPx: 64 })).toEqual([32, 64, 64]);
    expect(densityMapSmoothingOf({ ...base, map: false, mapLayersSmoothingPx: 64 })).toEqual([32]);
  });
});

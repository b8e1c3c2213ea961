import { dihedral } from '../../../lambdas/domain/image/dihedral.js';
import { createGreyImage } from '../../../lambdas/domain/image/grey-image.js';
import { resize } from '../../../lambdas/domain/image/resample.js';
import { averageVectors, fitDensityComponent, logBlock, pooledStatistics, scoreDensityComponent, standardiserOf } from '../../../lambdas/domain/scoring/density.js';
import {
  densityMap, densityMapSize, DENSITY_MAP_SHORT_SIDE, fuseDensityIntoMap, mapFusionOf, type DensityViewCells, type MapFusion,
} from '../../../lambdas/domain/scoring/density-map.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

const CHANNELS = 6;
const SIDE = 5; // cells per side of every (square) view

/** A normal image's cells: channel-major, each channel around its own level. */
function normalCells(random: ReturnType<typeof createRandom>): Float32Array {
  const data = new Float32Array(CHANNELS * SIDE * SIDE);
  for (let c = 0; c < CHANNELS; c++) for (let i = 0; i < SIDE * SIDE; i++) data[c * SIDE * SIDE + i] = 1 + c * 0.5 + 0.3 * random.normal();
  return data;
}

/** Cells seen in view t: each channel plane under the dihedral transform. */
function viewOf(cells: Float32Array, t: number): DensityViewCells {
  const plane = SIDE * SIDE;
  const data = new Float32Array(cells.length);
  for (let c = 0; c < CHANNELS; c++) data.set(dihedral(createGreyImage(SIDE, SIDE, cells.slice(c * plane, (c + 1) * plane)), t).data, c * plane);
  const map = { channels: CHANNELS, width: SIDE, height: SIDE, data };
  return { transform: t, layers: [{ ...map, ...pooledStatistics(map) }] };
}

/** Pooled blocks of views, as application/density.ts pools them (view average, then the logs). */
function pooledOf(views: readonly DensityViewCells[], logBlocks: boolean): Float32Array[] {
  const mean = averageVectors(views.map((v) => v.layers[0]!.mean));
  const std = averageVectors(views.map((v) => v.layers[0]!.std));
  return logBlocks ? [mean, std, logBlock(mean), logBlock(std)] : [mean, std];
}

function fitted(logBlocks: boolean) {
  const random = createRandom(7);
  const bank = Array.from({ length: 30 }, () => pooledOf([viewOf(normalCells(random), 0)], logBlocks));
  const names = logBlocks ? ['mean', 'std', 'mean.log', 'std.log'] : ['mean', 'std'];
  return fitDensityComponent(names.map((_, b) => bank.map((blocks) => blocks[b]!)), names, { weights: names.map(() => 1 / names.length) }).component;
}

describe('densityMap', () => {
  test.each([false, true])('its mean over the image is the density score (log blocks: %s), over every view', (logBlocks) => {
    const component = fitted(logBlocks);
    const random = createRandom(11);
    const cells = normalCells(random);
    const views = [0, 1, 2, 3, 4, 5, 6, 7].map((t) => viewOf(cells, t));
    const pooled = pooledOf(views, logBlocks);
    const map = densityMap(component, pooled, views, logBlocks, SIDE, SIDE);
    const mean = map.data.reduce((s, v) => s + v, 0) / map.data.length;
    expect(mean).toBeCloseTo(scoreDensityComponent(component, pooled).raw, 4);
  });

  test('the cell that pulls the statistics off the normals scores highest, in the image\'s own orientation', () => {
    const component = fitted(true);
    const cells = normalCells(createRandom(12));
    const at = 1 * SIDE + 3; // row 1, column 3
    for (let c = 0; c < CHANNELS; c++) cells[c * SIDE * SIDE + at] += c % 2 === 0 ? 4 : -2;
    for (const transforms of [[0], [1], [5], [0, 1, 2, 3, 4, 5, 6, 7]]) {
      const views = transforms.map((t) => viewOf(cells, t));
      const map = densityMap(component, pooledOf(views, true), views, true, SIDE, SIDE);
      const top = map.data.indexOf(Math.max(...map.data));
      expect({ transforms, top }).toEqual({ transforms, top: at });
    }
  });

  test('smoothing spreads a lone cell\'s share over its neighbours: the peak stays, lower, and the mean stays', () => {
    const component = fitted(true);
    const cells = normalCells(createRandom(12));
    const at = 2 * SIDE + 2; // the centre, away from the reflected borders
    for (let c = 0; c < CHANNELS; c++) cells[c * SIDE * SIDE + at] += c % 2 === 0 ? 4 : -2;
    const views = [0, 5].map((t) => viewOf(cells, t));
    const pooled = pooledOf(views, true);
    const sharp = densityMap(component, pooled, views, true, SIDE, SIDE);
    const smooth = densityMap(component, pooled, views, true, SIDE, SIDE, 1);
    const max = (m: typeof sharp) => Math.max(...m.data);
    const mean = (m: typeof sharp) => m.data.reduce((s, v) => s + v, 0) / m.data.length;
    expect(smooth.data.indexOf(max(smooth))).toBe(at);
    expect(max(smooth)).toBeLessThan(max(sharp) - 0.25 * (max(sharp) - mean(sharp)));
    expect(Math.abs(mean(smooth) - mean(sharp))).toBeLessThan(0.1 * (max(sharp) - mean(sharp)));
  });

  /** A coarse layer (SIDE² cells, CHANNELS channels) and a fine one (twice the cells per side, 3 channels) of one image, a fine cell off. */
  function twoStrides() {
    const FINE = 2 * SIDE;
    const fineCells = (random: ReturnType<typeof createRandom>) => Float32Array.from({ length: 3 * FINE * FINE }, (_, i) => 2 + Math.floor(i / (FINE * FINE)) + 0.3 * random.normal());
    const layersOf = (coarse: Float32Array, fine: Float32Array): DensityViewCells => {
      const a = { channels: CHANNELS, width: SIDE, height: SIDE, data: coarse };
      const b = { channels: 3, width: FINE, height: FINE, data: fine };
      return { transform: 0, layers: [{ ...a, ...pooledStatistics(a) }, { ...b, ...pooledStatistics(b) }] };
    };
    const pooledOfView = (v: DensityViewCells) => {
      const linear = v.layers.flatMap((l) => [l.mean, l.std]);
      return [...linear, ...linear.map((x) => logBlock(x))];
    };
    const random = createRandom(5);
    const bank = Array.from({ length: 40 }, () => pooledOfView(layersOf(normalCells(random), fineCells(random))));
    const names = ['a.mean', 'a.std', 'b.mean', 'b.std', 'a.mean.log', 'a.std.log', 'b.mean.log', 'b.std.log'];
    const { component } = fitDensityComponent(names.map((_, b) => bank.map((blocks) => blocks[b]!)), names, { weights: names.map(() => 1 / names.length) });
    const fine = fineCells(createRandom(13));
    const at = 7 * FINE + 2; // row 7, column 2 of the fine grid
    for (let c = 0; c < 3; c++) fine[c * FINE * FINE + at] += 3;
    const view = layersOf(normalCells(createRandom(13)), fine);
    const pooled = pooledOfView(view);
    const mapWith = (smoothing: number | number[]) => densityMap(component, pooled, [view], true, FINE, FINE, smoothing);
    return { component, pooled, at, mapWith };
  }

  test('layers of two strides: each layer\'s shares on its own grid, summed; the mean is still the score and a fine cell peaks in place', () => {
    const { component, pooled, at, mapWith } = twoStrides();
    const map = mapWith(0);
    const mean = map.data.reduce((s, v) => s + v, 0) / map.data.length;
    expect(mean).toBeCloseTo(scoreDensityComponent(component, pooled).raw, 1);
    expect(map.data.indexOf(Math.max(...map.data))).toBe(at);
  });

  test('smoothing per layer: each layer\'s shares by their own σ; one σ for all is the single smoothing', () => {
    const { at, mapWith } = twoStrides();
    expect(mapWith([1.5, 1.5]).data).toEqual(mapWith(1.5).data);
    const max = (m: { data: Float32Array }) => Math.max(...m.data);
    const coarseSmoothed = mapWith([3, 0]);
    const fineSmoothed = mapWith([0, 3]);
    // The fine cell's peak survives where only the coarse layer is smoothed, and is spread where the fine one is.
    expect(coarseSmoothed.data.indexOf(max(coarseSmoothed))).toBe(at);
    expect(max(fineSmoothed)).toBeLessThan(max(coarseSmoothed));
    expect(() => mapWith([1, 2, 3])).toThrow(/a smoothing per layer/);
  });

  test('refuses blocks that do not match its layers', () => {
    const component = fitted(false);
    const views = [viewOf(normalCells(createRandom(1)), 0)];
    expect(() => densityMap(component, pooledOf(views, false), views, true, SIDE, SIDE)).toThrow(RangeError);
    expect(() => densityMap(component, pooledOf(views, false), [], false, SIDE, SIDE)).toThrow(RangeError);
  });

  test('its size keeps the aspect at a short side of DENSITY_MAP_SHORT_SIDE', () => {
    expect(densityMapSize(400, 200)).toEqual({ width: 2 * DENSITY_MAP_SHORT_SIDE, height: DENSITY_MAP_SHORT_SIDE });
    expect(densityMapSize(30, 90)).toEqual({ width: DENSITY_MAP_SHORT_SIDE, height: 3 * DENSITY_MAP_SHORT_SIDE });
  });
});

describe('fuseDensityIntoMap', () => {
  const fusion: MapFusion = { patch: { weight: 0.6, standardiser: { location: 5, scale: 0.5 } }, density: { weight: 2, standardiser: { location: 0.2, scale: 1 } } };

  test('each map standardised by its normal image scores, weighted as the fusion weighs them, the density map resized', () => {
    const random = createRandom(3);
    const patch = createGreyImage(13, 9, Float32Array.from({ length: 13 * 9 }, () => 5 + random.normal()));
    const density = createGreyImage(4, 3, Float32Array.from({ length: 12 }, () => random.normal() * 3));
    const before = Float32Array.from(patch.data);
    fuseDensityIntoMap(patch, density, fusion);
    const resized = resize(density, 13, 9).data;
    for (let i = 0; i < before.length; i++) {
      const expected = (0.6 * (before[i]! - 5) / 0.5 + 2 * (resized[i]! - 0.2) / 1) / 2.6;
      expect(patch.data[i]).toBeCloseTo(expected, 4);
    }
  });
});

describe('mapFusionOf', () => {
  const profile = (map: boolean, components: string[] = ['patch', 'density'], density = 2, normalDensityScores: number[] | null = [1, 2, 3]) => ({
    settings: { density: { map }, fusion: { components, weights: { patch: 0.6, density } } },
    calibration: { normalImageScores: [4, 5, 6], ...(normalDensityScores ? { normalDensityScores } : {}) },
  });

  test('the fusion weights and the components\' normal image scores, where the profile joins the maps', () => {
    expect(mapFusionOf(profile(true))).toEqual({
      patch: { weight: 0.6, standardiser: standardiserOf([4, 5, 6]) }, density: { weight: 2, standardiser: standardiserOf([1, 2, 3]) },
    });
    // The patch not fused: the density map alone decides.
    expect(mapFusionOf(profile(true, ['density']))?.patch.weight).toBe(0);
  });

  test('none where the map is off, the density is not fused or has no normal scores', () => {
    expect(mapFusionOf(profile(false))).toBeUndefined();
    expect(mapFusionOf(profile(true, ['patch']))).toBeUndefined();
    expect(mapFusionOf(profile(true, ['patch', 'density'], 0))).toBeUndefined();
    expect(mapFusionOf(profile(true, ['patch', 'density'], 2, null))).toBeUndefined();
  });
});

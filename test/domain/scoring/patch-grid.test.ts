import type { FeatureMap } from '../../../lambdas/domain/features/feature-map.js';
import { buildPatchGrid, imageEmbedding, localAverage } from '../../../lambdas/domain/scoring/patch-grid.js';
import { createProjection } from '../../../lambdas/domain/scoring/projection.js';
import { ValidationError } from '../../../lambdas/domain/errors.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

function map(name: string, stride: number, channels: number, height: number, width: number, f: (c: number, y: number, x: number) => number): FeatureMap {
  const data = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[(c * height + y) * width + x] = f(c, y, x);
  return { name, stride, channels, height, width, data };
}

describe('localAverage', () => {
  it('averages a 3x3 window, over existing cells only at the border', () => {
    const m = map('a', 8, 1, 3, 4, (_c, y, x) => y * 4 + x);
    const out = localAverage(m, 3);
    // interior cell (1,1): mean of rows 0..2, cols 0..2
    expect(out[1 * 4 + 1]).toBeCloseTo((0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10) / 9, 5);
    // corner (0,0): mean of the 4 existing cells, not diluted by zero padding
    expect(out[0]).toBeCloseTo((0 + 1 + 4 + 5) / 4, 5);
    // a constant map stays constant everywhere (padding-aware)
    const flat = localAverage(map('b', 8, 2, 5, 5, () => 3), 3);
    for (const v of flat) expect(v).toBeCloseTo(3, 5);
  });

  it('returns the data unchanged for a 1-cell window', () => {
    const m = map('a', 8, 1, 2, 2, (_c, y, x) => y + x);
    expect(localAverage(m, 1)).toBe(m.data);
  });
});

describe('buildPatchGrid', () => {
  const fine = map('fine', 8, 2, 8, 8, (c, y, x) => c * 100 + y * 8 + x);
  const coarse = map('coarse', 16, 3, 4, 4, (c) => c + 1);
  const ignored = map('deep', 32, 5, 2, 2, () => 7);

  it('concatenates the chosen layers on the finest grid (HWC) and ignores the others', () => {
    const grid = buildPatchGrid([ignored, coarse, fine], { layers: ['fine', 'coarse'], neighbourhood: 1, projectionDim: null, seed: 1 });
    expect(grid).toMatchObject({ rows: 8, cols: 8, dim: 5, stride: 8 });
    expect(grid.data.length).toBe(8 * 8 * 5);
    const cell = (y: number, x: number) => Array.from(grid.data.subarray((y * 8 + x) * 5, (y * 8 + x) * 5 + 5));
    expect(cell(3, 5)[0]).toBeCloseTo(3 * 8 + 5, 5);
    expect(cell(3, 5)[1]).toBeCloseTo(100 + 3 * 8 + 5, 5);
    expect(cell(3, 5).slice(2)).toEqual([1, 2, 3]); // a constant coarse layer upsamples to the same constant
  });

  it('upsamples a coarse layer bilinearly with pixel-centre alignment', () => {
    const ramp = map('ramp', 16, 1, 1, 2, (_c, _y, x) => x * 4); // values 0, 4
    const base = map('base', 8, 1, 2, 4, () => 0);
    const grid = buildPatchGrid([base, ramp], { layers: ['base', 'ramp'], neighbourhood: 1, projectionDim: null, seed: 1 });
    const row = [0, 1, 2, 3].map((x) => grid.data[x * 2 + 1]);
    // targets at source positions -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
    expect(row).toEqual([0, 1, 3, 4]);
  });

  it('projects to projectionDim with the same seed giving the same result', () => {
    const cfg = { layers: ['fine', 'coarse'], neighbourhood: 3, projectionDim: 3, seed: 42 };
    const a = buildPatchGrid([fine, coarse], cfg);
    const b = buildPatchGrid([fine, coarse], cfg);
    expect(a.dim).toBe(3);
    expect(a.data.length).toBe(8 * 8 * 3);
    expect(a.data).toEqual(b.data);
  });

  it('projecting per layer before averaging and upsampling equals projecting the concatenated descriptors', () => {
    const rng = createRandom(5);
    const a = map('a', 8, 6, 8, 10, () => rng.normal());
    const b = map('b', 16, 9, 4, 5, () => rng.normal());
    const full = buildPatchGrid([a, b], { layers: ['a', 'b'], neighbourhood: 3, projectionDim: null, seed: 7 });
    const projected = buildPatchGrid([a, b], { layers: ['a', 'b'], neighbourhood: 3, projectionDim: 4, seed: 7 });
    const expected = createProjection(15, 4, 7).apply(full.data);
    expect(projected).toMatchObject({ rows: 8, cols: 10, dim: 4 });
    expect(projected.data.length).toBe(expected.length);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(projected.data[i]! - expected[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('rejects a missing layer with a clear error', () => {
    expect(() => buildPatchGrid([fine], { layers: ['fine', 'nope'], neighbourhood: 3, projectionDim: null, seed: 1 }))
      .toThrow(ValidationError);
  });
});

describe('createProjection', () => {
  it('roughly preserves pairwise distances (Johnson–Lindenstrauss)', () => {
    const rng = createRandom(3);
    const inDim = 288, outDim = 128, n = 40;
    const v = new Float32Array(n * inDim);
    for (let i = 0; i < v.length; i++) v[i] = rng.normal();
    const p = createProjection(inDim, outDim, 9).apply(v);
    const ratios: number[] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
      let a = 0, b = 0;
      for (let k = 0; k < inDim; k++) a += (v[i * inDim + k] - v[j * inDim + k]) ** 2;
      for (let k = 0; k < outDim; k++) b += (p[i * outDim + k] - p[j * outDim + k]) ** 2;
      ratios.push(Math.sqrt(b / a));
    }
    const mean = ratios.reduce((s, r) => s + r, 0) / ratios.length;
    expect(mean).toBeGreaterThan(0.9);
    expect(mean).toBeLessThan(1.1);
    expect(Math.min(...ratios)).toBeGreaterThan(0.6);
    expect(Math.max(...ratios)).toBeLessThan(1.4);
  });
});

describe('imageEmbedding', () => {
  it('is the per-channel mean, L2-normalised by default', () => {
    const m = map('a', 8, 2, 2, 2, (c, y, x) => (c === 0 ? 3 : y * 2 + x + 2.5)); // means 3 and 4
    expect(Array.from(imageEmbedding(m, { normalise: false }))).toEqual([3, 4]);
    const e = imageEmbedding(m);
    expect(e[0]).toBeCloseTo(0.6, 6);
    expect(e[1]).toBeCloseTo(0.8, 6);
  });
});

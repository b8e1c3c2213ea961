import { imageScore, patchScores, scoreMap } from '../../../lambdas/domain/scoring/anomaly-map.js';

describe('patchScores', () => {
  it('averages the k nearest distances of each query', () => {
    const distances = new Float32Array([1, 2, 3, 4, 5, 9]);
    expect(Array.from(patchScores(distances, 3))).toEqual([1, 4]);
    expect(Array.from(patchScores(distances, 3, 2))).toEqual([1.5, 4.5]);
    expect(() => patchScores(distances, 3, 4)).toThrow(RangeError);
  });
});

describe('imageScore', () => {
  it('is the max on small grids and the mean of the top 0.1 % on large ones', () => {
    const small = new Float32Array(500).fill(1);
    small[7] = 5;
    expect(imageScore(small)).toBe(5);
    const large = new Float32Array(10_000).fill(1);
    for (let i = 0; i < 10; i++) large[i * 100] = 3 + i; // 10 top patches: 3..12
    expect(imageScore(large)).toBeCloseTo(7.5, 5);
    large[0] = 103; // a single spike moves the score by a tenth of its size only
    expect(imageScore(large)).toBeCloseTo(17.5, 5);
  });
});

describe('scoreMap', () => {
  it('upsamples the patch grid to image size and keeps a constant map constant', () => {
    const m = scoreMap(new Float32Array(4 * 6).fill(2), 4, 6, 48, 32);
    expect(m.width).toBe(48);
    expect(m.height).toBe(32);
    expect(m.data.length).toBe(48 * 32);
    for (const v of m.data) expect(v).toBeCloseTo(2, 5);
  });

  it('puts a hot patch at the matching pixels and smooths it', () => {
    const grid = new Float32Array(8 * 8);
    grid[2 * 8 + 5] = 10; // row 2, col 5 -> pixels around (44, 20) at stride 8
    const sharp = scoreMap(grid, 8, 8, 64, 64, 0);
    const smooth = scoreMap(grid, 8, 8, 64, 64, 4);
    let peak = 0;
    for (let i = 1; i < smooth.data.length; i++) if (smooth.data[i] > smooth.data[peak]) peak = i;
    expect(Math.abs((peak % 64) - 43.5)).toBeLessThanOrEqual(1);
    expect(Math.abs(Math.floor(peak / 64) - 19.5)).toBeLessThanOrEqual(1);
    expect(smooth.data[peak]).toBeLessThan(sharp.data[peak]);
    const total = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
    expect(total(smooth.data)).toBeCloseTo(total(sharp.data), 0); // smoothing redistributes, it does not add
  });
});

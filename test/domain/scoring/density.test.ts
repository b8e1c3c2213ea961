import {
  averageVectors, fitDensityComponent, fitGaussian, foldIndices, ledoitWolfShrinkage, logBlock, mahalanobis, pooledStatistics,
  refitDensityComponent, scoreDensityComponent, standardise, standardiserOf,
} from '../../../lambdas/domain/scoring/density.js';

describe('pooledStatistics', () => {
  // 2 channels × 2 rows × 3 columns, CHW.
  const map = { channels: 2, height: 2, width: 3, data: Float32Array.from([1, 2, 3, 4, 5, 6, 10, 10, 10, 10, 10, 10]) };

  it('gives the per-channel mean and population standard deviation', () => {
    const { mean, std } = pooledStatistics(map);
    expect(mean[0]).toBeCloseTo(3.5, 6);
    expect(std[0]).toBeCloseTo(Math.sqrt(35 / 12), 6); // variance of 1..6 = 35/12
    expect(mean[1]).toBeCloseTo(10, 6);
    expect(std[1]).toBeCloseTo(0, 6);
  });

  it('pools only the cells inside the region', () => {
    const { mean, std } = pooledStatistics(map, { x0: 1, y0: 0, x1: 3, y1: 1 }); // cells 2 and 3
    expect(mean[0]).toBeCloseTo(2.5, 6);
    expect(std[0]).toBeCloseTo(0.5, 6);
    expect(() => pooledStatistics(map, { x0: 2, y0: 0, x1: 2, y1: 2 })).toThrow(RangeError);
  });
});

describe('ledoitWolfShrinkage', () => {
  it('matches the closed form on a hand-computed case', () => {
    // Centred samples z1 = (1, 0), z2 = (−1, 0): S = diag(1, 0), μ = 0.5, ‖S − μI‖²/d = 0.25,
    // β = (Σ‖z‖⁴/n − ‖S‖²)/(d·n) = (1 − 1)/4 = 0 → no shrinkage is worth its bias.
    const gram = Float64Array.from([1, -1, -1, 1]);
    expect(ledoitWolfShrinkage(gram, 2, 2)).toBe(0);
    // z = (2, 0), (0, 2), (−2, 0), (0, −2): S = diag(2, 2) = μI → δ = 0 (‖S − μI‖ = 0).
    const z = [[2, 0], [0, 2], [-2, 0], [0, -2]];
    const g = new Float64Array(16);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) g[i * 4 + j] = z[i]![0]! * z[j]![0]! + z[i]![1]! * z[j]![1]!;
    expect(ledoitWolfShrinkage(g, 4, 2)).toBe(0);
  });

  it('shrinks when the sample covariance is noisy (heavy-tailed samples)', () => {
    // z = (3, 0, 0), (−1, 0, 0), (−1, 0, 0), (−1, 0, 0):
    const z = [[3, 0, 0], [-1, 0, 0], [-1, 0, 0], [-1, 0, 0]];
    const g = new Float64Array(16);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) g[i * 4 + j] = z[i]![0]! * z[j]![0]!;
    // S = diag(3, 0, 0), μ = 1, ‖S‖² = 9, Σ‖z‖⁴/n = (81 + 3)/4 = 21, β = (21 − 9)/(3·4) = 1,
    // ‖S − μI‖²/d = (9 − 2·1·3 + 3)/3 = 2 → δ = β/2 = 0.5
    expect(ledoitWolfShrinkage(g, 4, 3)).toBeCloseTo(0.5, 12);
  });
});

describe('fitGaussian / mahalanobis', () => {
  it('equals the explicit (x − m)ᵀΣ⁻¹(x − m) for a fixed shrinkage', () => {
    // Samples (0,0), (2,0), (0,2), (2,2): mean (1,1), S = I, μ = 1; with δ = 0.5 the covariance is I.
    const samples = Float32Array.from([0, 0, 2, 0, 0, 2, 2, 2]);
    const g = fitGaussian(samples, 4, 2, { shrinkage: 0.5 });
    expect(Array.from(g.mean)).toEqual([1, 1]);
    expect(mahalanobis(g, Float32Array.from([3, 1]))).toBeCloseTo(4, 6);
    expect(mahalanobis(g, Float32Array.from([1, 1]))).toBeCloseTo(0, 9);
  });

  it('weights directions by their inverse variance (d > n, dual form)', () => {
    // Samples ±(3, 0, 0): S = diag(9, 0, 0), μ = 3; δ = 0.5 → Σ = diag(6, 1.5, 1.5).
    const g = fitGaussian(Float32Array.from([3, 0, 0, -3, 0, 0]), 2, 3, { shrinkage: 0.5 });
    expect(mahalanobis(g, Float32Array.from([6, 0, 0]))).toBeCloseTo(36 / 6, 6);
    expect(mahalanobis(g, Float32Array.from([0, 3, 0]))).toBeCloseTo(9 / 1.5, 6);
    expect(mahalanobis(g, Float32Array.from([0, 0, -3]))).toBeCloseTo(9 / 1.5, 6);
  });

  it('uses the Ledoit-Wolf intensity by default and rejects bad input', () => {
    const g = fitGaussian(Float32Array.from([1, 0, 0, -1, 0, 0, 0, 2, 0, 0, -2, 0]), 4, 3);
    expect(g.shrinkage).toBeGreaterThan(0);
    expect(g.shrinkage).toBeLessThanOrEqual(1);
    expect(() => fitGaussian(Float32Array.from([1, 2]), 2, 2)).toThrow(RangeError);
    expect(() => mahalanobis(g, Float32Array.from([1]))).toThrow(RangeError);
  });
});


describe('standardiser and folds', () => {
  it('standardises with the mean and sample standard deviation', () => {
    const s = standardiserOf([1, 2, 3]);
    expect(s.location).toBe(2);
    expect(s.scale).toBeCloseTo(1, 12);
    expect(standardise(4, s)).toBeCloseTo(2, 12);
  });

  it('splits rows into interleaved folds', () => {
    expect(foldIndices(5, 2, 0)).toEqual({ held: [0, 2, 4], kept: [1, 3] });
    expect(foldIndices(5, 2, 1)).toEqual({ held: [1, 3], kept: [0, 2, 4] });
  });
});

describe('fitDensityComponent / scoreDensityComponent', () => {
  // 10 images, two blocks: a 2-d block and a 3-d block with deterministic spread.
  const a = Array.from({ length: 10 }, (_, i) => Float32Array.from([Math.sin(i), Math.cos(2 * i)]));
  const b = Array.from({ length: 10 }, (_, i) => Float32Array.from([i % 3, (i * 7) % 5, Math.sqrt(i)]));

  it('standardises each block on its out-of-fold distances (their z-scores sum to 0 with unit spread)', () => {
    const { component, outOfFold } = fitDensityComponent([a, b], ['a', 'b'], { folds: 5 });
    expect(component.blocks.map((x) => x.name)).toEqual(['a', 'b']);
    // Each block's out-of-fold z-scores have mean 0 by construction, so the totals do too.
    expect(outOfFold.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 9);
    // Re-derive block a's out-of-fold distances by hand: fold f holds images i ≡ f (mod 5).
    const distances: number[] = [];
    for (let f = 0; f < 5; f++) {
      const kept = [...Array(10).keys()].filter((i) => i % 5 !== f);
      const m = fitGaussian(Float32Array.from(kept.flatMap((i) => [...a[i]!])), kept.length, 2);
      for (const i of [f, f + 5]) distances.push(mahalanobis(m, a[i]!));
    }
    const s = standardiserOf(distances);
    expect(component.blocks[0]!.standardiser.location).toBeCloseTo(s.location, 9);
    expect(component.blocks[0]!.standardiser.scale).toBeCloseTo(s.scale, 9);
  });

  it('scores an image as the sum of its blocks’ z-scores', () => {
    const { component } = fitDensityComponent([a, b], ['a', 'b'], { folds: 5 });
    const x = [Float32Array.from([3, -3]), Float32Array.from([1, 2, 3])];
    const s = scoreDensityComponent(component, x);
    const z = component.blocks.map((blk, i) => (mahalanobis(blk.model, x[i]!) - blk.standardiser.location) / blk.standardiser.scale);
    expect(s.parts.map((p) => p.z)).toEqual(z);
    expect(s.raw).toBeCloseTo(z[0]! + z[1]!, 12);
    // Block weights scale each z in the sum (and in the out-of-fold totals).
    const weighted = fitDensityComponent([a, b], ['a', 'b'], { folds: 5, weights: [1, 0.25] });
    expect(scoreDensityComponent(weighted.component, x).raw).toBeCloseTo(z[0]! + 0.25 * z[1]!, 12);
    expect(() => fitDensityComponent([a, b], ['a', 'b'], { weights: [1] })).toThrow(RangeError);
    expect(() => scoreDensityComponent(component, [x[0]!])).toThrow(RangeError);
    expect(() => fitDensityComponent([a.slice(0, 4)], ['a'], { folds: 5 })).toThrow(RangeError);
  });

  it('refits on its own images and extra ones as one fit on all of them, keeping names and weights', () => {
    const weights = { weights: [1, 0.25], mapWeights: [0.5, 0.5] };
    const bankOnly = fitDensityComponent([a.slice(0, 6), b.slice(0, 6)], ['a', 'b'], { folds: 2, ...weights }).component;
    const refit = refitDensityComponent(bankOnly, [a.slice(6), b.slice(6)], { folds: 2 });
    const all = fitDensityComponent([a, b], ['a', 'b'], { folds: 2, ...weights }).component;
    expect(refit.blocks.map((x) => [x.name, x.weight, x.mapWeight, x.model.count])).toEqual([['a', 1, 0.5, 10], ['b', 0.25, 0.5, 10]]);
    const x = [Float32Array.from([3, -3]), Float32Array.from([1, 2, 3])];
    expect(scoreDensityComponent(refit, x).raw).toBeCloseTo(scoreDensityComponent(all, x).raw, 4);
    // More images, another fit: not the bank-only component's score.
    expect(Math.abs(scoreDensityComponent(refit, x).raw - scoreDensityComponent(bankOnly, x).raw)).toBeGreaterThan(0.01);
    expect(() => refitDensityComponent(bankOnly, [a.slice(6)], { folds: 2 })).toThrow(RangeError);
  });

  it('averages view vectors element-wise', () => {
    expect(Array.from(averageVectors([Float32Array.from([1, 2]), Float32Array.from([3, 6])]))).toEqual([2, 4]);
    expect(() => averageVectors([])).toThrow(RangeError);
  });

  it('takes ln(x + ε) of a block, finite where a channel is 0', () => {
    const out = logBlock(Float32Array.from([0, 1, Math.E - 1e-3]));
    expect(out[0]).toBeCloseTo(Math.log(1e-3), 5);
    expect(out[1]).toBeCloseTo(Math.log(1.001), 6);
    expect(out[2]).toBeCloseTo(1, 6);
  });
});

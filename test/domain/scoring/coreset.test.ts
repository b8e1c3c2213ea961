import { coresetSize, greedyCoreset, greedyKCentre, selectRows } from '../../../lambdas/domain/scoring/coreset.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

function gaussianCloud(n: number, dim: number, seed: number): Float32Array {
  const rng = createRandom(seed);
  const v = new Float32Array(n * dim);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  return v;
}

/** The textbook O(n·k) greedy k-center, to check the pruned version against. */
function naiveGreedy(points: Float32Array, d: number, size: number, start: number): number[] {
  const n = points.length / d;
  const minD = new Float64Array(n).fill(Infinity);
  const out: number[] = [];
  let pick = start;
  for (let t = 0; t < size; t++) {
    out.push(pick);
    let best = -1, bestD = -1;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (points[i * d + k] - points[pick * d + k]) ** 2;
      if (s < minD[i]) minD[i] = s;
      if (minD[i] > bestD) { bestD = minD[i]; best = i; }
    }
    pick = best;
  }
  return out;
}

function coverRadius(points: Float32Array, d: number, centres: ArrayLike<number>): number {
  const n = points.length / d;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let c = 0; c < centres.length; c++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (points[i * d + k] - points[centres[c] * d + k]) ** 2;
      if (s < best) best = s;
    }
    if (best > worst) worst = best;
  }
  return Math.sqrt(worst);
}

describe('greedyKCentre', () => {
  it('selects exactly what the textbook greedy selects', () => {
    const pts = gaussianCloud(3000, 8, 1);
    expect(Array.from(greedyKCentre(pts, 8, 60, 17))).toEqual(naiveGreedy(pts, 8, 60, 17));
  });

  it('stops early when only duplicates remain', () => {
    const pts = new Float32Array([0, 0, 1, 1, 0, 0, 1, 1]);
    expect(Array.from(greedyKCentre(pts, 2, 4, 0)).sort()).toEqual([0, 1]);
  });
});

describe('greedyCoreset', () => {
  it('keeps round(ratio·count) vectors, bounded by maxSize, all distinct', () => {
    const pts = gaussianCloud(5000, 16, 2);
    for (const ratio of [0.01, 0.1, 0.25]) {
      const idx = greedyCoreset(pts, 16, { ratio, seed: 1, centresPerPart: 64 });
      expect(idx.length).toBe(Math.round(ratio * 5000));
      expect(new Set(idx).size).toBe(idx.length);
    }
    expect(greedyCoreset(pts, 16, { ratio: 0.5, maxSize: 100, seed: 1 }).length).toBe(100);
    expect(coresetSize(10, { ratio: 0.001 })).toBe(1);
  });

  it('always keeps a far outlier, in one part or many', () => {
    const n = 4000, dim = 32;
    const pts = gaussianCloud(n, dim, 3);
    const far = 1234;
    for (let k = 0; k < dim; k++) pts[far * dim + k] += 40;
    for (const seed of [1, 2, 3]) {
      expect(greedyCoreset(pts, dim, { ratio: 0.01, seed })).toContain(far); // single part
      expect(greedyCoreset(pts, dim, { ratio: 0.05, seed, centresPerPart: 20 })).toContain(far); // 10 parts
    }
  });

  it('covers the data about as tightly as one global greedy pass when split into parts', () => {
    const pts = gaussianCloud(4000, 4, 5);
    const single = greedyCoreset(pts, 4, { ratio: 0.05, seed: 1, projectionDim: null, centresPerPart: 1000 });
    const parts = greedyCoreset(pts, 4, { ratio: 0.05, seed: 1, projectionDim: null, centresPerPart: 25 });
    const random = Array.from({ length: 200 }, (_, i) => i * 20);
    const rSingle = coverRadius(pts, 4, single);
    const rParts = coverRadius(pts, 4, parts);
    expect(rParts).toBeLessThan(2 * rSingle);
    expect(rParts).toBeLessThan(coverRadius(pts, 4, random)); // better than picking vectors blindly
  });

  it('gathers the chosen rows into a memory bank', () => {
    const pts = new Float32Array([0, 1, 2, 3, 4, 5]);
    expect(selectRows(pts, 2, Int32Array.from([2, 0]))).toEqual({ dim: 2, count: 2, vectors: new Float32Array([4, 5, 0, 1]) });
  });
});

import type { FeatureMap } from '../../../lambdas/domain/features/feature-map.js';
import type { NeighbourResult } from '../../../lambdas/ports/vector-index.js';
import { imageScore, patchScores, scoreMap } from '../../../lambdas/domain/scoring/anomaly-map.js';
import { buildCalibration, calibrate, verdictOf } from '../../../lambdas/domain/scoring/calibration.js';
import { greedyCoreset, selectRows } from '../../../lambdas/domain/scoring/coreset.js';
import { buildPatchGrid } from '../../../lambdas/domain/scoring/patch-grid.js';
import { findRegions } from '../../../lambdas/domain/regions/regions.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

/** Synthetic two-layer "backbone" output of a noisy normal texture, optionally with a bright defect block. */
function features(seed: number, defect?: { row: number; col: number }): FeatureMap[] {
  const rng = createRandom(seed);
  const make = (name: string, stride: number, channels: number, side: number, defectScale: number): FeatureMap => {
    const data = new Float32Array(channels * side * side);
    for (let c = 0; c < channels; c++) for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
      let v = Math.sin((x + c) * 0.9) * Math.cos((y - c) * 0.7) + 0.2 * rng.normal();
      if (defect && Math.abs(y * defectScale - defect.row) < 3 && Math.abs(x * defectScale - defect.col) < 3) v += 3;
      data[(c * side + y) * side + x] = v;
    }
    return { name, stride, channels, height: side, width: side, data };
  };
  return [make('mid', 8, 6, 16, 1), make('deep', 16, 8, 8, 2)];
}

/** Brute-force nearest neighbours (the real index is an adapter; this keeps the domain test self-contained). */
function nearest(bank: Float32Array, queries: Float32Array, dim: number, k: number): NeighbourResult {
  const q = queries.length / dim;
  const n = bank.length / dim;
  const distances = new Float32Array(q * k);
  const indices = new Int32Array(q * k);
  for (let i = 0; i < q; i++) {
    const all: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += (queries[i * dim + t] - bank[j * dim + t]) ** 2;
      all.push([Math.sqrt(s), j]);
    }
    all.sort((a, b) => a[0] - b[0]);
    for (let t = 0; t < k; t++) [distances[i * k + t], indices[i * k + t]] = all[t];
  }
  return { distances, indices };
}

test('a defect scores above held-out normals and its region covers the defect', () => {
  const config = { layers: ['mid', 'deep'], neighbourhood: 3, projectionDim: 8, seed: 5 };
  const size = 128; // image pixels (16 cells at stride 8)
  const bankGrids = [1, 2, 3, 4].map((s) => buildPatchGrid(features(s), config));
  const dim = bankGrids[0].dim;
  const all = new Float32Array(bankGrids.reduce((n, g) => n + g.data.length, 0));
  bankGrids.reduce((at, g) => (all.set(g.data, at), at + g.data.length), 0);
  const bank = selectRows(all, dim, greedyCoreset(all, dim, { ratio: 0.25, seed: 1 }));

  const score = (maps: FeatureMap[]) => {
    const grid = buildPatchGrid(maps, config);
    const patches = patchScores(nearest(bank.vectors, grid.data, dim, 1).distances, 1);
    return { image: imageScore(patches), map: scoreMap(patches, grid.rows, grid.cols, size, size) };
  };
  const held = [11, 12, 13].map((s) => score(features(s)));
  const { calibration } = buildCalibration({ imageScores: held.map((h) => h.image), scoreMaps: held.map((h) => h.map), noveltyScores: [] });
  const thresholds = { suspect: calibration.suspect, anomalous: calibration.anomalous };

  const normal = score(features(21));
  const defective = score(features(22, { row: 8, col: 4 }));
  expect(defective.image).toBeGreaterThan(calibration.anomalous);
  expect(verdictOf(calibrate(defective.image, thresholds))).toBe('anomalous');
  expect(calibrate(normal.image, thresholds)).toBeLessThan(calibrate(defective.image, thresholds));

  const { regions } = findRegions(defective.map, { threshold: calibration.pixelThreshold });
  expect(regions.length).toBeGreaterThan(0);
  const top = regions[0];
  // the defect spans cells 6..10 (rows) and 2..6 (cols), i.e. pixels ~48..88 and ~16..56
  expect(top.centroid.y).toBeGreaterThan(48);
  expect(top.centroid.y).toBeLessThan(88);
  expect(top.centroid.x).toBeGreaterThan(16);
  expect(top.centroid.x).toBeLessThan(56);
});

import { DEFAULT_IMAGE_SCORE_TOP_FRACTION, DEFAULT_SMOOTHING_SIGMA } from '../profile/settings.js';
import { bilinearTaps } from './patch-grid.js';

/** A single-channel float raster of anomaly scores (same layout as GreyImage). */
export interface ScoreMap {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/**
 * Per-patch anomaly scores from a k-NN search: the mean distance to the `k` nearest memory-bank patches
 * (PatchCore: k = 1). `distances` holds each query's nearest distances, ascending, `searchK` of them (the k the
 * index was queried with).
 */
export function patchScores(distances: Float32Array, searchK: number, k = 1): Float32Array {
  if (k < 1 || k > searchK) throw new RangeError(`k must be within 1..${searchK}, got ${k}`);
  const queries = distances.length / searchK;
  const out = new Float32Array(queries);
  for (let q = 0; q < queries; q++) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += distances[q * searchK + j];
    out[q] = sum / k;
  }
  return out;
}

/**
 * The image score: the mean of the highest `topFraction` of patch scores (at least one patch).
 * Why not PatchCore's plain max: a 1024² image has ~16k patches and the max of that many normal patches grows with
 * image size and is set by a single noisy patch, which makes thresholds from small calibration images drift.
 * Averaging the top 0.1 % damps single-patch noise while a defect covering that much of the image (a 32×32 px spot
 * in a 1024² image) still counts fully; on small grids (under 1,000 patches) it is exactly the max.
 */
export function imageScore(scores: Float32Array, topFraction = DEFAULT_IMAGE_SCORE_TOP_FRACTION): number {
  if (scores.length === 0) throw new RangeError('no patch scores');
  const n = Math.max(1, Math.min(scores.length, Math.round(scores.length * topFraction)));
  if (n === 1) {
    let max = -Infinity;
    for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
    return max;
  }
  const sorted = Float32Array.from(scores).sort();
  let sum = 0;
  for (let i = sorted.length - n; i < sorted.length; i++) sum += sorted[i];
  return sum / n;
}

/**
 * The anomaly heatmap at image resolution: patch scores on the `rows`×`cols` grid, bilinearly upsampled
 * (pixel-centre aligned, so the grid may cover the image at any stride), then Gaussian smoothed (σ in pixels;
 * 0 disables).
 */
export function scoreMap(
  scores: Float32Array, rows: number, cols: number, width: number, height: number, sigma = DEFAULT_SMOOTHING_SIGMA,
): ScoreMap {
  if (scores.length !== rows * cols) throw new RangeError(`expected ${rows * cols} patch scores, got ${scores.length}`);
  const ty = bilinearTaps(rows, height);
  const tx = bilinearTaps(cols, width);
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const r0 = ty.lo[y] * cols;
    const r1 = ty.hi[y] * cols;
    const fy = ty.frac[y];
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const x0 = tx.lo[x];
      const x1 = tx.hi[x];
      const fx = tx.frac[x];
      const top = scores[r0 + x0] + (scores[r0 + x1] - scores[r0 + x0]) * fx;
      const bottom = scores[r1 + x0] + (scores[r1 + x1] - scores[r1 + x0]) * fx;
      data[o + x] = top + (bottom - top) * fy;
    }
  }
  if (sigma > 0) gaussianBlurInPlace(data, width, height, sigma);
  return { width, height, data };
}

/** Separable Gaussian blur (radius 3σ, edges replicated) of a row-major float raster. */
export function gaussianBlurInPlace(data: Float32Array, width: number, height: number, sigma: number): void {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) total += kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] /= total;
  const line = new Float32Array(width + 2 * radius);
  // Rows.
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let i = 0; i < width + 2 * radius; i++) line[i] = data[o + Math.min(width - 1, Math.max(0, i - radius))];
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < kernel.length; k++) sum += kernel[k] * line[x + k];
      data[o + x] = sum;
    }
  }
  // Columns, a whole row at a time so memory is read in order.
  const source = Float32Array.from(data);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    data.fill(0, o, o + width);
    for (let k = 0; k < kernel.length; k++) {
      const src = Math.min(height - 1, Math.max(0, y + k - radius)) * width;
      const weight = kernel[k];
      for (let x = 0; x < width; x++) data[o + x] += weight * source[src + x];
    }
  }
}

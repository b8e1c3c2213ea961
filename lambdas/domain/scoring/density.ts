/**
 * Image-level density scoring: per-channel statistics pooled over a feature map, a Gaussian over those pooled
 * vectors with Ledoit-Wolf shrinkage, and the squared Mahalanobis distance of a new image to it.
 *
 * Why: local patch search misses defects that change the whole image a little (uneven brightness, texture that is
 * slightly off everywhere) and cannot weigh how unusual a combination of otherwise normal patches is; a density over
 * pooled statistics (DifferNet, "Gaussian AD") captures both at a cost of one matrix product per image.
 *
 * With n enrolled images and d pooled dimensions (d ≫ n: 200 images, 96…2560 dimensions) the covariance is stored
 * in its dual form: the centred samples Z (n × d) and the Cholesky factor of the n × n matrix (b/a)·I + Z·Zᵀ, so the
 * shrunk covariance a·ZᵀZ + b·I is never formed and a distance costs O(n·d).
 */
import { cholesky, choleskySolve, solveLower } from '../decision/linalg.js';

/** Per-channel mean and standard deviation over the cells of a CHW map inside a cell rectangle (default: all). */
export function pooledStatistics(
  map: { readonly channels: number; readonly height: number; readonly width: number; readonly data: Float32Array },
  region: { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number } = { x0: 0, y0: 0, x1: map.width, y1: map.height },
): { mean: Float32Array; std: Float32Array } {
  const { channels, height, width, data } = map;
  const x0 = Math.max(0, region.x0), y0 = Math.max(0, region.y0);
  const x1 = Math.min(width, region.x1), y1 = Math.min(height, region.y1);
  const count = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  if (count === 0) throw new RangeError('pooling region holds no cell');
  const mean = new Float32Array(channels);
  const std = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let sq = 0;
    for (let y = y0; y < y1; y++) {
      const row = (c * height + y) * width;
      for (let x = x0; x < x1; x++) {
        const v = data[row + x]!;
        sum += v;
        sq += v * v;
      }
    }
    const m = sum / count;
    mean[c] = m;
    std[c] = Math.sqrt(Math.max(0, sq / count - m * m));
  }
  return { mean, std };
}

/** A Gaussian fitted with Ledoit-Wolf shrinkage, kept in dual form (see the module comment). */
export interface GaussianDensity {
  readonly dim: number;
  readonly count: number;
  readonly mean: Float32Array;
  /** Centred samples, count × dim, row-major. */
  readonly centred: Float32Array;
  /** Lower Cholesky factor (count × count, row-major) of (b/a)·I + Z·Zᵀ. */
  readonly cholesky: Float64Array;
  /** Covariance = a·ZᵀZ + b·I with a = (1 − shrinkage)/count and b = shrinkage·μ (μ = trace/dim). */
  readonly a: number;
  readonly b: number;
  readonly shrinkage: number;
}

/**
 * Ledoit-Wolf shrinkage intensity for centred samples (as scikit-learn's `ledoit_wolf_shrinkage`): the weight δ of
 * μ·I in (1 − δ)·S + δ·μ·I that minimises the expected Frobenius error, S = ZᵀZ/n, μ = tr(S)/d. Computed from the
 * n × n Gram matrix G = Z·Zᵀ: ‖S‖²_F = ‖G‖²_F / n², tr(S) = tr(G)/n, Σ_k‖z_k‖⁴ = Σ_k G_kk².
 */
export function ledoitWolfShrinkage(gram: Float64Array, n: number, dim: number): number {
  let trace = 0;
  let frob = 0;
  let fourth = 0;
  for (let i = 0; i < n; i++) {
    const gii = gram[i * n + i]!;
    trace += gii;
    fourth += gii * gii;
    for (let j = 0; j < n; j++) frob += gram[i * n + j]! ** 2;
  }
  const mu = trace / n / dim;
  const deltaRaw = frob / (n * n); // ‖S‖²_F
  let beta = (fourth / n - deltaRaw) / (dim * n);
  // ‖S − μI‖²_F / d
  const delta = (deltaRaw - 2 * mu * (trace / n) + dim * mu * mu) / dim;
  beta = Math.min(beta, delta);
  return beta === 0 || delta === 0 ? 0 : beta / delta;
}

/** Fits a shrunk Gaussian to `count` rows of `dim` values. `shrinkage` overrides Ledoit-Wolf's δ (0 < δ ≤ 1). */
export function fitGaussian(samples: Float32Array, count: number, dim: number, options: { shrinkage?: number } = {}): GaussianDensity {
  if (samples.length !== count * dim) throw new RangeError(`expected ${count * dim} values, got ${samples.length}`);
  if (count < 2) throw new RangeError('a Gaussian needs at least two samples');
  const mean = new Float32Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += samples[i * dim + j]! / count;
  const centred = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) centred[i * dim + j] = samples[i * dim + j]! - mean[j]!;
  const gram = gramOf(centred, count, dim);
  let trace = 0;
  for (let i = 0; i < count; i++) trace += gram[i * count + i]!;
  const mu = trace / count / dim;
  const lw = options.shrinkage ?? ledoitWolfShrinkage(gram, count, dim);
  // A floor keeps the covariance invertible when d > n and LW returns (near) 0; at the floor it is almost S.
  const shrinkage = Math.min(1, Math.max(lw, 1e-6));
  const scale = mu > 0 ? mu : 1;
  const a = (1 - shrinkage) / count;
  const b = shrinkage * scale;
  return { dim, count, mean, centred, cholesky: dualFactor(gram, count, a, b), a, b, shrinkage };
}

/** A stored Gaussian back in use: the Cholesky factor is recomputed from the centred samples (not stored). */
export function restoreGaussian(stored: Omit<GaussianDensity, 'cholesky'>): GaussianDensity {
  const { dim, count, mean, centred, a, b } = stored;
  if (mean.length !== dim || centred.length !== count * dim) throw new RangeError('stored Gaussian arrays do not match its sizes');
  return { ...stored, cholesky: dualFactor(gramOf(centred, count, dim), count, a, b) };
}

/** G = Z·Zᵀ of count rows of dim values. */
function gramOf(centred: Float32Array, count: number, dim: number): Float64Array {
  const gram = new Float64Array(count * count);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k <= i; k++) {
      let s = 0;
      const oi = i * dim;
      const ok = k * dim;
      for (let j = 0; j < dim; j++) s += centred[oi + j]! * centred[ok + j]!;
      gram[i * count + k] = s;
      gram[k * count + i] = s;
    }
  }
  return gram;
}

/** Cholesky factor of (b/a)·I + G (empty when a = 0: full shrinkage needs no factor). */
function dualFactor(gram: Float64Array, count: number, a: number, b: number): Float64Array {
  if (!(a > 0)) return new Float64Array(0);
  const m = Float64Array.from(gram);
  for (let i = 0; i < count; i++) m[i * count + i] += b / a;
  return factor(m, count);
}

/**
 * Squared Mahalanobis distance (x − m)ᵀ(a·ZᵀZ + b·I)⁻¹(x − m) by Woodbury:
 * (1/b)·(‖x − m‖² − yᵀ((b/a)·I + Z·Zᵀ)⁻¹y) with y = Z(x − m).
 */
export function mahalanobis(model: GaussianDensity, x: Float32Array): number {
  const { dim, count, mean, centred, cholesky: l, a, b } = model;
  if (x.length !== dim) throw new RangeError(`expected ${dim} values, got ${x.length}`);
  const v = new Float64Array(dim);
  let norm = 0;
  for (let j = 0; j < dim; j++) {
    v[j] = x[j]! - mean[j]!;
    norm += v[j]! * v[j]!;
  }
  if (!(a > 0)) return norm / b;
  // yᵀM⁻¹y = ‖L⁻¹y‖² with M = LLᵀ.
  const w = solveLower(l, count, samplesTimes(centred, count, dim, v));
  let quad = 0;
  for (let i = 0; i < count; i++) quad += w[i]! * w[i]!;
  return Math.max(0, norm - quad) / b;
}

/** (a·ZᵀZ + b·I)⁻¹·v by Woodbury, as `mahalanobis` reads it: (1/b)·(v − Zᵀ((b/a)·I + Z·Zᵀ)⁻¹Z·v). */
export function precisionTimes(model: GaussianDensity, v: ArrayLike<number>): Float64Array {
  const { dim, count, centred, cholesky: l, a, b } = model;
  if (v.length !== dim) throw new RangeError(`expected ${dim} values, got ${v.length}`);
  const out = Float64Array.from(v);
  if (a > 0) {
    const u = choleskySolve(l, count, samplesTimes(centred, count, dim, out));
    for (let i = 0; i < count; i++) {
      const o = i * dim;
      for (let j = 0; j < dim; j++) out[j] -= centred[o + j]! * u[i]!;
    }
  }
  for (let j = 0; j < dim; j++) out[j] /= b;
  return out;
}

/** Z·v: each centred sample's dot product with v. */
function samplesTimes(centred: Float32Array, count: number, dim: number, v: Float64Array): Float64Array {
  const y = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    const o = i * dim;
    for (let j = 0; j < dim; j++) s += centred[o + j]! * v[j]!;
    y[i] = s;
  }
  return y;
}

function factor(m: Float64Array, n: number): Float64Array {
  const l = cholesky(m, n);
  if (!l) throw new RangeError('the shrunk covariance is not positive definite');
  return l;
}

/** Location and scale of a component's scores on normal images, to standardise it (z = (s − location)/scale). */
export interface Standardiser {
  readonly location: number;
  readonly scale: number;
}

/** Mean and standard deviation (floored at 1e-9 and 1 % of |mean|) of normal scores. */
export function standardiserOf(normalScores: readonly number[]): Standardiser {
  const n = normalScores.length;
  if (n === 0) throw new RangeError('no normal scores');
  const location = normalScores.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(normalScores.reduce((s, v) => s + (v - location) ** 2, 0) / (n - 1)) : 0;
  return { location, scale: Math.max(sd, 0.01 * Math.abs(location), 1e-9) };
}

export function standardise(score: number, s: Standardiser): number {
  return (score - s.location) / s.scale;
}

/** Row indices of fold `fold` of `k` interleaved folds over n rows (i ≡ fold mod k), and the rest. */
export function foldIndices(n: number, k: number, fold: number): { held: number[]; kept: number[] } {
  const held: number[] = [];
  const kept: number[] = [];
  for (let i = 0; i < n; i++) (i % k === fold ? held : kept).push(i);
  return { held, kept };
}

/**
 * The density component of a profile: one shrunk Gaussian per pooled block (e.g. the embedding layer's channel
 * means, and its channel standard deviations), each distance standardised by the out-of-fold distances of the
 * enrolled images, and the component's raw score = the sum of those z-scores (each block's share is reportable).
 */
export interface DensityComponent {
  /**
   * `weight` scales the block's z in the sum (default 1; enrolment gives each scored block 1 / their number);
   * `mapWeight` its share in the density map (domain/scoring/density-map.ts). A block of a map-only layer has weight
   * 0 (the score never reads it) and a map weight.
   */
  readonly blocks: readonly DensityBlock[];
}

export interface DensityBlock {
  readonly name: string;
  readonly model: GaussianDensity;
  readonly standardiser: Standardiser;
  readonly weight: number;
  readonly mapWeight: number;
}

/**
 * Fits the component on `samples[b][i]` = block b's pooled vector of enrolled image i. The out-of-fold totals of
 * the enrolled images (k folds) come back too: with the calibration images they are the normal reference for a
 * cross-conformal threshold (a model fitted on fewer images scores its held-out images a little higher, so the
 * threshold errs on the side of fewer false alarms).
 */
export function fitDensityComponent(
  samples: readonly (readonly Float32Array[])[],
  names: readonly string[],
  options: { folds?: number; shrinkage?: number; weights?: readonly number[]; mapWeights?: readonly number[] } = {},
): { component: DensityComponent; outOfFold: Float64Array } {
  const folds = options.folds ?? 5;
  const n = samples[0]?.length ?? 0;
  if (samples.length === 0 || samples.length !== names.length) throw new RangeError('one name per block');
  if (n < 2 * folds) throw new RangeError(`the density component needs at least ${2 * folds} images`);
  if (options.weights && options.weights.length !== samples.length) throw new RangeError('one weight per block');
  if (options.mapWeights && options.mapWeights.length !== samples.length) throw new RangeError('one map weight per block');
  const outOfFold = new Float64Array(n);
  const blocks = samples.map((rows, b) => {
    if (rows.length !== n) throw new RangeError('every block needs one vector per image');
    const dim = rows[0]!.length;
    const stack = (idx: readonly number[]) => {
      const out = new Float32Array(idx.length * dim);
      idx.forEach((i, r) => out.set(rows[i]!, r * dim));
      return out;
    };
    const all = [...Array(n).keys()];
    const model = fitGaussian(stack(all), n, dim, { shrinkage: options.shrinkage });
    const held: { image: number; distance: number }[] = [];
    for (let f = 0; f < folds; f++) {
      const { held: h, kept } = foldIndices(n, folds, f);
      const m = fitGaussian(stack(kept), kept.length, dim, { shrinkage: options.shrinkage });
      for (const i of h) held.push({ image: i, distance: mahalanobis(m, rows[i]!) });
    }
    const standardiser = standardiserOf(held.map((x) => x.distance));
    const weight = options.weights?.[b] ?? 1;
    for (const x of held) outOfFold[x.image] += weight * standardise(x.distance, standardiser);
    return { name: names[b]!, model, standardiser, weight, mapWeight: options.mapWeights?.[b] ?? weight };
  });
  return { component: { blocks }, outOfFold };
}

/**
 * The component fitted again on the images it was fitted on and `extra[b][i]` = block b's pooled vector of extra
 * image i (same blocks, names, weights and folds): the Gaussians' own samples are their centred rows plus their mean.
 */
export function refitDensityComponent(component: DensityComponent, extra: readonly (readonly Float32Array[])[], options: { folds: number }): DensityComponent {
  const { blocks } = component;
  if (extra.length !== blocks.length) throw new RangeError(`expected ${blocks.length} blocks of extra samples, got ${extra.length}`);
  const samples = blocks.map(({ model: { count, dim, mean, centred } }, b) => {
    const rows = Array.from({ length: count }, (_, i) => {
      const row = centred.slice(i * dim, (i + 1) * dim);
      for (let j = 0; j < dim; j++) row[j] += mean[j]!;
      return row;
    });
    return [...rows, ...extra[b]!];
  });
  return fitDensityComponent(samples, blocks.map((b) => b.name), {
    folds: options.folds, weights: blocks.map((b) => b.weight), mapWeights: blocks.map((b) => b.mapWeight),
  }).component;
}

/**
 * The component's raw score (weighted sum of the blocks' z-scores) and each scored block's z and weight, for one
 * image's pooled blocks (each block's contribution to the raw score is weight × z).
 */
export function scoreDensityComponent(component: DensityComponent, pooled: readonly Float32Array[]): { raw: number; parts: { name: string; z: number; weight: number }[] } {
  if (pooled.length !== component.blocks.length) throw new RangeError(`expected ${component.blocks.length} pooled blocks, got ${pooled.length}`);
  // Blocks of map-only layers (weight 0) are not part of the score.
  const parts = component.blocks.flatMap((b, i) => (b.weight === 0 ? [] : [{ name: b.name, z: standardise(mahalanobis(b.model, pooled[i]!), b.standardiser), weight: b.weight }]));
  return { raw: parts.reduce((s, p) => s + p.weight * p.z, 0), parts };
}

/** ε of the log blocks: ln(x + ε) keeps channels that are 0 in every cell finite (1e-4 scored the same, 1e-2 worse). */
export const LOG_BLOCK_EPSILON = 1e-3;

/** ln(x + ε) element-wise: a pooled block's log block (channel statistics are non-negative and right-skewed). */
export function logBlock(v: Float32Array, epsilon = LOG_BLOCK_EPSILON): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Math.log(v[i]! + epsilon);
  return out;
}

/** Element-wise mean of equally long vectors (feature-space test-time augmentation: one pooled vector per view). */
export function averageVectors(vectors: readonly Float32Array[]): Float32Array {
  if (vectors.length === 0) throw new RangeError('nothing to average');
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) {
    if (v.length !== out.length) throw new RangeError('vectors differ in length');
    for (let i = 0; i < out.length; i++) out[i] += v[i]! / vectors.length;
  }
  return out;
}

import type { Random } from '../synth/random.js';
import { choleskyWithJitter, choleskySolve, dot, solveLower } from './linalg.js';
import { nelderMead } from './nelder-mead.js';

// Bound once: hot loops then skip a global lookup per call (slow inside jest's vm realm, free elsewhere).
const { exp, log, max, min, sqrt } = Math;

/**
 * Gaussian-process regression with a Matérn 5/2 ARD kernel plus Gaussian noise:
 *   k(x, x') = σ² (1 + √5 r + 5r²/3) exp(−√5 r),  r² = Σ_d (x_d − x'_d)²/ℓ_d²,  K = k(X, X) + σₙ² I.
 * Matérn 5/2 (twice differentiable, not infinitely smooth like the squared exponential) is the usual choice for
 * optimising physical processes; one length-scale per input (ARD) lets irrelevant inputs be ignored.
 * Posterior: mean k*ᵀ K⁻¹ y, latent variance k(x, x) − k*ᵀ K⁻¹ k* (noise excluded: it is the function we model),
 * through K = L Lᵀ. Log marginal likelihood: −½ yᵀ K⁻¹ y − Σ ln Lᵢᵢ − (n/2) ln 2π.
 */
export interface GpHyperparameters {
  readonly lengthScales: readonly number[];
  readonly signalVariance: number;
  readonly noiseVariance: number;
}

export interface GpOptions {
  /**
   * Standardise the targets (subtract their mean, divide by their standard deviation) before fitting, and undo it
   * in predictions. Hyperparameters and the log marginal likelihood are then on the standardised scale. Off by
   * default (zero prior mean on the raw targets).
   */
  readonly normalize?: boolean;
}

const SQRT5 = sqrt(5);

/** Matérn 5/2 of a squared scaled distance r². */
function matern52OfR2(r2: number, signalVariance: number): number {
  const r = sqrt(r2);
  return signalVariance * (1 + SQRT5 * r + (5 / 3) * r2) * exp(-SQRT5 * r);
}

/** The Matérn 5/2 ARD kernel between two points. */
export function matern52(
  a: ArrayLike<number>, b: ArrayLike<number>, lengthScales: readonly number[], signalVariance: number,
): number {
  let r2 = 0;
  for (let d = 0; d < lengthScales.length; d++) {
    const t = (a[d] - b[d]) / lengthScales[d];
    r2 += t * t;
  }
  return matern52OfR2(r2, signalVariance);
}

function checkData(xs: readonly ArrayLike<number>[], ys: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('a GP needs at least one training point');
  if (xs.length !== ys.length) throw new RangeError(`${xs.length} inputs but ${ys.length} targets`);
  const d = xs[0].length;
  for (const x of xs) {
    if (x.length !== d) throw new RangeError('all GP inputs must have the same dimension');
    for (let i = 0; i < d; i++) if (!Number.isFinite(x[i])) throw new RangeError('GP inputs must be finite');
  }
  for (const y of ys) if (!Number.isFinite(y)) throw new RangeError('GP targets must be finite');
  return d;
}

function checkHyper(h: GpHyperparameters, d: number): void {
  if (h.lengthScales.length !== d) throw new RangeError(`expected ${d} length-scales, got ${h.lengthScales.length}`);
  if (!h.lengthScales.every((l) => l > 0 && Number.isFinite(l)) || !(h.signalVariance > 0) || !(h.noiseVariance >= 0)) {
    throw new RangeError('GP hyperparameters must be positive (noise may be 0)');
  }
}

function standardisation(ys: readonly number[], normalize: boolean): { mean: number; scale: number } {
  if (!normalize) return { mean: 0, scale: 1 };
  const mean = ys.reduce((s, y) => s + y, 0) / ys.length;
  const variance = ys.reduce((s, y) => s + (y - mean) ** 2, 0) / ys.length;
  // A constant target has no spread to divide by; keep its scale.
  return { mean, scale: variance > 1e-24 ? sqrt(variance) : 1 };
}

/** Per-dimension squared differences of every training pair, so refits with new length-scales are cheap. */
function pairwiseSquares(xs: readonly ArrayLike<number>[], d: number): Float64Array[] {
  const n = xs.length;
  return Array.from({ length: d }, (_, k) => {
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const t = (xs[i][k] - xs[j][k]) ** 2;
        m[i * n + j] = t;
        m[j * n + i] = t;
      }
    }
    return m;
  });
}

function kernelMatrix(squares: readonly Float64Array[], n: number, h: GpHyperparameters): Float64Array {
  const k = new Float64Array(n * n);
  const inv = h.lengthScales.map((l) => 1 / (l * l));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let r2 = 0;
      for (let d = 0; d < inv.length; d++) r2 += squares[d][i * n + j] * inv[d];
      const v = matern52OfR2(r2, h.signalVariance);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
    k[i * n + i] += h.noiseVariance;
  }
  return k;
}

interface Factorised {
  readonly l: Float64Array;
  readonly alpha: Float64Array;
  readonly logMarginalLikelihood: number;
}

function factorise(squares: readonly Float64Array[], targets: Float64Array, h: GpHyperparameters): Factorised {
  const n = targets.length;
  const { l } = choleskyWithJitter(kernelMatrix(squares, n, h), n);
  const alpha = choleskySolve(l, n, targets);
  let logDiag = 0;
  for (let i = 0; i < n; i++) logDiag += log(l[i * n + i]);
  const logMarginalLikelihood = -0.5 * dot(targets, alpha) - logDiag - 0.5 * n * log(2 * Math.PI);
  return { l, alpha, logMarginalLikelihood };
}

export interface GpPrediction {
  readonly mean: number;
  /** Variance of the latent function (observation noise excluded), ≥ 0. */
  readonly variance: number;
}

export interface GpModel {
  readonly dimension: number;
  readonly n: number;
  readonly hyper: GpHyperparameters;
  /** On the standardised targets when fitted with normalize. */
  readonly logMarginalLikelihood: number;
  predict(x: ArrayLike<number>): GpPrediction;
}

/** Conditions the GP on (xs, ys) with fixed hyperparameters. */
export function fitGp(
  xs: readonly ArrayLike<number>[], ys: readonly number[], hyper: GpHyperparameters, options: GpOptions = {},
): GpModel {
  const d = checkData(xs, ys);
  checkHyper(hyper, d);
  const n = xs.length;
  const { mean, scale } = standardisation(ys, options.normalize ?? false);
  const targets = Float64Array.from(ys, (y) => (y - mean) / scale);
  const { l, alpha, logMarginalLikelihood } = factorise(pairwiseSquares(xs, d), targets, hyper);
  const train = xs.map((x) => Float64Array.from(x));
  const kStar = new Float64Array(n);
  return {
    dimension: d,
    n,
    hyper,
    logMarginalLikelihood,
    predict(x) {
      if (x.length !== d) throw new RangeError(`expected a ${d}-dimensional point`);
      for (let i = 0; i < n; i++) kStar[i] = matern52(x, train[i], hyper.lengthScales, hyper.signalVariance);
      const v = solveLower(l, n, kStar);
      const latent = max(0, hyper.signalVariance - dot(v, v));
      return { mean: mean + scale * dot(kStar, alpha), variance: scale * scale * latent };
    },
  };
}

/** Log marginal likelihood of (xs, ys) under fixed hyperparameters (−∞ if K cannot be factorised). */
export function logMarginalLikelihood(
  xs: readonly ArrayLike<number>[], ys: readonly number[], hyper: GpHyperparameters, options: GpOptions = {},
): number {
  return fitGp(xs, ys, hyper, options).logMarginalLikelihood;
}

export interface HyperparameterBounds {
  readonly lengthScale: readonly [number, number];
  readonly signalVariance: readonly [number, number];
  readonly noiseVariance: readonly [number, number];
}

export interface HyperparameterSearch extends GpOptions {
  /** Random restarts come from this generator (the first start is always the default guess). */
  readonly random: Random;
  /** Nelder-Mead runs (default 3). */
  readonly starts?: number;
  /** Evaluations per run (default 40 × number of hyperparameters). */
  readonly maxEvaluations?: number;
  /** Bounds; defaults are relative to the data (see defaultBounds). */
  readonly bounds?: HyperparameterBounds;
  /** A first start to try instead of the default guess (e.g. the previous fit). */
  readonly initial?: GpHyperparameters;
}

/**
 * Data-relative default bounds: length-scales from 1 % to 20× the largest input range (1 when all inputs are
 * constant; inputs are expected on comparable scales, e.g. the optimiser's unit cube), signal variance
 * from 1 % to 100× the target variance (1 when standardised or constant), noise from 1e-8 to 1× that variance.
 * Bounds stop the classic failure modes of maximum likelihood with few points (length-scales collapsing onto the
 * data, or everything explained as noise).
 */
export function defaultBounds(xs: readonly ArrayLike<number>[], ys: readonly number[], options: GpOptions = {}): HyperparameterBounds {
  const d = xs[0].length;
  let range = 0;
  for (let k = 0; k < d; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of xs) {
      lo = min(lo, x[k]);
      hi = max(hi, x[k]);
    }
    range = max(range, hi - lo);
  }
  if (!(range > 0)) range = 1;
  const mean = ys.reduce((s, y) => s + y, 0) / ys.length;
  const rawVariance = ys.reduce((s, y) => s + (y - mean) ** 2, 0) / ys.length;
  const v = options.normalize || !(rawVariance > 1e-24) ? 1 : rawVariance;
  return { lengthScale: [0.01 * range, 20 * range], signalVariance: [0.01 * v, 100 * v], noiseVariance: [1e-8 * v, v] };
}

/** θ = (ln ℓ₁..ℓ_d, ln σ², ln σₙ²) ↔ hyperparameters. */
function toTheta(h: GpHyperparameters): Float64Array {
  return Float64Array.from([...h.lengthScales.map(Math.log), log(h.signalVariance), log(h.noiseVariance)]);
}

function fromTheta(theta: ArrayLike<number>, d: number): GpHyperparameters {
  return {
    lengthScales: Array.from({ length: d }, (_, k) => exp(theta[k])),
    signalVariance: exp(theta[d]),
    noiseVariance: exp(theta[d + 1]),
  };
}

export interface FittedHyperparameters {
  readonly hyper: GpHyperparameters;
  readonly logMarginalLikelihood: number;
}

/**
 * Maximum-likelihood hyperparameters: multi-start Nelder-Mead on the log parameters, clamped to the bounds (a
 * log-space box makes the problem scale-free and keeps every value positive). Deterministic given the generator.
 */
export function optimizeHyperparameters(
  xs: readonly ArrayLike<number>[], ys: readonly number[], search: HyperparameterSearch,
): FittedHyperparameters {
  const d = checkData(xs, ys);
  const bounds = search.bounds ?? defaultBounds(xs, ys, search);
  const { mean, scale } = standardisation(ys, search.normalize ?? false);
  const targets = Float64Array.from(ys, (y) => (y - mean) / scale);
  const squares = pairwiseSquares(xs, d);
  const lo = Float64Array.from([
    ...new Array<number>(d).fill(log(bounds.lengthScale[0])), log(bounds.signalVariance[0]), log(bounds.noiseVariance[0]),
  ]);
  const hi = Float64Array.from([
    ...new Array<number>(d).fill(log(bounds.lengthScale[1])), log(bounds.signalVariance[1]), log(bounds.noiseVariance[1]),
  ]);
  const project = (t: Float64Array): Float64Array => t.map((v, i) => min(hi[i], max(lo[i], v)));
  const negLml = (t: Float64Array): number => {
    try {
      return -factorise(squares, targets, fromTheta(t, d)).logMarginalLikelihood;
    } catch {
      return Infinity;
    }
  };
  // Default guess, in the log box: length-scales 45 % of the way up (about a third of the input range with the
  // default bounds), signal variance mid-box (the target variance), noise a quarter up (1e-6 of it): smooth, not flat.
  const guess = search.initial ? project(toTheta(search.initial)) : Float64Array.from(lo, (l, i) => (
    i < d ? l + 0.45 * (hi[i] - l) : i === d ? 0.5 * (l + hi[i]) : l + 0.25 * (hi[i] - l)
  ));
  const starts = max(1, search.starts ?? 3);
  const maxEvaluations = search.maxEvaluations ?? 40 * (d + 2);
  let best = { x: guess, value: negLml(guess) };
  for (let s = 0; s < starts; s++) {
    const x0 = s === 0 ? guess : Float64Array.from(lo, (l, i) => l + search.random.next() * (hi[i] - l));
    const run = nelderMead(negLml, x0, { maxEvaluations, project, step: 0.5, xTolerance: 1e-3, fTolerance: 1e-6 });
    if (run.value < best.value) best = { x: run.x, value: run.value };
  }
  return { hyper: fromTheta(best.x, d), logMarginalLikelihood: -best.value };
}

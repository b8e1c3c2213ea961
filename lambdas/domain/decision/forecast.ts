import { createRandom } from '../synth/random.js';
import { inverseSpd } from './linalg.js';
import { studentTQuantile } from './special.js';

/**
 * Ridge regression for small tabular problems (e.g. a batch's capacity fade from its microstructure metrics):
 * features standardised (mean 0, population sd 1; constant features contribute nothing), an unpenalised intercept
 * (the target mean), and the closed form β = (ZᵀZ + λI)⁻¹ Zᵀ(y − ȳ). λ is chosen by exact leave-one-out CV.
 *
 * Prediction interval (documented approximation): ŷ ± t_{ν, 1−δ/2} · s · √(1 + h(x)), with
 *   h(x) = 1/n + zᵀ A⁻¹ ZᵀZ A⁻¹ z  (A = ZᵀZ + λI: the variance of the fitted value over σ², like leverage in OLS),
 *   ν = n − tr(H), H = 11ᵀ/n + Z A⁻¹ Zᵀ (effective residual degrees of freedom), s² = RSS/ν.
 * It ignores ridge's shrinkage bias, so it can be a little narrow when λ is large; λ chosen by CV is normally
 * small next to n, and the coverage test checks the intervals are near nominal on a known model. For λ = 0 it is
 * the textbook OLS prediction interval.
 */
export type Matrix = readonly (readonly number[])[];

export interface RidgePrediction {
  readonly mean: number;
  readonly lower: number;
  readonly upper: number;
  /** Standard error of a new observation: s·√(1 + h(x)). */
  readonly se: number;
  readonly confidence: number;
}

export interface RidgeModel {
  readonly n: number;
  readonly features: number;
  readonly lambda: number;
  readonly featureMeans: readonly number[];
  readonly featureScales: readonly number[];
  /** Coefficients on the original feature scale (so y ≈ intercept + Σ coefficientsᵢ xᵢ). */
  readonly coefficients: readonly number[];
  readonly intercept: number;
  /** tr(H). */
  readonly effectiveDf: number;
  /** ν = n − tr(H). */
  readonly residualDf: number;
  /** s² = RSS/ν. */
  readonly residualVariance: number;
  predict(x: readonly number[]): number;
  predictInterval(x: readonly number[], confidence?: number): RidgePrediction;
}

function checkXy(x: Matrix, y: readonly number[]): number {
  if (x.length === 0) throw new RangeError('regression needs at least one row');
  if (x.length !== y.length) throw new RangeError(`${x.length} rows but ${y.length} targets`);
  const p = x[0].length;
  for (const row of x) {
    if (row.length !== p) throw new RangeError('every row needs the same number of features');
    if (!row.every(Number.isFinite)) throw new RangeError('features must be finite');
  }
  if (!y.every(Number.isFinite)) throw new RangeError('targets must be finite');
  return p;
}

interface Core {
  readonly means: number[];
  readonly scales: number[];
  /** Standardised rows. */
  readonly z: number[][];
  readonly yMean: number;
  readonly beta: number[];
  /** A⁻¹ (p×p, row-major). */
  readonly aInv: Float64Array;
  /** ZᵀZ. */
  readonly gram: Float64Array;
  /** Training leverages H_ii. */
  readonly leverage: number[];
  readonly residuals: number[];
  readonly traceH: number;
}

function core(x: Matrix, y: readonly number[], lambda: number): Core {
  const p = checkXy(x, y);
  if (!(lambda >= 0)) throw new RangeError('ridge λ must be ≥ 0');
  const n = x.length;
  const means = Array.from({ length: p }, (_, j) => x.reduce((s, r) => s + r[j], 0) / n);
  const scales = means.map((m, j) => Math.sqrt(x.reduce((s, r) => s + (r[j] - m) ** 2, 0) / n));
  const constant = scales.map((s, j) => !(s > 1e-12 * Math.max(1, Math.abs(means[j]))));
  const z = x.map((r) => r.map((v, j) => (constant[j] ? 0 : (v - means[j]) / scales[j])));
  const yMean = y.reduce((s, v) => s + v, 0) / n;
  const gram = new Float64Array(p * p);
  const zty = new Array<number>(p).fill(0);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < p; a++) {
      zty[a] += z[i][a] * (y[i] - yMean);
      for (let b = 0; b < p; b++) gram[a * p + b] += z[i][a] * z[i][b];
    }
  }
  const a = Float64Array.from(gram);
  // A constant feature's column is all zero; a unit diagonal there keeps A invertible and its coefficient 0.
  for (let j = 0; j < p; j++) a[j * p + j] += constant[j] ? 1 : lambda;
  let aInv: Float64Array;
  try {
    aInv = inverseSpd(a, p);
  } catch {
    throw new RangeError(`ZᵀZ + λI is singular (λ = ${lambda}): collinear features need λ > 0`);
  }
  const beta = Array.from({ length: p }, (_, r) => zty.reduce((s, v, c) => s + aInv[r * p + c] * v, 0));
  const leverage = z.map((zi) => 1 / n + quadratic(aInv, zi, p));
  const residuals = z.map((zi, i) => y[i] - yMean - zi.reduce((s, v, j) => s + v * beta[j], 0));
  const traceH = leverage.reduce((s, h) => s + h, 0);
  return {
    means, scales: scales.map((s, j) => (constant[j] ? 1 : s)), z, yMean, beta, aInv, gram, leverage, residuals, traceH,
  };
}

function quadratic(m: Float64Array, v: readonly number[], p: number): number {
  let s = 0;
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) s += v[a] * m[a * p + b] * v[b];
  return s;
}

/** Fits ridge regression with a fixed λ (on the standardised features). */
export function fitRidge(x: Matrix, y: readonly number[], lambda: number): RidgeModel {
  const c = core(x, y, lambda);
  const n = x.length;
  const p = c.means.length;
  const rss = c.residuals.reduce((s, r) => s + r * r, 0);
  const residualDf = n - c.traceH;
  const residualVariance = residualDf > 1e-9 ? rss / residualDf : NaN;
  // Var(fitted)/σ² = zᵀ A⁻¹ ZᵀZ A⁻¹ z = ‖Z A⁻¹ z‖²-like sandwich; precompute M = A⁻¹ ZᵀZ A⁻¹.
  const sandwich = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) s += c.aInv[i * p + a] * c.gram[a * p + b] * c.aInv[b * p + j];
      sandwich[i * p + j] = s;
    }
  }
  const standardise = (row: readonly number[]): number[] => {
    if (row.length !== p) throw new RangeError(`expected ${p} features, got ${row.length}`);
    return row.map((v, j) => (v - c.means[j]) / c.scales[j]);
  };
  const predictZ = (zi: readonly number[]): number => c.yMean + zi.reduce((s, v, j) => s + v * c.beta[j], 0);
  const coefficients = c.beta.map((b, j) => b / c.scales[j]);
  return {
    n,
    features: p,
    lambda,
    featureMeans: c.means,
    featureScales: c.scales,
    coefficients,
    intercept: c.yMean - coefficients.reduce((s, b, j) => s + b * c.means[j], 0),
    effectiveDf: c.traceH,
    residualDf,
    residualVariance,
    predict: (row) => predictZ(standardise(row)),
    predictInterval(row, confidence = 0.9) {
      if (!(confidence > 0 && confidence < 1)) throw new RangeError('confidence must be in (0, 1)');
      if (!(residualDf > 1e-9)) throw new RangeError('no residual degrees of freedom left for an interval');
      const zi = standardise(row);
      const mean = predictZ(zi);
      const h = 1 / n + quadratic(sandwich, zi, p);
      const se = Math.sqrt(residualVariance * (1 + h));
      const t = studentTQuantile(1 - (1 - confidence) / 2, residualDf);
      return { mean, lower: mean - t * se, upper: mean + t * se, se, confidence };
    },
  };
}

/**
 * Exact leave-one-out mean squared error of ridge with λ: a linear smoother's LOO residual is eᵢ/(1 − Hᵢᵢ), so
 * no refits are needed. (Standardisation uses all rows, a negligible leak that keeps the shortcut exact.)
 */
export function ridgeLooMse(x: Matrix, y: readonly number[], lambda: number): number {
  let c: Core;
  try {
    c = core(x, y, lambda);
  } catch {
    return Infinity;
  }
  let s = 0;
  for (let i = 0; i < c.residuals.length; i++) {
    const denom = 1 - c.leverage[i];
    if (!(denom > 1e-12)) return Infinity;
    s += (c.residuals[i] / denom) ** 2;
  }
  return s / c.residuals.length;
}

/** λ grid: 0 and n·10^k for k = −4, −3.75, …, 2 (ZᵀZ scales with n on standardised features). */
export function defaultLambdaGrid(n: number): number[] {
  const grid = [0];
  for (let k = -4; k <= 2 + 1e-9; k += 0.25) grid.push(n * 10 ** k);
  return grid;
}

/** The λ of smallest LOO error (the larger λ on ties: the simpler model), with the whole curve. */
export function selectRidgeLambda(
  x: Matrix, y: readonly number[], grid: readonly number[] = defaultLambdaGrid(x.length),
): { lambda: number; looMse: number; curve: { lambda: number; looMse: number }[] } {
  const curve = grid.map((lambda) => ({ lambda, looMse: ridgeLooMse(x, y, lambda) }));
  let best = curve[0];
  for (const point of curve) {
    const tie = Math.abs(point.looMse - best.looMse) <= 1e-12 * Math.abs(best.looMse);
    if ((!tie && point.looMse < best.looMse) || (tie && point.lambda > best.lambda)) best = point;
  }
  if (!Number.isFinite(best.looMse)) throw new RangeError('no λ in the grid gives a finite leave-one-out error');
  return { lambda: best.lambda, looMse: best.looMse, curve };
}

/** Ridge with λ chosen by leave-one-out CV. */
export function fitRidgeCv(x: Matrix, y: readonly number[], grid?: readonly number[]): RidgeModel {
  return fitRidge(x, y, selectRidgeLambda(x, y, grid).lambda);
}

export interface CrossValidation {
  readonly folds: number;
  /** Out-of-fold R² = 1 − Σ(y − ŷ)²/Σ(y − ȳ)². */
  readonly r2: number;
  readonly rmse: number;
  /** Fraction of held-out targets inside their prediction interval (compare with `confidence`). */
  readonly coverage: number;
  readonly meanIntervalWidth: number;
  readonly confidence: number;
  readonly predictions: readonly (RidgePrediction & { readonly index: number; readonly actual: number })[];
}

/**
 * k-fold cross-validation of the whole procedure (λ by LOO inside each training fold, then intervals on the held-out
 * fold). Rows are assigned to folds by a seeded shuffle, so results are reproducible.
 */
export function crossValidateRidge(
  x: Matrix, y: readonly number[], options: { readonly folds?: number; readonly confidence?: number; readonly seed?: number; readonly grid?: readonly number[] } = {},
): CrossValidation {
  checkXy(x, y);
  const n = x.length;
  const folds = Math.min(n, Math.max(2, options.folds ?? 5));
  const confidence = options.confidence ?? 0.9;
  const random = createRandom(options.seed ?? 1);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const foldOf = new Array<number>(n);
  order.forEach((row, k) => { foldOf[row] = k % folds; });
  const predictions: (RidgePrediction & { index: number; actual: number })[] = [];
  for (let f = 0; f < folds; f++) {
    const train = order.filter((i) => foldOf[i] !== f).sort((a, b) => a - b);
    const test = order.filter((i) => foldOf[i] === f).sort((a, b) => a - b);
    const model = fitRidgeCv(train.map((i) => x[i]), train.map((i) => y[i]), options.grid);
    for (const i of test) predictions.push({ ...model.predictInterval(x[i], confidence), index: i, actual: y[i] });
  }
  predictions.sort((a, b) => a.index - b.index);
  const yMean = y.reduce((s, v) => s + v, 0) / n;
  const ssRes = predictions.reduce((s, p) => s + (p.actual - p.mean) ** 2, 0);
  const ssTot = y.reduce((s, v) => s + (v - yMean) ** 2, 0);
  return {
    folds,
    r2: ssTot > 0 ? 1 - ssRes / ssTot : NaN,
    rmse: Math.sqrt(ssRes / n),
    coverage: predictions.filter((p) => p.actual >= p.lower && p.actual <= p.upper).length / n,
    meanIntervalWidth: predictions.reduce((s, p) => s + (p.upper - p.lower), 0) / n,
    confidence,
    predictions,
  };
}

/** Fewest batches a forecast with this many features needs: max(8, 3 × features). */
export function requiredHistory(features: number, minimum = 8): number {
  return Math.max(minimum, 3 * features);
}

export type HistoryCheck =
  | { readonly enough: true; readonly available: number; readonly required: number }
  | { readonly enough: false; readonly available: number; readonly required: number; readonly reason: string };

/**
 * Whether a forecast at `cycle` has enough training batches: those whose capacity history reaches that cycle must
 * number at least max(8, 3 × features). Three rows per coefficient is a common floor for a stable linear fit and
 * leaves residual degrees of freedom for the interval; 8 keeps the t-quantile and LOO choice of λ meaningful.
 */
export function enoughHistory(
  batches: readonly { readonly lastCycle: number }[], features: number, cycle: number, minimum = 8,
): HistoryCheck {
  if (!(Number.isInteger(features) && features >= 1)) throw new RangeError('features must be a positive integer');
  const required = requiredHistory(features, minimum);
  const available = batches.filter((b) => b.lastCycle >= cycle).length;
  if (available >= required) return { enough: true, available, required };
  return {
    enough: false,
    available,
    required,
    reason: `only ${available} of ${batches.length} batches have capacity history up to cycle ${cycle}; a forecast `
      + `from ${features} feature${features === 1 ? '' : 's'} needs at least ${required}`,
  };
}

/**
 * Regression target that linearises exponential fade: retention(c) = exp(−k·c) ⇒ y = ln k = ln(−ln retention / c).
 * Retention is clamped into (0, 1 − 1e-12] first (a cell at or above 100 % has no measurable fade yet).
 */
export function fadeRateTarget(retention: number, cycle: number): number {
  if (!(cycle > 0)) throw new RangeError('cycle must be positive');
  const r = Math.min(1 - 1e-12, Math.max(1e-300, retention));
  return Math.log(-Math.log(r) / cycle);
}

/** Inverse of fadeRateTarget: retention at `cycle` from ln k. Decreasing in ln k. */
export function retentionFromFadeRate(logRate: number, cycle: number): number {
  return Math.exp(-Math.exp(logRate) * cycle);
}

/**
 * A ln k prediction interval mapped to retention at `cycle` (exact, the map is monotone; bounds swap: faster fade,
 * lower retention). `retention` is at the predicted ln k: the median, not the mean, of the predicted retention.
 */
export function retentionInterval(prediction: RidgePrediction, cycle: number): { retention: number; lower: number; upper: number } {
  return {
    retention: retentionFromFadeRate(prediction.mean, cycle),
    lower: retentionFromFadeRate(prediction.upper, cycle),
    upper: retentionFromFadeRate(prediction.lower, cycle),
  };
}

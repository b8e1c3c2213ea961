import { betaQuantile } from './special.js';

/**
 * Split-conformal calibration of a raw anomaly score against the raw scores of held-out normal images.
 * Under exchangeability (the new normal image is drawn like the calibration images) the p-value
 *   p(s) = (1 + #{sᵢ ≥ s}) / (n + 1)
 * is super-uniform: P(p ≤ α) ≤ α for every α, whatever the score's distribution. That guarantee is the whole point:
 * a declared false-alarm rate is honoured with no distributional assumption, only a large enough n.
 */
export interface ConformalCalibration {
  /** The normal scores, ascending. */
  readonly sorted: Float64Array;
  readonly n: number;
}

/** Sorts the calibration scores once so every p-value is a binary search. Non-finite scores are rejected. */
export function conformalCalibration(normalScores: ArrayLike<number>): ConformalCalibration {
  const sorted = Float64Array.from(normalScores);
  for (const s of sorted) if (!Number.isFinite(s)) throw new RangeError('conformal calibration scores must be finite');
  sorted.sort();
  return { sorted, n: sorted.length };
}

function asCalibration(c: ConformalCalibration | ArrayLike<number>): ConformalCalibration {
  return 'sorted' in c && c.sorted instanceof Float64Array ? (c as ConformalCalibration) : conformalCalibration(c as ArrayLike<number>);
}

/** #{sᵢ ≥ s} in an ascending array (first index with sorted[i] ≥ s, by binary search). */
function countAtLeast(sorted: Float64Array, s: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < s) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}

/** Conformal p-value of a raw score: (1 + #{sᵢ ≥ s}) / (n + 1). Ties count against the new score (conservative). */
export function conformalPValue(score: number, calibration: ConformalCalibration | ArrayLike<number>): number {
  if (Number.isNaN(score)) throw new RangeError('conformal p-value of NaN');
  const c = asCalibration(calibration);
  return (1 + countAtLeast(c.sorted, score)) / (c.n + 1);
}

/** The smallest p-value n calibration scores can produce, and the step between p-values: 1/(n + 1). */
export function conformalResolution(n: number): number {
  if (!(n >= 0) || !Number.isInteger(n)) throw new RangeError('conformalResolution needs a count n ≥ 0');
  return 1 / (n + 1);
}

/** Calibrated 0..1 anomaly level = 1 − p: the fraction of the (n + 1) scores the new one is strictly above, roughly. */
export function anomalyLevel(score: number, calibration: ConformalCalibration | ArrayLike<number>): number {
  return 1 - conformalPValue(score, calibration);
}

/** Fewest calibration scores that can resolve a false-alarm rate α: n ≥ 1/α − 1 (so that 1/(n + 1) ≤ α). */
export function minimumCalibrationSize(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`false-alarm rate must be in (0, 1), got ${alpha}`);
  // The tiny slack keeps 1/0.01 − 1 = 99 from becoming 100 through rounding.
  return Math.max(0, Math.ceil(1 / alpha - 1 - 1e-9));
}

export type ConformalThreshold =
  | {
    readonly resolvable: true;
    readonly alpha: number;
    /** Alarm when the raw score is strictly above this (equivalently p ≤ α). */
    readonly threshold: number;
    /** The false-alarm rate actually guaranteed: ⌊α(n + 1)⌋/(n + 1) ≤ α (equal for continuous scores). */
    readonly achievedAlpha: number;
    readonly n: number;
  }
  | {
    readonly resolvable: false;
    readonly alpha: number;
    /** +∞: no score can reach p ≤ α with this calibration set, so nothing would ever alarm. */
    readonly threshold: number;
    readonly n: number;
    readonly minimumN: number;
    readonly warning: string;
  };

/**
 * The raw-score threshold for a declared false-alarm rate α. p(s) ≤ α ⇔ #{sᵢ ≥ s} ≤ k with k = ⌊α(n + 1)⌋ − 1
 * ⇔ s is strictly above the (k + 1)-th largest calibration score (this holds with ties too). When k < 0, i.e.
 * n < 1/α − 1, even a score above every normal gets p = 1/(n + 1) > α: the threshold is +∞ with a warning.
 */
export function conformalThreshold(
  calibration: ConformalCalibration | ArrayLike<number>, alpha: number,
): ConformalThreshold {
  const c = asCalibration(calibration);
  const minimumN = minimumCalibrationSize(alpha);
  // Rounding guard: α(n + 1) that should be an integer (0.1 × 20) must not floor to one below.
  const k = Math.floor(alpha * (c.n + 1) + 1e-9) - 1;
  if (k < 0) {
    return {
      resolvable: false,
      alpha,
      threshold: Infinity,
      n: c.n,
      minimumN,
      warning: `${c.n} calibration score${c.n === 1 ? '' : 's'} cannot resolve a false-alarm rate of ${alpha}: `
        + `the smallest p-value is 1/${c.n + 1} = ${(1 / (c.n + 1)).toPrecision(3)}; at least ${minimumN} normal `
        + 'images are needed',
    };
  }
  return {
    resolvable: true,
    alpha,
    threshold: c.sorted[c.n - 1 - k],
    achievedAlpha: (k + 1) / (c.n + 1),
    n: c.n,
  };
}

export interface AnomalyLevelInterval {
  readonly pValue: number;
  /** 1 − p. */
  readonly level: number;
  /** Clopper-Pearson bounds on the anomaly level 1 − q (q = true tail probability of the score among normals). */
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
}

/**
 * How far the anomaly level could move with another calibration set of the same size. The count
 * m = #{sᵢ ≥ s} is Binomial(n, q) where q = P(normal score ≥ s) is the score's true tail probability, so the exact
 * (Clopper-Pearson) interval for q is [Beta(δ/2; m, n − m + 1), Beta(1 − δ/2; m + 1, n − m)] with δ = 1 − confidence;
 * the level interval is [1 − q_upper, 1 − q_lower]. We chose this over a bootstrap because it is exact, needs no
 * resampling (deterministic) and stays honest at m = 0, where it says how large q could still be (e.g. ≤ 0.26 at
 * 90 % with n = 10), which is exactly the finite-sample caveat on a "never seen among normals" score.
 * It applies to any score calibrated this way, including a fused score calibrated on fused normal scores.
 */
export function anomalyLevelInterval(
  score: number, calibration: ConformalCalibration | ArrayLike<number>, confidence = 0.9,
): AnomalyLevelInterval {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError('confidence must be in (0, 1)');
  const c = asCalibration(calibration);
  const m = countAtLeast(c.sorted, score);
  const n = c.n;
  const tail = (1 - confidence) / 2;
  const qLower = m === 0 ? 0 : betaQuantile(tail, m, n - m + 1);
  const qUpper = m === n ? 1 : betaQuantile(1 - tail, m + 1, n - m);
  const pValue = (1 + m) / (n + 1);
  return { pValue, level: 1 - pValue, lower: 1 - qUpper, upper: 1 - qLower, confidence };
}

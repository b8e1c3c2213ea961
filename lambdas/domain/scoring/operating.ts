import { conformalCalibration, conformalThreshold, minimumCalibrationSize } from '../decision/conformal.js';
import { normalQuantile } from '../decision/special.js';
import type { ScoringSettings } from '../profile/settings.js';

export type OperatingPoint = ScoringSettings['operating'];

/** Least spread assumed when extrapolating (fused scores of a few identical normals must still leave a margin). */
const MIN_SPREAD = 0.02;
/**
 * From this many normals the upper tail is fitted (peaks over threshold: 8 excesses at least); fewer show no tail,
 * only a spread. With 20 (4 excesses) the fit put a generated set's threshold at 0.99 and halved its recall.
 */
const MIN_TAIL_FIT = 40;
/** Share of the highest normal scores whose excesses the tail is fitted to. */
const TAIL_FRACTION = 0.2;

/**
 * The operating thresholds from the fused scores of held-out normal images, so that the declared false-alarm
 * rates hold: flagged (suspect or worse) for at most `suspectRate` of normals, anomalous for at most
 * `falseAlarmRate`. Where the calibration set resolves a rate (n ≥ 1/α − 1) the threshold is the conformal one
 * (finite-sample guarantee, no assumption on the scores' distribution); where it does not, it is extrapolated, at
 * least the highest normal score plus a margin, and the profile records a warning saying how many normals the rate
 * needs. From MIN_TAIL_FIT normals the extrapolation fits an exponential tail to the log-odds of the highest fifth
 * (peaks over threshold: u + mean excess · ln(tail share / α), brought back to 0..1): fused scores of normals are
 * heavy-tailed (one component alone lifts them), and on magnetic tile a normal fit (mean + z₁₋α·sd) of 40 normals
 * flagged 2.1 % of fresh normals at a declared 0.1 %, the tail fit 0.5 % (1,000 draws from one split's test normals).
 * Fewer normals keep the normal fit.
 */
export function operatingPoint(fusedNormals: readonly number[], rates: Pick<OperatingPoint, 'suspectRate' | 'falseAlarmRate'>): OperatingPoint {
  const n = fusedNormals.length;
  if (n === 0) throw new RangeError('the operating point needs the fused scores of at least one normal image');
  const cal = conformalCalibration(fusedNormals);
  const mean = fusedNormals.reduce((a, b) => a + b, 0) / n;
  const sd = Math.max(MIN_SPREAD, n > 1 ? Math.sqrt(fusedNormals.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0);
  const max = cal.sorted[n - 1]!;
  const extrapolated: string[] = [];
  const threshold = (alpha: number): number => {
    const c = conformalThreshold(cal, alpha);
    // Conformal: flag when strictly above c.threshold; verdicts flag at or above, hence the next float up.
    if (c.resolvable) return nextUp(c.threshold);
    extrapolated.push(`${(alpha * 100).toPrecision(2)} % needs ${minimumCalibrationSize(alpha)} normals`);
    const fitted = n >= MIN_TAIL_FIT ? tailQuantile(cal.sorted, alpha) : mean + normalQuantile(1 - alpha) * sd;
    return Math.max(fitted, max + MIN_SPREAD / 2);
  };
  const suspect = clamp(threshold(rates.suspectRate));
  const anomalous = clamp(Math.max(threshold(rates.falseAlarmRate), suspect + 1e-6));
  return {
    thresholds: { suspect, anomalous },
    source: extrapolated.length === 0 ? 'conformal' : 'extrapolated',
    suspectRate: rates.suspectRate,
    falseAlarmRate: rates.falseAlarmRate,
    calibrationSize: n,
    ...(extrapolated.length ? { warning: `calibrated on ${n} normal images: thresholds extrapolated from ${n >= MIN_TAIL_FIT ? 'a fit of their upper tail' : 'a normal fit'} where the rate is finer than 1/${n + 1} (${extrapolated.join('; ')})` } : {}),
  };
}

/**
 * The score exceeded with probability α under an exponential tail fitted, on the log-odds scale (scores are bounded
 * by 1), to the excesses over the threshold of the top TAIL_FRACTION.
 */
function tailQuantile(sorted: ArrayLike<number>, alpha: number): number {
  const n = sorted.length;
  const k = Math.round(TAIL_FRACTION * n); // n ≥ MIN_TAIL_FIT: 8 or more
  const u = logit(sorted[n - k - 1]!);
  let excess = 0;
  for (let i = n - k; i < n; i++) excess += logit(sorted[i]!) - u;
  return 1 / (1 + Math.exp(-(u + Math.max(excess / k, MIN_SPREAD / 4) * Math.log(k / n / alpha))));
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}

function clamp(t: number): number {
  return Math.min(0.999, Math.max(0.001, t));
}

function nextUp(x: number): number {
  return x + Math.max(1e-12, Math.abs(x) * 1e-12);
}

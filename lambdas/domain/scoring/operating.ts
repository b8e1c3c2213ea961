import { conformalCalibration, conformalThreshold, minimumCalibrationSize } from '../decision/conformal.js';
import { normalQuantile } from '../decision/special.js';
import type { ScoringSettings } from '../profile/settings.js';

export type OperatingPoint = ScoringSettings['operating'];

/** Least spread assumed when extrapolating (fused scores of a few identical normals must still leave a margin). */
const MIN_SPREAD = 0.02;

/**
 * The operating thresholds from the fused scores of held-out normal images, so that the declared false-alarm
 * rates hold: flagged (suspect or worse) for at most `suspectRate` of normals, anomalous for at most
 * `falseAlarmRate`. Where the calibration set resolves a rate (n ≥ 1/α − 1) the threshold is the conformal one
 * (finite-sample guarantee, no assumption on the scores' distribution); where it does not, it is extrapolated from a
 * normal fit of the scores (mean + z₁₋α·sd, at least the highest normal score plus a margin) and the profile
 * records a warning saying how many normals the rate needs.
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
    return Math.max(mean + normalQuantile(1 - alpha) * sd, max + MIN_SPREAD / 2);
  };
  const suspect = clamp(threshold(rates.suspectRate));
  const anomalous = clamp(Math.max(threshold(rates.falseAlarmRate), suspect + 1e-6));
  return {
    thresholds: { suspect, anomalous },
    source: extrapolated.length === 0 ? 'conformal' : 'extrapolated',
    suspectRate: rates.suspectRate,
    falseAlarmRate: rates.falseAlarmRate,
    calibrationSize: n,
    ...(extrapolated.length ? { warning: `calibrated on ${n} normal images: thresholds extrapolated from a normal fit where the rate is finer than 1/${n + 1} (${extrapolated.join('; ')})` } : {}),
  };
}

function clamp(t: number): number {
  return Math.min(0.999, Math.max(0.001, t));
}

function nextUp(x: number): number {
  return x + Math.max(1e-12, Math.abs(x) * 1e-12);
}

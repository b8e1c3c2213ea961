import type { Verdict } from '../report/report.js';
import type { ScoreCalibration } from '../profile/profile.js';

/** Raw-score thresholds of one score (image patch score, novelty distance...) learnt from normal images. */
export interface Thresholds {
  readonly suspect: number;
  readonly anomalous: number;
}

/** Calibrated score at which a verdict turns anomalous (suspect is 0.5 by construction). */
export const ANOMALOUS_CALIBRATED = 0.9;
export const SUSPECT_CALIBRATED = 0.5;

/**
 * Thresholds from raw scores of held-out normal images (never the bank's own images, whose patches are in the
 * bank and so score ~0). With m the mean, s an effective spread and max the largest normal score:
 *   suspect   = max(m + 2s, 95th percentile)   (a normal image is rarely above it)
 *   anomalous = max(m + 4s, max + s)            (clearly beyond every normal image seen)
 * s is the sample standard deviation but at least 10 % of |m| (and a tiny absolute floor): with only 2–5
 * calibration images the sample deviation can be near zero by chance, which would flag every new normal image.
 */
export function thresholdsFromNormals(normalScores: readonly number[]): Thresholds {
  const values = normalScores.filter(Number.isFinite);
  if (values.length === 0) throw new RangeError('calibration needs at least one normal score');
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  const spread = Math.max(sd, 0.1 * Math.abs(mean), 1e-6);
  const max = Math.max(...values);
  return {
    suspect: Math.max(mean + 2 * spread, quantile(values, 0.95)),
    anomalous: Math.max(mean + 4 * spread, max + spread),
  };
}

/**
 * The normal scores without the one equal to `own` (to float rounding), when there is one and it is not the only
 * score: a calibration image scored against thresholds learnt from its own score would look more normal than a new
 * normal image does, and the operating threshold set from such scores would flag more normals than declared.
 */
export function leaveOneOut(normalScores: readonly number[], own: number): readonly number[] {
  if (normalScores.length < 2) return normalScores;
  let nearest = 0;
  for (let i = 1; i < normalScores.length; i++) if (Math.abs(normalScores[i]! - own) < Math.abs(normalScores[nearest]! - own)) nearest = i;
  if (!(Math.abs(normalScores[nearest]! - own) <= 1e-9 * Math.max(1, Math.abs(own)))) return normalScores;
  return [...normalScores.slice(0, nearest), ...normalScores.slice(nearest + 1)];
}

/**
 * Raw → calibrated 0..1, strictly increasing: a logistic centred on the suspect threshold whose slope puts the
 * anomalous threshold at 0.9. So suspect ↦ 0.5, anomalous ↦ 0.9 and a typical normal image (m) ↦ about 0.1.
 */
export function calibrate(raw: number, thresholds: Thresholds): number {
  const width = Math.max(thresholds.anomalous - thresholds.suspect, 1e-12);
  const slope = Math.log(ANOMALOUS_CALIBRATED / (1 - ANOMALOUS_CALIBRATED)) / width;
  return 1 / (1 + Math.exp(-slope * (raw - thresholds.suspect)));
}

/** The verdict of a calibrated score at the operating thresholds (default: the calibrated scale's 0.5 and 0.9). */
export function verdictOf(calibrated: number, thresholds: { readonly suspect: number; readonly anomalous: number } = { suspect: SUSPECT_CALIBRATED, anomalous: ANOMALOUS_CALIBRATED }): Verdict {
  if (calibrated >= thresholds.anomalous) return 'anomalous';
  if (calibrated >= thresholds.suspect) return 'suspect';
  return 'normal';
}

/** Quantile (linear interpolation, like numpy's default) of a list; q in 0..1. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values');
  const sorted = Float64Array.from(values).sort();
  const pos = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The consistency component on the calibrated scale: 1 − 2^(−excess), the excess being the raw rule severity beyond
 * what normal images of the profile show (the 95th percentile of their severities; 0 without them). So one warning
 * more than normals show gives 0.5 (suspect), a critical finding more 0.94, and rules that fire on every normal of
 * a material (a segmentation that reads its texture as cracks) weigh nothing.
 */
export function calibrateConsistency(raw: number, normalSeverities: readonly number[] | undefined): number {
  return 1 - Math.pow(2, -Math.max(0, raw - consistencyBaseline(normalSeverities)));
}

/** The raw severities calibrateConsistency turns suspect (0.5) and anomalous (0.9) at. */
export function consistencyThresholds(normalSeverities: readonly number[] | undefined): Thresholds {
  const baseline = consistencyBaseline(normalSeverities);
  return { suspect: baseline - Math.log2(1 - SUSPECT_CALIBRATED), anomalous: baseline - Math.log2(1 - ANOMALOUS_CALIBRATED) };
}

function consistencyBaseline(normalSeverities: readonly number[] | undefined): number {
  return normalSeverities?.length ? quantile(normalSeverities, 0.95) : 0;
}

/** Quantile of pixel scores used as the region threshold (see pixelThresholds). */
export const DEFAULT_PIXEL_QUANTILE = 0.999;
/** Pixel scores sampled at most, so calibrating on many large images stays fast. */
const MAX_PIXEL_SAMPLES = 1 << 20;

/**
 * Pixel-level bounds from the calibration images' score maps (full resolution, smoothed):
 * `threshold` = the 99.9th percentile of all their pixels (regions on a normal image are then rare and tiny, and
 * the minimum-area filter removes them), `low` = their median (the heatmap's "nothing here" end).
 * Large inputs are sampled with a fixed stride, so the result is deterministic.
 */
export function pixelThresholds(
  maps: readonly { readonly data: Float32Array }[], q = DEFAULT_PIXEL_QUANTILE,
): { threshold: number; low: number } {
  const total = maps.reduce((n, m) => n + m.data.length, 0);
  if (total === 0) throw new RangeError('pixel calibration needs at least one score map');
  const step = Math.max(1, Math.ceil(total / MAX_PIXEL_SAMPLES));
  const sample = new Float32Array(Math.ceil(total / step) + maps.length);
  let n = 0;
  for (const map of maps) for (let i = 0; i < map.data.length; i += step) sample[n++] = map.data[i];
  const sorted = sample.subarray(0, n).sort();
  const at = (p: number): number => {
    const pos = p * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  };
  return { threshold: at(q), low: at(0.5) };
}

/**
 * A profile's calibration from its held-out normal images: image-score thresholds, the pixel threshold from their
 * full-resolution score maps, and their novelty distances (kept raw; novelty thresholds come from
 * `thresholdsFromNormals(normalNoveltyScores)` when scoring). `heatmapLow`, the maps' median pixel score, is the
 * heatmap's "normal" end (a profile setting).
 */
export function buildCalibration(input: {
  readonly imageScores: readonly number[];
  readonly scoreMaps: readonly { readonly data: Float32Array }[];
  readonly noveltyScores: readonly number[];
}): { calibration: ScoreCalibration; heatmapLow: number } {
  const { suspect, anomalous } = thresholdsFromNormals(input.imageScores);
  const pixels = pixelThresholds(input.scoreMaps);
  return {
    calibration: {
      normalImageScores: [...input.imageScores],
      suspect,
      anomalous,
      pixelThreshold: pixels.threshold,
      normalNoveltyScores: [...input.noveltyScores],
    },
    heatmapLow: pixels.low,
  };
}

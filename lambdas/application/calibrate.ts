import type { GreyImage } from '../domain/image/grey-image.js';
import type { ScoreCalibration } from '../domain/profile/profile.js';

/** PatchCore's image score: the highest patch score in the map. */
export function imageScoreOf(map: GreyImage): number {
  let max = -Infinity;
  for (let i = 0; i < map.data.length; i++) if (map.data[i]! > max) max = map.data[i]!;
  return max;
}

export interface CalibrationInputs {
  readonly imageScores: readonly number[];
  readonly scoreMaps: readonly GreyImage[];
  readonly noveltyScores: readonly number[];
}

// INTERIM until lambdas/domain/scoring calibration lands: thresholds from the spread of held-out normal scores.
export function calibrationFrom(inputs: CalibrationInputs): ScoreCalibration {
  const { mean, std } = stats(inputs.imageScores);
  const top = Math.max(...inputs.imageScores);
  const spread = Math.max(std, 0.05 * Math.abs(mean), 1e-6);
  const suspect = Math.max(top, mean + 3 * spread);
  const anomalous = suspect + 2 * spread;
  const pixelThreshold = suspect;
  return {
    normalImageScores: [...inputs.imageScores],
    suspect,
    anomalous,
    pixelThreshold,
    normalNoveltyScores: [...inputs.noveltyScores],
  };
}

function stats(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** Raw score → 0..1 with 0.5 at the suspect and 0.75 at the anomalous threshold (INTERIM, see above). */
export function scoreCalibrator(normals: readonly number[], suspect: number, anomalous: number): (raw: number) => number {
  const sorted = [...normals].sort((a, b) => a - b);
  const low = Math.min(sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0, suspect);
  const below = 1 / Math.max(1e-12, suspect - low);
  const above = 0.25 / Math.max(1e-12, anomalous - suspect);
  return (raw) => (raw < suspect ? 0.5 * clamp01((raw - low) * below) : Math.min(1, 0.5 + (raw - suspect) * above));
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

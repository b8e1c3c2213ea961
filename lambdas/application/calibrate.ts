import type { GreyImage } from '../domain/image/grey-image.js';
import type { ScoreCalibration } from '../domain/profile/profile.js';
import { buildCalibration } from '../domain/scoring/calibration.js';

/** The highest value of a score map (an image score over a map rather than over patch scores). */
export function imageScoreOf(map: GreyImage): number {
  let max = -Infinity;
  for (let i = 0; i < map.data.length; i++) if (map.data[i]! > max) max = map.data[i]!;
  return max;
}

/** A profile's calibration from held-out normal images; the rule is the scoring domain's `buildCalibration`. */
export function calibrationFrom(inputs: {
  readonly imageScores: readonly number[];
  readonly scoreMaps: readonly GreyImage[];
  readonly noveltyScores: readonly number[];
}): ScoreCalibration {
  return buildCalibration(inputs);
}

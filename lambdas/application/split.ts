import { createRandom } from '../domain/synth/random.js';

export interface SplitItem {
  readonly sha256: string;
}

/**
 * How many of `count` new images to hold out for calibration: the requested share, at least one (two from ten
 * images on) when the profile has no calibration images yet, and never all of them (the bank needs one).
 */
export function calibrationCount(count: number, fraction: number, hasEarlierCalibration: boolean): number {
  if (count <= 1) return 0;
  const wanted = Math.round(count * fraction);
  const minimum = hasEarlierCalibration ? 0 : count >= 10 ? 2 : 1;
  return Math.min(count - 1, Math.max(minimum, wanted));
}

/**
 * Deterministic bank/calibration split: items are ordered by content hash (so the order files were named in does
 * not matter), shuffled with the seed, and the first `calibration` go to calibration. Bank and calibration never
 * overlap.
 */
export function splitImages<T extends SplitItem>(items: readonly T[], calibration: number, seed: number): { bank: T[]; calibration: T[] } {
  const ordered = [...items].sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));
  const rng = createRandom(seed);
  for (let i = ordered.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [ordered[i], ordered[j]] = [ordered[j]!, ordered[i]!];
  }
  return { calibration: ordered.slice(0, calibration), bank: ordered.slice(calibration) };
}

import { createGreyImage, type GreyImage } from './grey-image.js';

/** Resolution of the value histogram used for percentiles: fine enough for 16-bit sources. */
const PERCENTILE_BINS = 65536;

/**
 * Values at the given percentiles (0..100), from a histogram over the image's own min..max
 * (O(n), no sort; accurate to 1/65536 of the range). Non-finite values are ignored.
 */
export function percentiles(image: GreyImage, ps: readonly number[]): number[] {
  const { data } = image;
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is 0 only for finite v (NaN and ±Infinity give NaN); avoids global lookups in the hot loop.
    if (v - v === 0) {
      if (v < min) min = v;
      if (v > max) max = v;
      count++;
    }
  }
  if (count === 0) throw new RangeError('image has no finite values');
  if (max === min) return ps.map(() => min);
  const hist = new Uint32Array(PERCENTILE_BINS);
  const scale = (PERCENTILE_BINS - 1) / (max - min);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v >= min && v <= max) hist[((v - min) * scale + 0.5) | 0]++;
  }
  return ps.map((p) => {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
    const target = (p / 100) * (count - 1);
    let seen = 0;
    for (let b = 0; b < PERCENTILE_BINS; b++) {
      seen += hist[b];
      if (seen > target) return min + b / scale;
    }
    return max;
  });
}

export interface PercentileStretchResult {
  readonly image: GreyImage;
  /** The intensities mapped to 0 and 1. */
  readonly low: number;
  readonly high: number;
}

/**
 * Robust contrast normalisation: the lowPercent value maps to 0 and the highPercent value to 1, clamped,
 * so a few hot or dead pixels do not set the range. A flat image maps to a constant 0.5 rather than dividing by zero.
 * `inPlace` writes the result over the image's own values (an intermediate the caller owns).
 */
export function percentileStretch(image: GreyImage, lowPercent = 0.5, highPercent = 99.5, inPlace = false): PercentileStretchResult {
  if (!(lowPercent < highPercent)) throw new RangeError(`low percentile ${lowPercent} must be below high percentile ${highPercent}`);
  const [low, high] = percentiles(image, [lowPercent, highPercent]);
  const { data } = image;
  // In place, each value is read before it is overwritten, so the result is the same.
  const out = inPlace ? data : new Float32Array(data.length);
  if (!(high > low)) {
    out.fill(0.5);
  } else {
    const inv = 1 / (high - low);
    for (let i = 0; i < data.length; i++) {
      const v = (data[i] - low) * inv;
      out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return { image: createGreyImage(image.width, image.height, out), low, high };
}

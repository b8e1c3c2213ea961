/** A 256-entry RGB lookup table (768 bytes, r g b per entry) for values 0..1. */
export type ColourLut = Uint8Array;

/**
 * Inferno (matplotlib, van der Walt & Smith): perceptually uniform, monotone in lightness (readable in greyscale
 * print and for colour-blind readers), black → purple → orange → pale yellow. Sampled at nine points; the LUT
 * interpolates linearly between them, which stays within a few levels of the full map.
 */
const INFERNO_POINTS: readonly (readonly [number, number, number])[] = [
  [0, 0, 4], [31, 12, 72], [85, 15, 109], [136, 34, 106], [186, 54, 85],
  [227, 89, 51], [249, 140, 10], [249, 201, 50], [252, 255, 164],
];

/** Builds a 256-entry LUT by linear interpolation between evenly spaced control colours. */
export function buildLut(points: readonly (readonly [number, number, number])[]): ColourLut {
  if (points.length < 2) throw new RangeError('a colour map needs at least two control points');
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const pos = (i / 255) * (points.length - 1);
    const lo = Math.min(points.length - 2, Math.floor(pos));
    const f = pos - lo;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(points[lo][c] + (points[lo + 1][c] - points[lo][c]) * f);
  }
  return lut;
}

export const INFERNO: ColourLut = buildLut(INFERNO_POINTS);

/** The LUT index of `value` scaled so `low` ↦ 0 and `high` ↦ 255 (clamped; a degenerate range maps to 0 or 255). */
export function lutIndex(value: number, low: number, high: number): number {
  if (!(high > low)) return value > low ? 255 : 0;
  const t = (value - low) / (high - low);
  return t <= 0 ? 0 : t >= 1 ? 255 : Math.round(t * 255);
}

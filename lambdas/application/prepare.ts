import type { GreyImage } from '../domain/image/grey-image.js';
import { normalise } from '../domain/image/normalise.js';
import { resampleToPixelSize } from '../domain/image/resample.js';
import type { DecodedImage } from '../ports/image-codec.js';

export type PixelSizeSource = 'caller' | 'file' | 'metadata' | 'profile' | 'unknown';

/** The first pixel size that is known, in order of trust: caller > file > metadata > profile. */
export function resolvePixelSize(candidates: {
  caller?: number;
  file?: number;
  metadata?: number;
  profile?: number | null;
}): { pixelSizeUm?: number; source: PixelSizeSource } {
  for (const source of ['caller', 'file', 'metadata', 'profile'] as const) {
    const value = candidates[source];
    if (typeof value === 'number' && value > 0 && Number.isFinite(value)) return { pixelSizeUm: value, source };
  }
  return { source: 'unknown' };
}

/** Pixel sizes this close are treated as equal (no resampling for rounding noise in resolution tags). */
const SAME_SCALE = 1e-3;

/**
 * Brings a decoded image to the profile's pixel size (when both are known) and normalises it (denoise, CLAHE,
 * intensity stretch), the same steps at enrolment and inspection.
 */
export function prepareImage(decoded: DecodedImage, imagePixelUm: number | undefined, profilePixelUm: number | null): GreyImage {
  let image = decoded.image;
  if (imagePixelUm && profilePixelUm && Math.abs(imagePixelUm / profilePixelUm - 1) > SAME_SCALE) {
    image = resampleToPixelSize(image, imagePixelUm, profilePixelUm);
  }
  return normalise(image).image;
}

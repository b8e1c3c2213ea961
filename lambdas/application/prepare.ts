import { IngestError } from '../domain/errors.js';
import type { GreyImage } from '../domain/image/grey-image.js';
import { assertLargeEnough } from '../domain/image/limits.js';
import { normalise, type NormaliseOptionsInput } from '../domain/image/normalise.js';
import { resampleToPixelSize } from '../domain/image/resample.js';
import type { ScoringSettings } from '../domain/profile/settings.js';
import type { IngestLimits } from '../ports/image-codec.js';

export type PixelSizeSource = 'caller' | 'file' | 'metadata' | 'profile' | 'unknown';

/** The first pixel size that is known, in order of trust: caller > file > metadata > profile. */
export function resolvePixelSize(candidates: {
  caller?: number | undefined;
  file?: number | undefined;
  metadata?: number | undefined;
  profile?: number | null | undefined;
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
 * Brings an image to the profile's pixel size (when both are known) and normalises it (the profile's denoise,
 * CLAHE and intensity stretch, or none), the same steps at enrolment and inspection. The limits apply to the
 * resampled image too, checked before any pixel is allocated: a declared pixel size must not turn a small upload
 * into a huge one (`too_many_pixels`), nor shrink it below the minimum side (`image_too_small`).
 */
export function prepareImage(
  image: GreyImage, imagePixelUm: number | undefined, profilePixelUm: number | null,
  options: NormaliseOptionsInput | false, limits?: Pick<IngestLimits, 'maxPixels'>,
): GreyImage {
  let out = image;
  if (imagePixelUm && profilePixelUm && Math.abs(imagePixelUm / profilePixelUm - 1) > SAME_SCALE) {
    const scale = imagePixelUm / profilePixelUm;
    const [width, height] = [Math.round(image.width * scale), Math.round(image.height * scale)];
    const pixels = width * height;
    if (limits && !(pixels <= limits.maxPixels)) {
      throw new IngestError('too_many_pixels', `at ${imagePixelUm} µm/px the image would be resampled to the profile's ${profilePixelUm} µm/px as ${width}×${height} px (${pixels} pixels), over the ${limits.maxPixels}-pixel limit; check the declared pixel size`, {
        pixelSizeUm: imagePixelUm, profilePixelSizeUm: profilePixelUm, pixels, limit: limits.maxPixels,
      });
    }
    assertLargeEnough(width, height, `At ${imagePixelUm} µm/px, resampled to the profile's ${profilePixelUm} µm/px, the image`);
    out = resampleToPixelSize(image, imagePixelUm, profilePixelUm);
  }
  return options === false ? out : normalise(out, options).image;
}

/** An image made ready for a profile: for the patch path and, when the profile has one, the density component. */
export interface PreparedImage {
  readonly image: GreyImage;
  /** The same pixels at the density's own normalisation (settings.density), when the component is enabled. */
  readonly density?: GreyImage;
}

/** `prepareImage` for both paths of a profile: resampled once, normalised for each. */
export function prepareForProfile(
  image: GreyImage, imagePixelUm: number | undefined, profilePixelUm: number | null,
  settings: Pick<ScoringSettings, 'normalise' | 'density'>, limits?: Pick<IngestLimits, 'maxPixels'>,
): PreparedImage {
  const resampled = prepareImage(image, imagePixelUm, profilePixelUm, false, limits);
  const as = (options: NormaliseOptionsInput | false) => (options === false ? resampled : normalise(resampled, options).image);
  return { image: as(settings.normalise), ...(settings.density.enabled ? { density: as(settings.density.normalise) } : {}) };
}

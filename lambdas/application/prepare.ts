import { IngestError } from '../domain/errors.js';
import type { GreyImage } from '../domain/image/grey-image.js';
import { assertLargeEnough } from '../domain/image/limits.js';
import { normalise, type NormaliseOptionsInput } from '../domain/image/normalise.js';
import { resampleByScale } from '../domain/image/resample.js';
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
 * Brings an image to the profile's pixel size (when both are known) and its working scale (the patch path's
 * `settings.workingScale`; 1 for the density, which has its own), in one resampling, and normalises it (the profile's
 * denoise, CLAHE and intensity stretch, or none): the same steps at enrolment and inspection. The limits apply to the
 * resampled image too, checked before any pixel is allocated: a declared pixel size or a working scale must not turn a
 * small upload into a huge one (`too_many_pixels`), nor shrink it below the minimum side (`image_too_small`).
 */
export function prepareImage(
  image: GreyImage, imagePixelUm: number | undefined, profilePixelUm: number | null,
  options: NormaliseOptionsInput | false, limits?: Pick<IngestLimits, 'maxPixels'>, workingScale = 1,
): GreyImage {
  const out = resampleForProfile(image, imagePixelUm, profilePixelUm, workingScale, limits);
  return options === false ? out : normalise(out, options).image;
}

function resampleForProfile(
  image: GreyImage, imagePixelUm: number | undefined, profilePixelUm: number | null, workingScale: number,
  limits?: Pick<IngestLimits, 'maxPixels'>,
): GreyImage {
  const toPixelSize = imagePixelUm && profilePixelUm && Math.abs(imagePixelUm / profilePixelUm - 1) > SAME_SCALE;
  const scale = (toPixelSize ? imagePixelUm / profilePixelUm : 1) * workingScale;
  if (scale === 1) return image;
  const [width, height] = [Math.round(image.width * scale), Math.round(image.height * scale)];
  const pixels = width * height;
  const at = toPixelSize ? `at ${imagePixelUm} µm/px the image would be resampled to the profile's ${profilePixelUm} µm/px` : 'the image would be resampled';
  const scaled = workingScale === 1 ? '' : ` and its working scale ${workingScale}`;
  if (limits && !(pixels <= limits.maxPixels)) {
    throw new IngestError('too_many_pixels', `${at}${scaled} as ${width}×${height} px (${pixels} pixels), over the ${limits.maxPixels}-pixel limit; check the declared pixel size`, {
      ...(toPixelSize ? { pixelSizeUm: imagePixelUm, profilePixelSizeUm: profilePixelUm } : {}), ...(workingScale === 1 ? {} : { workingScale }), pixels, limit: limits.maxPixels,
    });
  }
  assertLargeEnough(width, height, toPixelSize ? `At ${imagePixelUm} µm/px, resampled to the profile's ${profilePixelUm} µm/px${scaled}, the image` : `Resampled to the profile's working scale ${workingScale}, the image`);
  return resampleByScale(image, scale);
}

/** An image made ready for a profile: for the patch path and, when the profile has one, the density component. */
export interface PreparedImage {
  readonly image: GreyImage;
  /** The same pixels at the density's own normalisation (settings.density), when the component is enabled. */
  readonly density?: GreyImage;
}

/** `prepareImage` for both paths of a profile: the patch path at its working scale, the density at the profile's pixel size. */
export function prepareForProfile(
  image: GreyImage, imagePixelUm: number | undefined, profilePixelUm: number | null,
  settings: Pick<ScoringSettings, 'normalise' | 'density' | 'workingScale'>, limits?: Pick<IngestLimits, 'maxPixels'>,
): PreparedImage {
  const resampled = (workingScale: number) => prepareImage(image, imagePixelUm, profilePixelUm, false, limits, workingScale);
  const patchPath = resampled(settings.workingScale);
  const as = (base: GreyImage, options: NormaliseOptionsInput | false) => (options === false ? base : normalise(base, options).image);
  const prepared = as(patchPath, settings.normalise);
  if (!settings.density.enabled) return { image: prepared };
  // The density sees the image at the profile's pixel size: the patch path's own pixels when its scale is 1.
  return { image: prepared, density: as(settings.workingScale === 1 ? patchPath : resampled(1), settings.density.normalise) };
}

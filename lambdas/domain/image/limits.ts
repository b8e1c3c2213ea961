import { MmdoError } from '../errors.js';

/**
 * The smallest image side inspected, in pixels. Smaller images have no patch whose centre lies inside them at the
 * backbones' strides (1×1 and 2×2 ended in `no patch scores`) and nothing to measure: they are refused with
 * `image_too_small` (422). Applies to the image as decoded and as resampled to the profile's pixel size.
 */
export const MIN_IMAGE_SIDE = 32;

/** `image_too_small` (422) when either side is under MIN_IMAGE_SIDE; `what` names the image (decoded, resampled). */
export function assertLargeEnough(width: number, height: number, what = 'The image'): void {
  if (width >= MIN_IMAGE_SIDE && height >= MIN_IMAGE_SIDE) return;
  throw new MmdoError(
    'image_too_small',
    `${what} is ${width} x ${height} px; MM-DO inspects images of at least ${MIN_IMAGE_SIDE} x ${MIN_IMAGE_SIDE} px.`,
    422,
    { width, height, minSide: MIN_IMAGE_SIDE },
  );
}

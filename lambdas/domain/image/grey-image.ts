/**
 * The pipeline's one image type: a single-channel raster, row-major, float intensities.
 * Decoders scale the source range to 0..1 (8 and 16 bit alike), so every later stage is bit-depth agnostic.
 */
export interface GreyImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** An 8-bit RGBA raster (heatmaps, overlays) that an encoder adapter turns into PNG. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

export function createGreyImage(width: number, height: number, data?: Float32Array): GreyImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  const pixels = data ?? new Float32Array(width * height);
  if (pixels.length !== width * height) {
    throw new RangeError(`image data has ${pixels.length} values, expected ${width * height}`);
  }
  return { width, height, data: pixels };
}

import { createGreyImage, type GreyImage } from './grey-image.js';
import { reflectIndex } from './reflect.js';

export interface PaddedImage {
  readonly image: GreyImage;
  /** The original size: crop the top-left width×height of anything computed on the padded image. */
  readonly width: number;
  readonly height: number;
}

/** Pad right and bottom by reflection up to the next multiple of `multiple` (e.g. a backbone's stride). */
export function padToMultiple(image: GreyImage, multiple: number): PaddedImage {
  if (!Number.isInteger(multiple) || multiple < 1) throw new RangeError(`pad multiple must be a positive integer, got ${multiple}`);
  const w = Math.ceil(image.width / multiple) * multiple;
  const h = Math.ceil(image.height / multiple) * multiple;
  return { image: reflectPad(image, w, h), width: image.width, height: image.height };
}

/** Extend an image to width×height (right and bottom) by mirroring; a no-op copy when already that size. */
export function reflectPad(image: GreyImage, width: number, height: number): GreyImage {
  return cropReflect(image, 0, 0, width, height);
}

/** The width×height window at (x, y); parts outside the image are mirrored back in. */
export function cropReflect(image: GreyImage, x: number, y: number, width: number, height: number): GreyImage {
  const out = new Float32Array(width * height);
  const { data } = image;
  const iw = image.width;
  // Columns [inStart, inEnd) of the window lie inside the image and are copied as one run per row; the others are
  // mirrored through a column table worked out once (the same for every row).
  const inStart = Math.min(width, Math.max(0, -x));
  const inEnd = Math.max(inStart, Math.min(width, iw - x));
  const mirrored = inEnd - inStart < width;
  const columns = mirrored ? new Int32Array(width) : undefined;
  if (columns) for (let i = 0; i < width; i++) columns[i] = reflectIndex(x + i, iw);
  for (let j = 0; j < height; j++) {
    const src = reflectIndex(y + j, image.height) * iw;
    const dst = j * width;
    if (inEnd > inStart) out.set(data.subarray(src + x + inStart, src + x + inEnd), dst + inStart);
    if (columns) {
      for (let i = 0; i < inStart; i++) out[dst + i] = data[src + columns[i]!]!;
      for (let i = inEnd; i < width; i++) out[dst + i] = data[src + columns[i]!]!;
    }
  }
  return createGreyImage(width, height, out);
}

/** The top-left width×height of an image (undoes padToMultiple on anything at the padded resolution). */
export function crop(image: GreyImage, width: number, height: number): GreyImage {
  if (width > image.width || height > image.height) throw new RangeError(`cannot crop ${image.width}x${image.height} to ${width}x${height}`);
  return cropReflect(image, 0, 0, width, height);
}

import type { GreyImage, RgbaImage } from '../image/grey-image.js';
import { INFERNO, lutIndex } from '../render/colormap.js';

/**
 * The grey image with the anomaly map blended over it: map values from `low` to `high` run through the reports'
 * colour map (inferno),
 * with opacity growing with the value so normal areas stay readable. Map and image share a size.
 */
export function heatmapOverlay(image: GreyImage, map: GreyImage, low: number, high: number): RgbaImage {
  if (image.width !== map.width || image.height !== map.height) throw new RangeError('image and map sizes differ');
  const out = new Uint8ClampedArray(image.width * image.height * 4);
  const span = high > low ? high - low : 1;
  for (let i = 0; i < map.data.length; i++) {
    const t = Math.min(1, Math.max(0, (map.data[i]! - low) / span));
    const k = lutIndex(map.data[i]!, low, low + span) * 3;
    const [r, g, b] = [INFERNO[k]!, INFERNO[k + 1]!, INFERNO[k + 2]!];
    const grey = Math.min(255, Math.max(0, image.data[i]! * 255));
    const alpha = 0.25 + 0.5 * t;
    out[i * 4] = grey * (1 - alpha) + r * alpha;
    out[i * 4 + 1] = grey * (1 - alpha) + g * alpha;
    out[i * 4 + 2] = grey * (1 - alpha) + b * alpha;
    out[i * 4 + 3] = 255;
  }
  return { width: image.width, height: image.height, data: out };
}

/** The grey image with the ground-truth mask tinted red. Mask and image share a size. */
export function maskOverlay(image: GreyImage, mask: Uint8Array): RgbaImage {
  if (mask.length !== image.data.length) throw new RangeError('image and mask sizes differ');
  const out = new Uint8ClampedArray(image.data.length * 4);
  for (let i = 0; i < mask.length; i++) {
    const grey = Math.min(255, Math.max(0, image.data[i]! * 255));
    out[i * 4] = mask[i] ? 0.4 * grey + 153 : grey;
    out[i * 4 + 1] = mask[i] ? 0.4 * grey : grey;
    out[i * 4 + 2] = mask[i] ? 0.4 * grey : grey;
    out[i * 4 + 3] = 255;
  }
  return { width: image.width, height: image.height, data: out };
}

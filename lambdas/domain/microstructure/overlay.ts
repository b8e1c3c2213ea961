import type { GreyImage, RgbaImage } from '../image/grey-image.js';
import type { MicrostructureMaps } from './metrics.js';
import { PHASE_CODE, type Segmentation } from './segmentation.js';

type Rgb = readonly [number, number, number];

/** Overlay colours: phases as translucent tints over the micrograph, defects opaque on top. */
export const OVERLAY_COLOURS = {
  sulfur: [255, 210, 0] as Rgb,
  pore: [40, 110, 255] as Rgb,
  crack: [255, 30, 30] as Rgb,
  void: [255, 0, 220] as Rgb,
  agglomerate: [0, 230, 90] as Rgb,
  inclusion: [255, 120, 0] as Rgb,
} as const;

const TINT = 0.4;

export function renderPhaseOverlay(image: GreyImage, segmentation: Segmentation, maps: MicrostructureMaps): RgbaImage {
  const n = image.width * image.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const g = Math.round(Math.min(1, Math.max(0, image.data[i]!)) * 255);
    let colour: Rgb | null = null;
    let alpha = TINT;
    if (maps.crackPixels[i]) [colour, alpha] = [OVERLAY_COLOURS.crack, 0.85];
    else if (maps.inclusionPixels[i]) [colour, alpha] = [OVERLAY_COLOURS.inclusion, 0.7];
    else if (maps.voidPixels[i]) [colour, alpha] = [OVERLAY_COLOURS.void, 0.55];
    else if (maps.agglomeratePixels[i]) [colour, alpha] = [OVERLAY_COLOURS.agglomerate, 0.55];
    else if (segmentation.phases[i] === PHASE_CODE.sulfur) colour = OVERLAY_COLOURS.sulfur;
    else if (segmentation.phases[i] === PHASE_CODE.pore) colour = OVERLAY_COLOURS.pore;
    const o = 4 * i;
    if (colour) {
      out[o] = g + (colour[0] - g) * alpha;
      out[o + 1] = g + (colour[1] - g) * alpha;
      out[o + 2] = g + (colour[2] - g) * alpha;
    } else {
      out[o] = g;
      out[o + 1] = g;
      out[o + 2] = g;
    }
    out[o + 3] = 255;
  }
  return { width: image.width, height: image.height, data: out };
}

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

/** Colour table indexed by class code (0 = none); kept flat so the pixel loop allocates nothing. */
const CLASSES: readonly { colour: Rgb; alpha: number }[] = [
  { colour: [0, 0, 0], alpha: 0 },
  { colour: OVERLAY_COLOURS.crack, alpha: 0.85 },
  { colour: OVERLAY_COLOURS.inclusion, alpha: 0.7 },
  { colour: OVERLAY_COLOURS.void, alpha: 0.55 },
  { colour: OVERLAY_COLOURS.agglomerate, alpha: 0.55 },
  { colour: OVERLAY_COLOURS.sulfur, alpha: TINT },
  { colour: OVERLAY_COLOURS.pore, alpha: TINT },
];

export function renderPhaseOverlay(image: GreyImage, segmentation: Segmentation, maps: MicrostructureMaps): RgbaImage {
  const n = image.width * image.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const g = Math.round(Math.min(1, Math.max(0, image.data[i]!)) * 255);
    const phase = segmentation.phases[i];
    // Defects first, then phases: the first match wins.
    const code = maps.crackPixels[i]
      ? 1
      : maps.inclusionPixels[i]
        ? 2
        : maps.voidPixels[i]
          ? 3
          : maps.agglomeratePixels[i]
            ? 4
            : phase === PHASE_CODE.sulfur
              ? 5
              : phase === PHASE_CODE.pore
                ? 6
                : 0;
    const o = 4 * i;
    if (code === 0) {
      out[o] = g;
      out[o + 1] = g;
      out[o + 2] = g;
    } else {
      const { colour, alpha } = CLASSES[code]!;
      out[o] = g + (colour[0] - g) * alpha;
      out[o + 1] = g + (colour[1] - g) * alpha;
      out[o + 2] = g + (colour[2] - g) * alpha;
    }
    out[o + 3] = 255;
  }
  return { width: image.width, height: image.height, data: out };
}

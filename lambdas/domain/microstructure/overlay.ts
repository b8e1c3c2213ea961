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

/**
 * Every (class, grey level) pair's RGBA pixel, computed once with the same arithmetic as a pixel-by-pixel blend
 * (Uint8ClampedArray rounding included) and read as one 32-bit word per pixel: the same image, about 3× faster.
 */
const PIXELS: Uint32Array = (() => {
  const bytes = new Uint8ClampedArray(CLASSES.length * 256 * 4);
  CLASSES.forEach(({ colour, alpha }, code) => {
    for (let g = 0; g < 256; g++) {
      const o = (code * 256 + g) * 4;
      if (code === 0) {
        bytes[o] = g;
        bytes[o + 1] = g;
        bytes[o + 2] = g;
      } else {
        bytes[o] = g + (colour[0] - g) * alpha;
        bytes[o + 1] = g + (colour[1] - g) * alpha;
        bytes[o + 2] = g + (colour[2] - g) * alpha;
      }
      bytes[o + 3] = 255;
    }
  });
  return new Uint32Array(bytes.buffer);
})();

export function renderPhaseOverlay(image: GreyImage, segmentation: Segmentation, maps: MicrostructureMaps): RgbaImage {
  const n = image.width * image.height;
  const out = new Uint8ClampedArray(n * 4);
  const words = new Uint32Array(out.buffer);
  const { crackPixels, inclusionPixels, voidPixels, agglomeratePixels } = maps;
  const { phases } = segmentation;
  const data = image.data;
  // Class code of a pixel with no defect, by phase code.
  const phaseClass = new Int32Array(256);
  phaseClass[PHASE_CODE.sulfur] = 5;
  phaseClass[PHASE_CODE.pore] = 6;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    // Math.round(clamp(v, 0, 1) · 255): v · 255 is exact in a double (a float32 times 255), so adding 0.5 and
    // truncating rounds the same way.
    const g = v >= 1 ? 255 : v > 0 ? (v * 255 + 0.5) | 0 : v <= 0 ? 0 : -1;
    // Defects first, then phases: the first match wins.
    const code = (crackPixels[i]! | inclusionPixels[i]! | voidPixels[i]! | agglomeratePixels[i]!) === 0
      ? phaseClass[phases[i]!]!
      : crackPixels[i]
        ? 1
        : inclusionPixels[i]
          ? 2
          : voidPixels[i]
            ? 3
            : 4;
    words[i] = g < 0 ? 0xff000000 : PIXELS[code * 256 + g]!; // a NaN sample: opaque black, as before
  }
  return { width: image.width, height: image.height, data: out };
}

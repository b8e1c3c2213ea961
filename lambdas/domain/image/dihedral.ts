import { createGreyImage, type GreyImage } from './grey-image.js';

/**
 * The eight symmetries of the square (rotations by 0/90/180/270° and their mirror images), for test-time
 * augmentation: transform t = rotation (t mod 4 quarter turns, counter-clockwise) after an optional horizontal
 * flip (t ≥ 4). Averaging features or scores over them makes image-level statistics independent of orientation,
 * which suits surfaces and micrographs whose texture has no preferred direction (a profile setting: 1, 2, 4 or 8).
 * Transforms 0–3 are inverted by 4 − t (mod 4); the mirrored ones (4–7) are their own inverse.
 */
export const DIHEDRAL_TRANSFORMS = 8;

/** The image under transform t (0 = identity). Odd rotations swap width and height. */
export function dihedral(image: GreyImage, t: number): GreyImage {
  checkTransform(t);
  const { width: w, height: h, data } = image;
  const index = dihedralIndex(w, h, t);
  const out = new Float32Array(w * h);
  for (let i = 0; i < out.length; i++) out[index[i]!] = data[i]!;
  return t % 2 === 1 ? createGreyImage(h, w, out) : createGreyImage(w, h, out);
}

function checkTransform(t: number): void {
  if (!Number.isInteger(t) || t < 0 || t >= DIHEDRAL_TRANSFORMS) throw new RangeError(`dihedral transform must be 0..7, got ${t}`);
}

/** For each pixel of a w × h image, its index in dihedral(image, t). */
function dihedralIndex(w: number, h: number, t: number): Int32Array {
  const flip = t >= 4;
  const quarter = t % 4;
  const ow = quarter % 2 === 1 ? h : w;
  const index = new Int32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x0 = 0; x0 < w; x0++) {
      const x = flip ? w - 1 - x0 : x0;
      let ox: number;
      let oy: number;
      switch (quarter) {
        case 0: ox = x; oy = y; break;
        case 1: ox = y; oy = w - 1 - x; break;
        case 2: ox = w - 1 - x; oy = h - 1 - y; break;
        default: ox = h - 1 - y; oy = x; break;
      }
      index[y * w + x0] = oy * ow + ox;
    }
  }
  return index;
}

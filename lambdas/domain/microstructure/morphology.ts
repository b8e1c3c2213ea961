import { labelComponents } from './components.js';

/**
 * Binary morphology on 0/1 masks with square structuring elements, done separably (row pass, column pass). Outside the image counts as background for dilation
 * and as foreground for erosion, so shapes touching the border are not eaten from the outside.
 */
export function erode(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return separable(mask, width, height, radius, true);
}

export function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return separable(mask, width, height, radius, false);
}

export function open(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return dilate(erode(mask, width, height, radius), width, height, radius);
}

export function close(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return erode(dilate(mask, width, height, radius), width, height, radius);
}

/**
 * One pass per axis with a sliding count of background pixels in the window: O(1) per pixel whatever the radius.
 * Erosion keeps a pixel when its window holds no background; dilation sets it when the window holds any foreground.
 */
function separable(mask: Uint8Array, width: number, height: number, radius: number, isErosion: boolean): Uint8Array {
  if (radius <= 0) return Uint8Array.from(mask);
  const tmp = new Uint8Array(mask.length);
  const out = new Uint8Array(mask.length);
  slide(mask, tmp, width, height, 1, width, radius, isErosion);
  slide(tmp, out, height, width, width, 1, radius, isErosion);
  return out;
}

/**
 * Runs the window along `length` pixels (step `step`) for each of `lines` lines (line start = line * lineStride).
 * Outside the image counts as foreground for erosion and background for dilation.
 */
function slide(src: Uint8Array, dst: Uint8Array, length: number, lines: number, step: number, lineStride: number, radius: number, isErosion: boolean): void {
  for (let line = 0; line < lines; line++) {
    const base = line * lineStride;
    // `hits` counts background pixels (erosion) or foreground pixels (dilation) inside the window.
    let hits = 0;
    const hit = (i: number): number => (isErosion ? (src[base + i * step] ? 0 : 1) : src[base + i * step] ? 1 : 0);
    for (let i = 0; i <= Math.min(radius, length - 1); i++) hits += hit(i);
    for (let i = 0; i < length; i++) {
      dst[base + i * step] = isErosion ? (hits === 0 ? 1 : 0) : hits > 0 ? 1 : 0;
      const enter = i + radius + 1;
      const leave = i - radius;
      if (enter < length) hits += hit(enter);
      if (leave >= 0) hits -= hit(leave);
    }
  }
}

/** Drops 8-connected components smaller than minArea pixels. */
export function removeSmallComponents(mask: Uint8Array, width: number, height: number, minArea: number): Uint8Array {
  const { labels, count } = labelComponents(mask, width, height);
  const area = new Int32Array(count + 1);
  for (let i = 0; i < labels.length; i++) area[labels[i]!]!++;
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l !== 0 && area[l]! >= minArea) out[i] = 1;
  }
  return out;
}

/**
 * Zhang-Suen thinning to a one-pixel-wide 8-connected skeleton. Works on the given mask in place-free fashion
 * (returns a new mask); callers crop to a component's bounding box first, so it stays cheap.
 */
export function skeletonize(mask: Uint8Array, width: number, height: number): Uint8Array {
  const img = Uint8Array.from(mask);
  const toClear: number[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (let pass = 0; pass < 2; pass++) {
      toClear.length = 0;
      for (let y = 1; y < height - 1; y++) {
        for (let x = 1; x < width - 1; x++) {
          const p = y * width + x;
          if (!img[p]) continue;
          const p2 = img[p - width]!;
          const p3 = img[p - width + 1]!;
          const p4 = img[p + 1]!;
          const p5 = img[p + width + 1]!;
          const p6 = img[p + width]!;
          const p7 = img[p + width - 1]!;
          const p8 = img[p - 1]!;
          const p9 = img[p - width - 1]!;
          const b = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9;
          if (b < 2 || b > 6) continue;
          const a =
            (+(!p2 && p3) as number) + +(!p3 && p4) + +(!p4 && p5) + +(!p5 && p6) + +(!p6 && p7) + +(!p7 && p8) + +(!p8 && p9) + +(!p9 && p2);
          if (a !== 1) continue;
          if (pass === 0 ? p2 * p4 * p6 === 0 && p4 * p6 * p8 === 0 : p2 * p4 * p8 === 0 && p2 * p6 * p8 === 0) toClear.push(p);
        }
      }
      for (const p of toClear) img[p] = 0;
      if (toClear.length > 0) changed = true;
    }
  }
  return img;
}

import { labelComponents, type ComponentLabels } from './components.js';

/**
 * Binary morphology on 0/1 masks with square structuring elements (side 2·radius + 1), done separably.
 * Outside the image counts as background for dilation and as foreground for erosion, so shapes touching the border
 * are not eaten from the outside.
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

/**
 * One pass per axis with sliding counts: O(1) per pixel whatever the radius. `hits` counts background pixels in the
 * window for erosion (keep when 0) and foreground pixels for dilation (set when > 0). Outside the image counts as
 * foreground for erosion and as background for dilation, so neither adds hits. The column pass walks rows with one
 * counter per column, which keeps memory access sequential.
 */
function separable(mask: Uint8Array, width: number, height: number, radius: number, isErosion: boolean): Uint8Array {
  if (radius <= 0) return Uint8Array.from(mask);
  const hitValue = isErosion ? 0 : 1;
  const tmp = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let hits = 0;
    for (let x = 0; x <= Math.min(radius, width - 1); x++) if (mask[row + x] === hitValue) hits++;
    for (let x = 0; x < width; x++) {
      tmp[row + x] = isErosion ? (hits === 0 ? 1 : 0) : hits > 0 ? 1 : 0;
      const enter = x + radius + 1;
      const leave = x - radius;
      if (enter < width && mask[row + enter] === hitValue) hits++;
      if (leave >= 0 && mask[row + leave] === hitValue) hits--;
    }
  }
  const out = new Uint8Array(mask.length);
  const counts = new Int32Array(width);
  for (let y = 0; y <= Math.min(radius, height - 1); y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) if (tmp[row + x] === hitValue) counts[x]!++;
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) out[row + x] = isErosion ? (counts[x] === 0 ? 1 : 0) : counts[x]! > 0 ? 1 : 0;
    const enter = y + radius + 1;
    const leave = y - radius;
    if (enter < height) {
      const r = enter * width;
      for (let x = 0; x < width; x++) if (tmp[r + x] === hitValue) counts[x]!++;
    }
    if (leave >= 0) {
      const r = leave * width;
      for (let x = 0; x < width; x++) if (tmp[r + x] === hitValue) counts[x]!--;
    }
  }
  return out;
}

/** 8-connected components of at least minArea pixels, relabelled 1..count in raster order. */
export function keepLargeComponents(mask: Uint8Array, width: number, height: number, minArea: number): ComponentLabels {
  const { labels, count } = labelComponents(mask, width, height);
  const area = new Int32Array(count + 1);
  for (let i = 0; i < labels.length; i++) area[labels[i]!]!++;
  const remap = new Int32Array(count + 1);
  let kept = 0;
  for (let l = 1; l <= count; l++) if (area[l]! >= minArea) remap[l] = ++kept;
  for (let i = 0; i < labels.length; i++) labels[i] = remap[labels[i]!]!;
  return { labels, count: kept };
}

/**
 * Zhang-Suen thinning to a one-pixel-wide 8-connected skeleton, returned as a new mask (the input is untouched).
 * Callers crop to a component's bounding box (with a 1 px empty frame) first, so it stays cheap.
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

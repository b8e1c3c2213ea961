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
 * One pass per axis: a pixel is hit when it equals `hitValue` (background for erosion, foreground for dilation);
 * the horizontal pass marks pixels with a hit within `radius` along the row, the vertical pass those with a marked
 * pixel within `radius` along the column; erosion keeps the pixels with no hit, dilation sets those with one.
 * Outside the image never hits (foreground for erosion, background for dilation), so shapes touching the border are
 * not eaten from the outside. Both passes are O(1) per pixel whatever the radius (sliding counts over a zero-padded
 * row, one counter per column for the vertical pass, rows in order).
 */
function separable(mask: Uint8Array, width: number, height: number, radius: number, isErosion: boolean): Uint8Array {
  if (radius <= 0) return Uint8Array.from(mask);
  const hitValue = isErosion ? 0 : 1;
  // tmp: 1 where the row window holds a hit.
  const tmp = new Uint8Array(mask.length);
  const padded = new Uint8Array(width + 2 * radius + 1);
  for (let y = 0; y < height; y++) rowHits(mask, tmp, y * width, width, radius, hitValue, padded);
  const out = new Uint8Array(mask.length);
  const counts = new Int32Array(width);
  const keep = isErosion ? 0 : 1; // output where the window holds a hit
  for (let y = 0; y <= Math.min(radius, height - 1); y++) addRow(counts, tmp, y * width, width, 1);
  for (let y = 0; y < height; y++) {
    columnRow(counts, out, y * width, width, keep);
    const enter = y + radius + 1;
    const leave = y - radius;
    if (enter < height) addRow(counts, tmp, enter * width, width, 1);
    if (leave >= 0) addRow(counts, tmp, leave * width, width, -1);
  }
  return out;
}

/** One row of the horizontal pass: tmp = 1 where [x − radius, x + radius] holds a hit (outside the row never hits). */
function rowHits(mask: Uint8Array, tmp: Uint8Array, row: number, width: number, radius: number, hitValue: number, padded: Uint8Array): void {
  // padded[radius + x] = hit at x; zeros beyond both ends (and one extra slot for the last step's `enter`).
  for (let x = 0; x < width; x++) padded[radius + x] = mask[row + x] === hitValue ? 1 : 0;
  let hits = 0;
  for (let k = radius; k <= 2 * radius; k++) hits += padded[k]!; // window of x = 0: [−radius, radius]
  const span = 2 * radius + 1;
  for (let x = 0; x < width; x++) {
    tmp[row + x] = hits > 0 ? 1 : 0;
    hits += padded[x + span]! - padded[x]!;
  }
}

function addRow(counts: Int32Array, tmp: Uint8Array, row: number, width: number, sign: number): void {
  for (let x = 0; x < width; x++) counts[x] = counts[x]! + sign * tmp[row + x]!;
}

/** One output row: `keep` where the column window holds a marked pixel, else 1 − keep. */
function columnRow(counts: Int32Array, out: Uint8Array, row: number, width: number, keep: number): void {
  const other = 1 - keep;
  for (let x = 0; x < width; x++) out[row + x] = counts[x]! > 0 ? keep : other;
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

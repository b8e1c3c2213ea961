import { KEPT_BUFFER_LIMIT, keptBuffer } from '../arrays.js';
import { labelComponentsWithAreas, type ComponentLabels } from './components.js';

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
  // The eroded mask only feeds the dilation: it goes into scratch kept between calls (small masks).
  const eroded = radius > 0 && radius <= MAX_WORD_RADIUS && LITTLE_ENDIAN && mask.length <= KEPT_BUFFER_LIMIT
    ? separableWords(mask, width, height, radius, 0, true, openScratch(mask.length))
    : erode(mask, width, height, radius);
  return dilate(eroded, width, height, radius);
}

const openScratch = keptBuffer((n) => new Uint8Array(n));

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
  if (radius <= MAX_WORD_RADIUS && LITTLE_ENDIAN) return separableWords(mask, width, height, radius, hitValue, isErosion);
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

/** Radii up to this are done four pixels at a time (a byte per pixel in 32-bit words: shifts reach 3 bytes). */
const MAX_WORD_RADIUS = 3;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * `separable` for radius ≤ 3, four pixels per operation: every pixel is a byte (1 = hit) of a 32-bit word, rows
 * padded to whole words with zero (never-hit) bytes around them. Along the row, a window's hits are the OR of the
 * words shifted by 1..radius bytes either way (bytes shifted in from the neighbouring words); down the columns, the
 * OR of the 2·radius + 1 rows' words (clipped at the image edges). Erosion keeps the pixels with no hit (byte XOR 1).
 * The same masks as the sliding counts, since "count > 0" is "any hit".
 */
function separableWords(
  mask: Uint8Array, width: number, height: number, radius: number, hitValue: number, isErosion: boolean, out: Uint8Array = new Uint8Array(mask.length),
): Uint8Array {
  const words = (width + 3) >>> 2;
  // One row of hits with a zero word before and after: word k + 1 holds pixels 4k..4k+3.
  const hitRow = new Uint32Array(words + 2);
  const hitBytes = new Uint8Array(hitRow.buffer);
  const tmp = wordScratch(words * height); // every word written by the row pass before the column pass reads it
  // Whole rows of whole words (width a multiple of 4, the mask 4-byte aligned): hits tested four bytes at a time.
  const whole = (width & 3) === 0 && mask.length === width * height;
  const aligned = whole && (mask.byteOffset & 3) === 0;
  const maskWords = aligned ? new Uint32Array(mask.buffer, mask.byteOffset, mask.length >>> 2) : undefined;
  for (let y = 0; y < height; y++) {
    if (maskWords) rowWordHits(maskWords, hitRow, y * words, words, hitValue);
    else rowBytes(mask, hitBytes, y * width, width, hitValue);
    rowWindow(hitRow, tmp, y * words, words, radius);
  }
  const outWords = whole ? new Uint32Array(out.buffer, out.byteOffset, out.length >>> 2) : undefined;
  const rowBuffer = new Uint32Array(words);
  const outBytes = new Uint8Array(rowBuffer.buffer, 0, width);
  const flip = isErosion ? 0x01010101 : 0;
  for (let y = 0; y < height; y++) {
    const lo = y - radius < 0 ? 0 : y - radius;
    const hi = y + radius >= height ? height - 1 : y + radius;
    if (outWords) columnWindow(tmp, outWords, y * words, lo, hi, words, flip);
    else {
      columnWindow(tmp, rowBuffer, 0, lo, hi, words, flip);
      const room = out.length - y * width; // short only for a mask shorter than width × height
      if (room >= width) out.set(outBytes, y * width);
      else if (room > 0) out.set(outBytes.subarray(0, room), y * width);
    }
  }
  return out;
}

/**
 * Four pixels' hits from one word of the mask: a byte equal to hitValue becomes 1, any other 0 (XOR with hitValue
 * in every byte, then the exact zero-byte test: a byte's top bit of ((x & 0x7f) + 0x7f) | x is set iff x ≠ 0).
 */
function rowWordHits(maskWords: Uint32Array, hitRow: Uint32Array, at: number, words: number, hitValue: number): void {
  const spread = hitValue * 0x01010101;
  for (let k = 0; k < words; k++) {
    const x = maskWords[at + k]! ^ spread;
    const t = ((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x;
    hitRow[k + 1] = (~t & 0x80808080) >>> 7;
  }
}

/** separableWords' row-pass output, kept between calls for masks up to 512 Ki words (2 Mi pixels). */
const wordScratch = keptBuffer((n) => new Uint32Array(n), 1 << 19);

/** hitBytes[4 + x] = 1 where the row's pixel equals hitValue (the bytes past the row stay 0). */
function rowBytes(mask: Uint8Array, hitBytes: Uint8Array, row: number, width: number, hitValue: number): void {
  for (let x = 0; x < width; x++) hitBytes[4 + x] = mask[row + x] === hitValue ? 1 : 0;
}

/** One row's horizontal windows: the OR of the row shifted by 1..radius pixels both ways, a word at a time. */
function rowWindow(hitRow: Uint32Array, tmp: Uint32Array, at: number, words: number, radius: number): void {
  for (let k = 1; k <= words; k++) {
    const prev = hitRow[k - 1]!;
    const cur = hitRow[k]!;
    const next = hitRow[k + 1]!;
    // Little endian: pixel x + 1 is the next byte up, so `cur << 8` puts pixel x − 1 at x.
    let any = cur | (cur << 8) | (prev >>> 24) | (cur >>> 8) | (next << 24);
    if (radius >= 2) any |= (cur << 16) | (prev >>> 16) | (cur >>> 16) | (next << 16);
    if (radius >= 3) any |= (cur << 24) | (prev >>> 8) | (cur >>> 24) | (next << 8);
    tmp[at + k - 1] = any;
  }
}

/** One output row at `at` of `out`: the OR of tmp's rows lo..hi, XOR `flip` (with the last row); row by row, each a sequential sweep. */
function columnWindow(tmp: Uint32Array, out: Uint32Array, at: number, lo: number, hi: number, words: number, flip: number): void {
  const first = lo * words;
  if (lo === hi) {
    for (let k = 0; k < words; k++) out[at + k] = tmp[first + k]! ^ flip;
    return;
  }
  for (let k = 0; k < words; k++) out[at + k] = tmp[first + k]!;
  for (let r = lo + 1; r < hi; r++) {
    const row = r * words;
    for (let k = 0; k < words; k++) out[at + k] |= tmp[row + k]!;
  }
  const last = hi * words;
  for (let k = 0; k < words; k++) out[at + k] = (out[at + k]! | tmp[last + k]!) ^ flip;
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
  const { labels, count, areas: area } = labelComponentsWithAreas(mask, width, height);
  const remap = new Int32Array(count + 1);
  let kept = 0;
  for (let l = 1; l <= count; l++) if (area[l]! >= minArea) remap[l] = ++kept;
  // Every component kept: the ids stay as they are.
  if (kept < count) relabel(labels, remap);
  return { labels, count: kept };
}

function relabel(labels: Int32Array, remap: Int32Array): void {
  for (let i = 0; i < labels.length; i++) labels[i] = remap[labels[i]!]!;
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

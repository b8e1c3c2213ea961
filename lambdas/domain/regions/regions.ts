import { keptBuffer } from '../arrays.js';
import { labelComponents } from '../microstructure/components.js';
import type { Region } from '../report/report.js';

export interface RegionOptions {
  /** Pixel score above which a pixel is anomalous (the calibration's pixelThreshold). */
  readonly threshold: number;
  /** Components smaller than this many pixels are dropped (speckle). */
  readonly minAreaPx?: number;
  /** Micrometres per pixel, when known: adds areaUm2. */
  readonly pixelSizeUm?: number | null;
}

export interface RegionResult {
  /** Kept regions, highest peak first; `id` is the position in this list. */
  readonly regions: Region[];
  /** Per pixel: region id + 1, or 0 outside every kept region (for drawing outlines). */
  readonly labels: Int32Array;
}

export const DEFAULT_MIN_AREA_PX = 16;

/**
 * Anomalous regions: 8-connected components of the pixels of `map` strictly above the threshold, each with its
 * bounding box, area (px, and µm² when the pixel size is known), peak and mean score and centroid.
 * One flood fill per component with an explicit stack (no recursion, no per-pixel allocation).
 */
export function findRegions(
  map: { readonly width: number; readonly height: number; readonly data: Float32Array },
  options: RegionOptions,
): RegionResult {
  const { width, height, data } = map;
  const minArea = options.minAreaPx ?? DEFAULT_MIN_AREA_PX;
  const threshold = options.threshold;
  const pixelSize = options.pixelSizeUm;
  const found: (Omit<Region, 'id'> & { label: number })[] = [];
  const region = (label: number, area: number, sum: number, peak: number, sx: number, sy: number, minX: number, minY: number, maxX: number, maxY: number) => {
    found.push({
      label,
      bbox: { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 },
      areaPx: area,
      ...(pixelSize ? { areaUm2: area * pixelSize * pixelSize } : {}),
      peakScore: peak,
      meanScore: sum / area,
      centroid: { x: sx / area, y: sy / area },
    });
  };
  // Fast path: two-pass labelling and sums per row run, usable when every kept region's score sum is exact in any
  // order (see orderFreeSums); otherwise the flood fill, whose pop order fixes the order of the additions.
  let raw: Int32Array;
  let label: number;
  const scanned = scanRegions(width, height, data, threshold);
  if (scanned && orderFreeSums(scanned, minArea)) {
    raw = scanned.labels;
    label = scanned.count;
    const st = scanned.stats;
    for (let l = 1; l <= label; l++) {
      const o = l * STATS;
      if (st[o + AREA]! < minArea) continue;
      region(l, st[o + AREA]!, st[o + SUM]!, st[o + PEAK]!, st[o + SX]!, st[o + SY]!, st[o + MIN_X]!, st[o + MIN_Y]!, st[o + MAX_X]!, st[o + MAX_Y]!);
    }
  } else {
    raw = new Int32Array(width * height); // provisional component number + 1
    const stack = stackScratch[0]!(width * height);
    const rows = stackScratch[1]!(width * height); // each stacked pixel's row (no division per pixel)
    const stats = new Float64Array(STATS);
    label = 0;
    for (let start = 0; start < data.length; start++) {
      if (raw[start] !== 0 || !(data[start]! > threshold)) continue;
      label++;
      flood(start, label, width, height, threshold, data, raw, stack, rows, stats);
      if (stats[AREA]! < minArea) continue;
      region(label, stats[AREA]!, stats[SUM]!, stats[PEAK]!, stats[SX]!, stats[SY]!, stats[MIN_X]!, stats[MIN_Y]!, stats[MAX_X]!, stats[MAX_Y]!);
    }
  }
  found.sort((a, b) => b.peakScore - a.peakScore);
  const idOf = new Int32Array(label + 1); // provisional label -> kept id + 1
  const regions: Region[] = found.map(({ label: l, ...rest }, id) => {
    idOf[l] = id + 1;
    return { id, ...rest };
  });
  const labels = raw;
  for (let i = 0; i < labels.length; i++) labels[i] = idOf[labels[i]];
  return { regions, labels };
}

/** 1 where a pixel lies in a kept region (findRegions' labels), else 0. */
export function regionMask(labels: Int32Array): Uint8Array {
  const mask = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0) mask[i] = 1;
  return mask;
}

interface ScannedRegions {
  /** 8-connected components of the pixels above the threshold, numbered in raster order of their first pixel (the flood fill's order). */
  readonly labels: Int32Array;
  readonly count: number;
  /** Per label l, STATS values from l · STATS (slot 0 unused), plus the smallest non-zero and largest |score|. */
  readonly stats: Float64Array;
}

/** Components by two-pass labelling, then area, score sum and peak, coordinate sums and bbox per label, a row run at a time. */
function scanRegions(width: number, height: number, data: Float32Array, threshold: number): ScannedRegions | undefined {
  const n = width * height;
  if (data.length !== n) return undefined;
  const mask = maskScratch(n);
  for (let i = 0; i < n; i++) mask[i] = data[i]! > threshold ? 1 : 0;
  const { labels, count } = labelComponents(mask, width, height, 8);
  const stats = new Float64Array((count + 1) * STATS);
  for (let l = 1; l <= count; l++) {
    const o = l * STATS;
    stats[o + PEAK] = -Infinity;
    stats[o + MIN_X] = width;
    stats[o + MIN_Y] = height;
    stats[o + MAX_X] = -1;
    stats[o + MAX_Y] = -1;
    stats[o + MIN_ABS] = Infinity;
  }
  for (let y = 0; y < height; y++) scanRow(labels, data, y, width, stats);
  return { labels, count, stats };
}

function scanRow(labels: Int32Array, data: Float32Array, y: number, width: number, stats: Float64Array): void {
  const row = y * width;
  let x = 0;
  while (x < width) {
    const l = labels[row + x]!;
    if (l === 0) {
      x++;
      continue;
    }
    const x0 = x;
    let sum = 0, peak = -Infinity, minAbs = Infinity, maxAbs = 0;
    for (; x < width && labels[row + x] === l; x++) {
      const v = data[row + x]!;
      sum += v;
      if (v > peak) peak = v;
      const a = v < 0 ? -v : v;
      if (a > maxAbs) maxAbs = a;
      if (a !== 0 && a < minAbs) minAbs = a;
    }
    const x1 = x - 1;
    const count = x - x0;
    const o = l * STATS;
    stats[o + AREA]! += count;
    stats[o + SUM]! += sum;
    if (peak > stats[o + PEAK]!) stats[o + PEAK] = peak;
    stats[o + SX]! += ((x0 + x1) * count) / 2;
    stats[o + SY]! += y * count;
    if (x0 < stats[o + MIN_X]!) stats[o + MIN_X] = x0;
    if (x1 > stats[o + MAX_X]!) stats[o + MAX_X] = x1;
    if (y < stats[o + MIN_Y]!) stats[o + MIN_Y] = y;
    if (y > stats[o + MAX_Y]!) stats[o + MAX_Y] = y;
    if (minAbs < stats[o + MIN_ABS]!) stats[o + MIN_ABS] = minAbs;
    if (maxAbs > stats[o + MAX_ABS]!) stats[o + MAX_ABS] = maxAbs;
  }
}

/**
 * Whether every region of at least minArea pixels has a score sum that no order of addition can change, so the
 * scan's sums equal the flood fill's bit for bit. Float32 scores are all multiples of u, a power of two no larger
 * than the unit in the last place of the smallest non-zero |score| in the region; every partial sum is then a
 * multiple of u no larger than area · max|score|, exactly representable in a double while that is at most 2⁵² u:
 * no addition rounds, in any order. (The anomaly threshold keeps scores well above 0, so this nearly always holds.)
 * A peak of 0 is refused too (+0 and −0 compare equal, so which one a region reports depends on the order).
 */
function orderFreeSums(scanned: ScannedRegions, minArea: number): boolean {
  const st = scanned.stats;
  for (let l = 1; l <= scanned.count; l++) {
    const o = l * STATS;
    const area = st[o + AREA]!;
    if (area < minArea) continue;
    const peak = st[o + PEAK]!;
    const maxAbs = st[o + MAX_ABS]!;
    const minAbs = st[o + MIN_ABS]!;
    if (peak === 0 || !Number.isFinite(maxAbs)) return false;
    if (maxAbs === 0) continue; // all zeros: every partial sum is +0
    // One binary order below the float32 ulp of minAbs (log2 may be a little off at powers of two), subnormals included.
    const exponent = Math.max(Math.floor(Math.log2(minAbs)), -126);
    const u = 2 ** (exponent - 24);
    if (!(area * maxAbs <= 2 ** 52 * u)) return false;
  }
  return true;
}

const maskScratch = keptBuffer((n) => new Uint8Array(n));

/** Slots of flood's statistics. */
const AREA = 0, SUM = 1, PEAK = 2, SX = 3, SY = 4, MIN_X = 5, MIN_Y = 6, MAX_X = 7, MAX_Y = 8, MIN_ABS = 9, MAX_ABS = 10, STATS = 11;

/**
 * One component's flood fill from `start` (labelled `label`), with an explicit stack; its area, score sum and peak,
 * coordinate sums and bbox into `stats`. Pixels leave the stack in the same order as ever (neighbours pushed row by
 * row, left to right), so the double-precision score sum adds in the same order.
 */
function flood(
  start: number, label: number, width: number, height: number, threshold: number,
  data: Float32Array, raw: Int32Array, stack: Int32Array, rows: Int32Array, stats: Float64Array,
): void {
  let top = 0;
  rows[top] = (start / width) | 0;
  stack[top++] = start;
  raw[start] = label;
  let area = 0, sum = 0, peak = -Infinity, sx = 0, sy = 0;
  let minX = width, minY = height, maxX = -1, maxY = -1;
  while (top > 0) {
    const i = stack[--top]!;
    const y = rows[top]!;
    const x = i - y * width;
    const v = data[i]!;
    area++;
    sum += v;
    if (v > peak) peak = v;
    sx += x;
    sy += y;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
    if (x > 0 && x < width - 1 && y > 0 && y < height - 1) top = pushInterior(i, y, width, label, threshold, data, raw, stack, rows, top);
    else top = pushBorder(x, y, width, height, label, threshold, data, raw, stack, rows, top);
  }
  stats[AREA] = area;
  stats[SUM] = sum;
  stats[PEAK] = peak;
  stats[SX] = sx;
  stats[SY] = sy;
  stats[MIN_X] = minX;
  stats[MIN_Y] = minY;
  stats[MAX_X] = maxX;
  stats[MAX_Y] = maxY;
}

/** Pushes the unlabelled above-threshold 8-neighbours of an interior pixel (rows top to bottom, left to right). */
function pushInterior(
  i: number, y: number, width: number, label: number, threshold: number,
  data: Float32Array, raw: Int32Array, stack: Int32Array, rows: Int32Array, top: number,
): number {
  let j = i - width - 1;
  const up = y - 1;
  const down = y + 1;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; rows[top] = up; stack[top++] = j; }
  j++;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; rows[top] = up; stack[top++] = j; }
  j++;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; rows[top] = up; stack[top++] = j; }
  j = i - 1;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; rows[top] = y; stack[top++] = j; }
  j = i + 1;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; rows[top] = y; stack[top++] = j; }
  j = i + width - 1;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; rows[top] = down; stack[top++] = j; }
  j++;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; rows[top] = down; stack[top++] = j; }
  j++;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; rows[top] = down; stack[top++] = j; }
  return top;
}

/** pushInterior for a pixel on the image border: neighbours outside the image are skipped. */
function pushBorder(
  x: number, y: number, width: number, height: number, label: number, threshold: number,
  data: Float32Array, raw: Int32Array, stack: Int32Array, rows: Int32Array, top: number,
): number {
  for (let dy = -1; dy <= 1; dy++) {
    const ny = y + dy;
    if (ny < 0 || ny >= height) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const nx = x + dx;
      if (nx < 0 || nx >= width) continue;
      const j = ny * width + nx;
      if (raw[j] === 0 && data[j]! > threshold) {
        raw[j] = label;
        rows[top] = ny;
        stack[top++] = j;
      }
    }
  }
  return top;
}

/**
 * The flood fill's stacks (pixel and its row; each pixel is pushed at most once, so one slot a pixel), kept between calls for images
 * so that every inspection does not allocate (and the collector reclaim) another one.
 */
const stackScratch = [0, 1].map(() => keptBuffer((n) => new Int32Array(n)));

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
  const raw = new Int32Array(width * height); // provisional component number + 1
  const stack = scratchStack(0, width * height);
  const rows = scratchStack(1, width * height); // each stacked pixel's row (no division per pixel)
  const found: (Omit<Region, 'id'> & { label: number })[] = [];
  const stats = new Float64Array(STATS);
  let label = 0;
  for (let start = 0; start < data.length; start++) {
    if (raw[start] !== 0 || !(data[start]! > threshold)) continue;
    label++;
    flood(start, label, width, height, threshold, data, raw, stack, rows, stats);
    const area = stats[AREA]!, sum = stats[SUM]!, peak = stats[PEAK]!, sx = stats[SX]!, sy = stats[SY]!;
    const minX = stats[MIN_X]!, minY = stats[MIN_Y]!, maxX = stats[MAX_X]!, maxY = stats[MAX_Y]!;
    if (area < minArea) continue;
    const pixelSize = options.pixelSizeUm;
    found.push({
      label,
      bbox: { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 },
      areaPx: area,
      ...(pixelSize ? { areaUm2: area * pixelSize * pixelSize } : {}),
      peakScore: peak,
      meanScore: sum / area,
      centroid: { x: sx / area, y: sy / area },
    });
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

/** Slots of flood's statistics. */
const AREA = 0, SUM = 1, PEAK = 2, SX = 3, SY = 4, MIN_X = 5, MIN_Y = 6, MAX_X = 7, MAX_Y = 8, STATS = 9;

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
 * up to SCRATCH_LIMIT pixels so that every inspection does not allocate (and the collector reclaim) another one.
 */
const stackScratch = [new Int32Array(0), new Int32Array(0)];
const SCRATCH_LIMIT = 1 << 22;

function scratchStack(slot: number, pixels: number): Int32Array {
  if (pixels > SCRATCH_LIMIT) return new Int32Array(pixels);
  if (stackScratch[slot]!.length < pixels) stackScratch[slot] = new Int32Array(pixels);
  return stackScratch[slot]!;
}

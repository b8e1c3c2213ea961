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
  const stack = scratchStack(width * height);
  const found: (Omit<Region, 'id'> & { label: number })[] = [];
  let label = 0;
  for (let start = 0; start < data.length; start++) {
    if (raw[start] !== 0 || !(data[start]! > threshold)) continue;
    label++;
    let top = 0;
    stack[top++] = start;
    raw[start] = label;
    let area = 0, sum = 0, peak = -Infinity, sx = 0, sy = 0;
    let minX = width, minY = height, maxX = -1, maxY = -1;
    // Pixels leave the stack in the same order as ever (neighbours pushed row by row, left to right), so the
    // double-precision score sum adds in the same order.
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      const y = (i - x) / width;
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
      if (x > 0 && x < width - 1 && y > 0 && y < height - 1) top = pushInterior(i, width, label, threshold, data, raw, stack, top);
      else top = pushBorder(x, y, width, height, label, threshold, data, raw, stack, top);
    }
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

/** Pushes the unlabelled above-threshold 8-neighbours of an interior pixel (rows top to bottom, left to right). */
function pushInterior(i: number, width: number, label: number, threshold: number, data: Float32Array, raw: Int32Array, stack: Int32Array, top: number): number {
  let j = i - width - 1;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; stack[top++] = j; }
  j++;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; stack[top++] = j; }
  j++;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; stack[top++] = j; }
  j = i - 1;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; stack[top++] = j; }
  j = i + 1;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; stack[top++] = j; }
  j = i + width - 1;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; stack[top++] = j; }
  j++;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; stack[top++] = j; }
  j++;
  if (raw[j] === 0 && data[j]! > threshold) { raw[j] = label; stack[top++] = j; }
  return top;
}

/** pushInterior for a pixel on the image border: neighbours outside the image are skipped. */
function pushBorder(
  x: number, y: number, width: number, height: number, label: number, threshold: number,
  data: Float32Array, raw: Int32Array, stack: Int32Array, top: number,
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
        stack[top++] = j;
      }
    }
  }
  return top;
}

/**
 * The flood fill's stack (each pixel is pushed at most once, so one slot a pixel), kept between calls for images
 * up to SCRATCH_LIMIT pixels so that every inspection does not allocate (and the collector reclaim) another one.
 */
let stackScratch = new Int32Array(0);
const SCRATCH_LIMIT = 1 << 22;

function scratchStack(pixels: number): Int32Array {
  if (pixels > SCRATCH_LIMIT) return new Int32Array(pixels);
  if (stackScratch.length < pixels) stackScratch = new Int32Array(pixels);
  return stackScratch;
}

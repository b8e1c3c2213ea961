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
  const raw = new Int32Array(width * height); // provisional component number + 1
  const stack = new Int32Array(width * height);
  const found: (Omit<Region, 'id'> & { label: number })[] = [];
  let label = 0;
  for (let start = 0; start < data.length; start++) {
    if (raw[start] !== 0 || !(data[start] > options.threshold)) continue;
    label++;
    let top = 0;
    stack[top++] = start;
    raw[start] = label;
    let area = 0, sum = 0, peak = -Infinity, sx = 0, sy = 0;
    let minX = width, minY = height, maxX = -1, maxY = -1;
    while (top > 0) {
      const i = stack[--top];
      const x = i % width;
      const y = (i - x) / width;
      const v = data[i];
      area++;
      sum += v;
      if (v > peak) peak = v;
      sx += x;
      sy += y;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (raw[j] === 0 && data[j] > options.threshold) {
            raw[j] = label;
            stack[top++] = j;
          }
        }
      }
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

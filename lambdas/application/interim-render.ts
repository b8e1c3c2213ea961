// INTERIM until lambdas/domain/regions and lambdas/domain/render land.
import type { GreyImage, RgbaImage } from '../domain/image/grey-image.js';
import type { Region } from '../domain/report/report.js';

export function findRegions(map: GreyImage, threshold: number, pixelSizeUm?: number): Region[] {
  const { width: w, height: h, data } = map;
  const label = new Int32Array(w * h).fill(-1);
  const regions: Region[] = [];
  const stack: number[] = [];
  for (let start = 0; start < w * h; start++) {
    if (label[start] !== -1 || !(data[start]! >= threshold)) continue;
    const id = regions.length;
    let area = 0, sum = 0, peak = -Infinity, sx = 0, sy = 0, x0 = w, y0 = h, x1 = 0, y1 = 0;
    label[start] = id;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % w, y = (p - x) / w, v = data[p]!;
      area++; sum += v; peak = Math.max(peak, v); sx += x; sy += y;
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      for (const q of [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1]) {
        if (q >= 0 && label[q] === -1 && data[q]! >= threshold) { label[q] = id; stack.push(q); }
      }
    }
    regions.push({
      id, bbox: { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 }, areaPx: area,
      ...(pixelSizeUm ? { areaUm2: area * pixelSizeUm * pixelSizeUm } : {}),
      peakScore: peak, meanScore: sum / area, centroid: { x: sx / area, y: sy / area },
    });
  }
  regions.sort((a, b) => b.peakScore - a.peakScore);
  return regions.map((r, i) => ({ ...r, id: i }));
}

export function renderHeatmap(calibrated: GreyImage): RgbaImage {
  const out = new Uint8ClampedArray(calibrated.width * calibrated.height * 4);
  for (let i = 0; i < calibrated.data.length; i++) {
    const v = Math.max(0, Math.min(1, calibrated.data[i]!));
    out[i * 4] = 255 * Math.min(1, 2 * v);
    out[i * 4 + 1] = 255 * (1 - Math.abs(2 * v - 1));
    out[i * 4 + 2] = 255 * Math.max(0, 1 - 2 * v);
    out[i * 4 + 3] = 255;
  }
  return { width: calibrated.width, height: calibrated.height, data: out };
}

export function renderOverlay(image: GreyImage, calibrated: GreyImage, regions: readonly Region[]): RgbaImage {
  const heat = renderHeatmap(calibrated);
  const out = new Uint8ClampedArray(heat.data.length);
  for (let i = 0; i < image.data.length; i++) {
    const g = 255 * Math.max(0, Math.min(1, image.data[i]!));
    const a = Math.max(0, Math.min(1, calibrated.data[i]!)) * 0.6;
    for (let c = 0; c < 3; c++) out[i * 4 + c] = g * (1 - a) + heat.data[i * 4 + c]! * a;
    out[i * 4 + 3] = 255;
  }
  for (const r of regions) {
    const { x, y, width, height } = r.bbox;
    for (let i = x; i < x + width; i++) for (const j of [y, y + height - 1]) paint(out, image.width, i, j);
    for (let j = y; j < y + height; j++) for (const i of [x, x + width - 1]) paint(out, image.width, i, j);
  }
  return { width: image.width, height: image.height, data: out };
}

function paint(out: Uint8ClampedArray, w: number, x: number, y: number): void {
  const p = (y * w + x) * 4;
  out[p] = 255; out[p + 1] = 255; out[p + 2] = 0; out[p + 3] = 255;
}

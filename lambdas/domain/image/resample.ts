import { createGreyImage, type GreyImage } from './grey-image.js';

/**
 * Resize to an exact size, each axis on its own: area averaging when shrinking (every source pixel counts, by
 * overlap, so fine texture averages rather than aliases) and bilinear interpolation when enlarging.
 * Both keep pixel centres aligned and the mean intensity (to within edge effects for bilinear).
 */
export function resize(image: GreyImage, width: number, height: number): GreyImage {
  createGreyImage(width, height, new Float32Array(width * height)); // validates the target size
  if (width === image.width && height === image.height) return createGreyImage(width, height, image.data.slice());
  const horizontal = resampleRows(image.data, image.width, image.height, width);
  const out = resampleColumns(horizontal, width, image.height, height);
  return createGreyImage(width, height, out);
}

/** Resize by a scale factor (0.5 halves each side); the size rounds to the nearest pixel, at least 1. */
export function resampleByScale(image: GreyImage, scale: number): GreyImage {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`resample scale must be a positive number, got ${scale}`);
  const size = scaledSize(image.width, image.height, scale);
  return resize(image, size.width, size.height);
}

/** A width × height scaled by a factor, each side rounded to the nearest pixel, at least 1. */
export function scaledSize(width: number, height: number, scale: number): { width: number; height: number } {
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Bring an image taken at fromUm µm/pixel to toUm µm/pixel (e.g. the profile's), so one profile serves images
 * taken at other magnifications: 0.25 µm/px → 0.5 µm/px halves each side.
 */
export function resampleToPixelSize(image: GreyImage, fromUm: number, toUm: number): GreyImage {
  if (!(fromUm > 0) || !(toUm > 0)) throw new RangeError(`pixel sizes must be positive, got ${fromUm} and ${toUm} µm`);
  return resampleByScale(image, fromUm / toUm);
}

/** Per output index: the source taps and weights along one axis (shared by rows and columns). */
interface AxisPlan {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

function planAxis(src: number, dst: number): AxisPlan {
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const index: number[] = [];
  const weight: number[] = [];
  const ratio = src / dst;
  for (let o = 0; o < dst; o++) {
    start[o] = index.length;
    if (dst < src) {
      // Area: output pixel o covers source interval [o*ratio, (o+1)*ratio).
      const a = o * ratio;
      const b = (o + 1) * ratio;
      for (let s = Math.floor(a); s < Math.min(src, Math.ceil(b)); s++) {
        const w = Math.min(b, s + 1) - Math.max(a, s);
        if (w > 0) {
          index.push(s);
          weight.push(w / ratio);
        }
      }
    } else {
      // Bilinear with centres aligned; clamp at the borders.
      const p = Math.min(src - 1, Math.max(0, (o + 0.5) * ratio - 0.5));
      const s0 = Math.floor(p);
      const s1 = Math.min(src - 1, s0 + 1);
      const f = p - s0;
      index.push(s0, s1);
      weight.push(1 - f, f);
    }
    count[o] = index.length - start[o];
  }
  return { start, count, index: Int32Array.from(index), weight: Float32Array.from(weight) };
}

function resampleRows(data: Float32Array, srcW: number, h: number, dstW: number): Float32Array {
  if (srcW === dstW) return data;
  const plan = planAxis(srcW, dstW);
  const out = new Float32Array(dstW * h);
  for (let y = 0; y < h; y++) {
    const sRow = y * srcW;
    const dRow = y * dstW;
    for (let o = 0; o < dstW; o++) {
      let acc = 0;
      const end = plan.start[o] + plan.count[o];
      for (let k = plan.start[o]; k < end; k++) acc += plan.weight[k] * data[sRow + plan.index[k]];
      out[dRow + o] = acc;
    }
  }
  return out;
}

function resampleColumns(data: Float32Array, w: number, srcH: number, dstH: number): Float32Array {
  if (srcH === dstH) return data;
  const plan = planAxis(srcH, dstH);
  const out = new Float32Array(w * dstH);
  for (let o = 0; o < dstH; o++) {
    const dRow = o * w;
    const end = plan.start[o] + plan.count[o];
    for (let k = plan.start[o]; k < end; k++) {
      const sRow = plan.index[k] * w;
      const wt = plan.weight[k];
      for (let x = 0; x < w; x++) out[dRow + x] += wt * data[sRow + x];
    }
  }
  return out;
}

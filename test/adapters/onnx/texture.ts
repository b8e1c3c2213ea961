import type { GreyImage } from '../../../lambdas/domain/image/grey-image.js';

/** A deterministic normal "microstructure": blurred noise plus small grains; defects are painted on top. */
export function texture(size: number, seed: number): GreyImage {
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  let data: Float32Array = new Float32Array(size * size).map(() => rnd());
  for (let pass = 0; pass < 2; pass++) data = boxBlur(data, size, 2);
  let mean = 0;
  for (const v of data) mean += v;
  mean /= data.length;
  for (let i = 0; i < data.length; i++) data[i] = 0.5 + (data[i]! - mean) * 1.2;
  for (let g = 0; g < (size * size) / 150; g++) disk(data, size, rnd() * size, rnd() * size, 1.5, 0.08);
  return { width: size, height: size, data };
}

export function disk(data: Float32Array, size: number, cx: number, cy: number, r: number, delta: number): void {
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(size - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(size - 1, Math.ceil(cx + r)); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) data[y * size + x] = Math.min(1, Math.max(0, data[y * size + x]! + delta));
    }
  }
}

/** A dark line of the given width from (x0,y0) to (x1,y1). */
export function crack(data: Float32Array, size: number, x0: number, y0: number, x1: number, y1: number, width: number): void {
  const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0));
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    const cx = x0 + (x1 - x0) * t;
    const cy = y0 + (y1 - y0) * t;
    for (let y = Math.floor(cy - width / 2); y <= Math.ceil(cy + width / 2); y++) {
      for (let x = Math.floor(cx - width / 2); x <= Math.ceil(cx + width / 2); x++) {
        if (x >= 0 && y >= 0 && x < size && y < size && Math.hypot(x - cx, y - cy) <= width / 2) data[y * size + x] = 0.15;
      }
    }
  }
}

function boxBlur(src: Float32Array, size: number, r: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let sum = 0;
      let n = 0;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && xx >= 0 && yy < size && xx < size) {
            sum += src[yy * size + xx]!;
            n++;
          }
        }
      }
      out[y * size + x] = sum / n;
    }
  }
  return out;
}

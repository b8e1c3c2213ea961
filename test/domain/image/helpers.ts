import { createGreyImage, type GreyImage } from '../../../lambdas/domain/image/grey-image.js';

/** A deterministic image from a function of (x, y). */
export function imageFrom(width: number, height: number, f: (x: number, y: number) => number): GreyImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return createGreyImage(width, height, data);
}

/** Seeded uniform noise in [-0.5, 0.5) (mulberry32), so tests are repeatable. */
export function noise(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

export function mean(data: Float32Array): number {
  let s = 0;
  for (const v of data) s += v;
  return s / data.length;
}

export function variance(data: Float32Array): number {
  const m = mean(data);
  let s = 0;
  for (const v of data) s += (v - m) ** 2;
  return s / data.length;
}

/** [smallest, largest] value. */
export function valueRange(data: Float32Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return [min, max];
}

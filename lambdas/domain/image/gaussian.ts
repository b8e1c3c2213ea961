import { keptBuffer } from '../arrays.js';
import { createGreyImage, type GreyImage } from './grey-image.js';
import { reflectIndex } from './reflect.js';

/** Normalised 1-D Gaussian taps out to 3 sigma. */
export function gaussianKernel(sigma: number): Float32Array {
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError(`Gaussian sigma must be a positive number, got ${sigma}`);
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const taps = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    const v = Math.exp(-(k * k) / (2 * sigma * sigma));
    taps[k + radius] = v;
    sum += v;
  }
  for (let k = 0; k < taps.length; k++) taps[k] /= sum;
  return taps;
}

/**
 * Separable Gaussian blur with reflected borders (a constant image stays constant up to the edges).
 *
 * The arithmetic is fixed (profiles are calibrated on its output): horizontally each output is
 * centre·p + Σₖ tₖ·(p₋ₖ + p₊ₖ) for k = 1..radius, summed in double precision and stored as float32; vertically the
 * same fold, but rounded to float32 after every term (the running sum lives in the float32 output). The loops below
 * keep exactly that order; they only move the border handling out of the inner loops.
 */
export function gaussianBlur(image: GreyImage, sigma: number): GreyImage {
  const { width, height, data } = image;
  const taps = gaussianKernel(sigma);
  const radius = (taps.length - 1) >> 1;
  const tmp = scratch(width * height); // every value written by the horizontal pass before the vertical reads it
  const out = new Float32Array(width * height);
  // Taps as doubles, centre first then k = 1..radius (the values a Float32Array read gives).
  const t = new Float64Array(radius + 1);
  for (let k = 0; k <= radius; k++) t[k] = taps[radius + k]!;
  // Horizontal pass: one padded row buffer so the inner loop has no bounds checks.
  const row = new Float32Array(width + 2 * radius);
  const leftIdx = Int32Array.from({ length: radius }, (_, i) => reflectIndex(i - radius, width));
  const rightIdx = Int32Array.from({ length: radius }, (_, i) => reflectIndex(width + i, width));
  for (let y = 0; y < height; y++) {
    const base = y * width;
    row.set(data.subarray(base, base + width), radius);
    for (let i = 0; i < radius; i++) {
      row[i] = data[base + leftIdx[i]!]!;
      row[radius + width + i] = data[base + rightIdx[i]!]!;
    }
    if (radius === 3) horizontal3(row, tmp, base, width, t[0]!, t[1]!, t[2]!, t[3]!);
    else horizontal(row, tmp, base, width, radius, t);
  }
  // Vertical pass: whole rows at a time (cache friendly), mirrored rows folded like the horizontal taps.
  const up = new Int32Array(radius + 1);
  const down = new Int32Array(radius + 1);
  for (let y = 0; y < height; y++) {
    for (let k = 1; k <= radius; k++) {
      up[k] = reflectIndex(y - k, height) * width;
      down[k] = reflectIndex(y + k, height) * width;
    }
    if (radius === 3) vertical3(tmp, out, y * width, width, up[1]!, down[1]!, up[2]!, down[2]!, up[3]!, down[3]!, t[0]!, t[1]!, t[2]!, t[3]!);
    else vertical(tmp, out, y * width, width, radius, up, down, t);
  }
  return createGreyImage(width, height, out);
}

/** One row of the horizontal pass, any radius: acc = c·p, then += tₖ·(p₋ₖ + p₊ₖ) in double precision. */
function horizontal(row: Float32Array, tmp: Float32Array, base: number, width: number, radius: number, t: Float64Array): void {
  const centre = t[0]!;
  for (let x = 0; x < width; x++) {
    const c = x + radius;
    let acc = centre * row[c]!;
    for (let k = 1; k <= radius; k++) acc += t[k]! * (row[c - k]! + row[c + k]!);
    tmp[base + x] = acc;
  }
}

/** The horizontal pass unrolled for radius 3 (σ 0.7–1, the pipeline's settings); the same operations in the same order. */
function horizontal3(row: Float32Array, tmp: Float32Array, base: number, width: number, t0: number, t1: number, t2: number, t3: number): void {
  for (let x = 0, c = 3; x < width; x++, c++) {
    let acc = t0 * row[c]!;
    acc += t1 * (row[c - 1]! + row[c + 1]!);
    acc += t2 * (row[c - 2]! + row[c + 2]!);
    acc += t3 * (row[c - 3]! + row[c + 3]!);
    tmp[base + x] = acc;
  }
}

/** One row of the vertical pass, any radius: float32 running sum, rounded after every term as the original in-place sum was. */
function vertical(tmp: Float32Array, out: Float32Array, dst: number, width: number, radius: number, up: Int32Array, down: Int32Array, t: Float64Array): void {
  const centre = t[0]!;
  for (let x = 0; x < width; x++) {
    let acc = Math.fround(centre * tmp[dst + x]!);
    for (let k = 1; k <= radius; k++) acc = Math.fround(acc + t[k]! * (tmp[up[k]! + x]! + tmp[down[k]! + x]!));
    out[dst + x] = acc;
  }
}

function vertical3(
  tmp: Float32Array, out: Float32Array, dst: number, width: number,
  u1: number, d1: number, u2: number, d2: number, u3: number, d3: number, t0: number, t1: number, t2: number, t3: number,
): void {
  for (let x = 0; x < width; x++) {
    let acc = Math.fround(t0 * tmp[dst + x]!);
    acc = Math.fround(acc + t1 * (tmp[u1 + x]! + tmp[d1 + x]!));
    acc = Math.fround(acc + t2 * (tmp[u2 + x]! + tmp[d2 + x]!));
    out[dst + x] = acc + t3 * (tmp[u3 + x]! + tmp[d3 + x]!);
  }
}

/**
 * The horizontal pass's output, kept between calls: a blur of a 1024² image otherwise leaves 4 MB of garbage
 * behind, three times per inspection.
 */
const scratch = keptBuffer((n) => new Float32Array(n));

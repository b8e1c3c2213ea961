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

/** Separable Gaussian blur with reflected borders (a constant image stays constant up to the edges). */
export function gaussianBlur(image: GreyImage, sigma: number): GreyImage {
  const { width, height, data } = image;
  const taps = gaussianKernel(sigma);
  const radius = (taps.length - 1) >> 1;
  const tmp = new Float32Array(width * height);
  const out = new Float32Array(width * height);
  // Horizontal pass: one padded row buffer so the inner loop has no bounds checks.
  const row = new Float32Array(width + 2 * radius);
  const leftIdx = Int32Array.from({ length: radius }, (_, i) => reflectIndex(i - radius, width));
  const rightIdx = Int32Array.from({ length: radius }, (_, i) => reflectIndex(width + i, width));
  const centre = taps[radius];
  for (let y = 0; y < height; y++) {
    const base = y * width;
    row.set(data.subarray(base, base + width), radius);
    for (let i = 0; i < radius; i++) {
      row[i] = data[base + leftIdx[i]];
      row[radius + width + i] = data[base + rightIdx[i]];
    }
    // The kernel is symmetric: fold mirrored taps to halve the multiplies.
    for (let x = 0; x < width; x++) {
      const c = x + radius;
      let acc = centre * row[c];
      for (let k = 1; k <= radius; k++) acc += taps[radius + k] * (row[c - k] + row[c + k]);
      tmp[base + x] = acc;
    }
  }
  // Vertical pass: whole rows at a time (cache friendly), mirrored rows folded like the horizontal taps.
  for (let y = 0; y < height; y++) {
    const dst = y * width;
    for (let x = 0; x < width; x++) out[dst + x] = centre * tmp[dst + x];
    for (let k = 1; k <= radius; k++) {
      const up = reflectIndex(y - k, height) * width;
      const down = reflectIndex(y + k, height) * width;
      const t = taps[radius + k];
      for (let x = 0; x < width; x++) out[dst + x] += t * (tmp[up + x] + tmp[down + x]);
    }
  }
  return createGreyImage(width, height, out);
}

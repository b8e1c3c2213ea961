/**
 * The restructured blur, crop and local-average loops against straightforward per-pixel references that do the
 * same arithmetic in the same order: equal to the last bit, borders and images narrower than the kernel included.
 */
import { gaussianBlur, gaussianKernel } from '../../../lambdas/domain/image/gaussian.js';
import { cropReflect } from '../../../lambdas/domain/image/padding.js';
import { reflectIndex } from '../../../lambdas/domain/image/reflect.js';
import { localAverage } from '../../../lambdas/domain/scoring/patch-grid.js';
import { findRegions } from '../../../lambdas/domain/regions/regions.js';

function noise(width: number, height: number, seed: number): { width: number; height: number; data: Float32Array } {
  let s = seed >>> 0;
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  return { width, height, data };
}

/** Horizontal: double sum, centre first then folded pairs, stored as float32; vertical: float32 running sum. */
function referenceBlur(image: { width: number; height: number; data: Float32Array }, sigma: number): Float32Array {
  const { width, height, data } = image;
  const taps = gaussianKernel(sigma);
  const r = (taps.length - 1) >> 1;
  const tmp = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = taps[r]! * data[y * width + x]!;
      for (let k = 1; k <= r; k++) acc += taps[r + k]! * (data[y * width + reflectIndex(x - k, width)]! + data[y * width + reflectIndex(x + k, width)]!);
      tmp[y * width + x] = acc;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = taps[r]! * tmp[y * width + x]!;
    for (let k = 1; k <= r; k++) {
      for (let x = 0; x < width; x++) {
        out[y * width + x] += taps[r + k]! * (tmp[reflectIndex(y - k, height) * width + x]! + tmp[reflectIndex(y + k, height) * width + x]!);
      }
    }
  }
  return out;
}

describe('gaussianBlur matches the per-pixel definition bit for bit', () => {
  test.each([[1, 1], [2, 3], [3, 7], [5, 1], [17, 9], [40, 33]])('%i x %i', (width, height) => {
    const image = noise(width, height, width * 100 + height);
    for (const sigma of [0.5, 0.7, 1, 1.3, 2.5]) expect(gaussianBlur(image, sigma).data).toEqual(referenceBlur(image, sigma));
  });
});

describe('cropReflect matches mirroring every pixel', () => {
  test('windows inside, across one or both edges, and wholly outside', () => {
    const image = noise(13, 7, 5);
    for (const [x, y, w, h] of [[0, 0, 13, 7], [2, 1, 5, 4], [-3, -2, 19, 11], [-5, 0, 6, 3], [9, 2, 8, 5], [-20, -9, 50, 25], [15, 0, 4, 2], [-6, 3, 3, 2]]) {
      const want = new Float32Array(w! * h!);
      for (let j = 0; j < h!; j++) for (let i = 0; i < w!; i++) want[j * w! + i] = image.data[reflectIndex(y! + j, 7) * 13 + reflectIndex(x! + i, 13)]!;
      expect(cropReflect(image, x!, y!, w!, h!).data).toEqual(want);
    }
  });
});

describe('localAverage 3x3 matches the generic window sums', () => {
  test.each([[3, 3], [3, 8], [9, 3], [12, 10]])('%i x %i', (width, height) => {
    const channels = 3;
    const map = { name: 'm', stride: 8, channels, width, height, data: noise(width * channels, height, width + height).data };
    const want = new Float32Array(map.data.length);
    const colSum = new Float32Array(width * height);
    for (let c = 0; c < channels; c++) {
      const base = c * width * height;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          let sum = 0;
          for (let t = Math.max(0, x - 1); t <= Math.min(width - 1, x + 1); t++) sum += map.data[base + y * width + t]!;
          colSum[y * width + x] = sum;
        }
      }
      for (let y = 0; y < height; y++) {
        const ny = Math.min(height - 1, y + 1) - Math.max(0, y - 1) + 1;
        for (let x = 0; x < width; x++) {
          const nx = Math.min(width - 1, x + 1) - Math.max(0, x - 1) + 1;
          let sum = 0;
          for (let t = Math.max(0, y - 1); t <= Math.min(height - 1, y + 1); t++) sum += colSum[t * width + x]!;
          want[base + y * width + x] = sum * Math.fround(1 / (nx * ny));
        }
      }
    }
    expect(localAverage(map, 3)).toEqual(want);
  });
});

describe('findRegions on regions touching the borders and corners', () => {
  test('mean scores (same summation order) and labelled pixels match a plain flood fill, on both paths', () => {
    const width = 11;
    const height = 8;
    const plain = noise(width, height, 3);
    // Scores spanning 1e-30..1e12 defeat the order-free sum test, so these take the flood fill itself.
    const wide = { ...plain, data: plain.data.map((v, i) => (i % 3 === 0 ? v * 1e12 : i % 3 === 1 ? v * 1e-30 : v)) };
    for (const [map, threshold] of [[plain, 0.2], [plain, 0.5], [plain, 0.8], [wide, 1e-31], [wide, 0.3]] as const) {
      const got = findRegions(map, { threshold, minAreaPx: 1 });
      // Reference: the same stack discipline (neighbours pushed row by row, left to right).
      const raw = new Int32Array(width * height);
      const sums: number[] = [];
      let label = 0;
      for (let s = 0; s < raw.length; s++) {
        if (raw[s] || !(map.data[s]! > threshold)) continue;
        raw[s] = ++label;
        const stack = [s];
        let sum = 0;
        while (stack.length) {
          const i = stack.pop()!;
          const x = i % width;
          const y = (i - x) / width;
          sum += map.data[i]!;
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              const nx = x + dx;
              const ny = y + dy;
              if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
              const j = ny * width + nx;
              if (!raw[j] && map.data[j]! > threshold) {
                raw[j] = label;
                stack.push(j);
              }
            }
          }
        }
        sums.push(sum);
      }
      expect(got.regions.length).toBe(label);
      expect(got.regions.map((r) => r.meanScore).sort()).toEqual(
        sums.map((sum, k) => sum / raw.filter((l) => l === k + 1).length).sort(),
      );
      for (let i = 0; i < raw.length; i++) expect(got.labels[i]! === 0).toBe(raw[i] === 0);
    }
  });
});

/**
 * Kernel design for the built-in backbone: a fixed, deterministic multi-scale filter bank (no learned weights).
 * Every kernel except the smoothing one is zero-mean and all have unit L2 norm, so on white noise each
 * response has the same variance and no channel dominates the Euclidean distances PatchCore uses.
 */

export interface KernelBank {
  /** Filter names, one per output channel. */
  readonly names: readonly string[];
  readonly size: number;
  /** `names.length * size * size` weights, OIHW with I = 1. */
  readonly weights: Float32Array;
}

function gaussian2d(size: number, sigma: number, fn: (x: number, y: number, g: number) => number): Float32Array {
  const r = (size - 1) / 2;
  const k = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - r;
      const dy = y - r;
      k[y * size + x] = fn(dx, dy, Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)));
    }
  }
  return k;
}

function normalise(k: Float32Array, zeroMean: boolean): Float32Array {
  if (zeroMean) {
    let mean = 0;
    for (const v of k) mean += v;
    mean /= k.length;
    for (let i = 0; i < k.length; i++) k[i]! -= mean;
  }
  let norm = 0;
  for (const v of k) norm += v * v;
  norm = Math.sqrt(norm);
  for (let i = 0; i < k.length; i++) k[i]! /= norm;
  return k;
}

const ORIENTATIONS = [0, Math.PI / 4, Math.PI / 2, (3 * Math.PI) / 4];

/**
 * The first-stage bank on one pyramid level: local mean, oriented first derivatives (edges, crack flanks),
 * oriented second derivatives (ridges and valleys: cracks), and Laplacian-of-Gaussian at two scales (blobs: voids,
 * agglomerates). `sigma` is in pixels of that level.
 */
export function firstStageBank(size = 7, sigma = 1): KernelBank {
  const names: string[] = [];
  const kernels: Float32Array[] = [];
  const add = (name: string, k: Float32Array) => {
    names.push(name);
    kernels.push(k);
  };
  add('mean', normalise(gaussian2d(size, sigma * 1.5, (_x, _y, g) => g), false));
  for (const theta of ORIENTATIONS) {
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    const deg = Math.round((theta * 180) / Math.PI);
    add(`d1_${deg}`, normalise(gaussian2d(size, sigma, (x, y, g) => -(c * x + s * y) * g), true));
  }
  for (const theta of ORIENTATIONS) {
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    const deg = Math.round((theta * 180) / Math.PI);
    add(
      `d2_${deg}`,
      normalise(gaussian2d(size, sigma * 1.2, (x, y, g) => {
        const u = c * x + s * y;
        const sg = sigma * 1.2;
        return ((u * u) / (sg * sg) - 1) * g;
      }), true),
    );
  }
  for (const scale of [1, 1.6]) {
    const sg = sigma * scale;
    add(`log_${scale}`, normalise(gaussian2d(size, sg, (x, y, g) => ((x * x + y * y) / (2 * sg * sg) - 1) * g), true));
  }
  return stack(names, size, kernels);
}

/**
 * Second-stage kernels applied depthwise to energy maps: horizontal and vertical derivatives of the local energy,
 * i.e. how texture strength changes across a neighbourhood (scattering-style second order).
 */
export function secondStageKernels(size = 3): KernelBank {
  const sigma = size / 3;
  const gx = normalise(gaussian2d(size, sigma, (x, _y, g) => -x * g), true);
  const gy = normalise(gaussian2d(size, sigma, (_x, y, g) => -y * g), true);
  return stack(['dx', 'dy'], size, [gx, gy]);
}

/** 1-D Gaussian (sum 1), for separable smoothing. */
export function gaussian1d(size: number, sigma: number): Float32Array {
  const r = (size - 1) / 2;
  const k = new Float32Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    k[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
    sum += k[i]!;
  }
  for (let i = 0; i < size; i++) k[i]! /= sum;
  return k;
}

function stack(names: string[], size: number, kernels: Float32Array[]): KernelBank {
  const weights = new Float32Array(kernels.length * size * size);
  kernels.forEach((k, i) => weights.set(k, i * size * size));
  return { names, size, weights };
}

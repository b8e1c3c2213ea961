import type { Random } from './random.js';

/**
 * Fractal Brownian motion (summed octaves of value noise) on a width x height grid, roughly zero-mean and in -1..1.
 * Value noise on a random lattice is enough for matrix texture and drift and costs a few ms for 512².
 */
export function fbmField(
  width: number,
  height: number,
  random: Random,
  options: { baseCell: number; octaves: number; persistence?: number },
): Float32Array {
  const out = new Float32Array(width * height);
  const persistence = options.persistence ?? 0.5;
  let amplitude = 1;
  let total = 0;
  let cell = options.baseCell;
  for (let o = 0; o < options.octaves && cell >= 1; o++) {
    addValueNoise(out, width, height, cell, amplitude, random);
    total += amplitude;
    amplitude *= persistence;
    cell /= 2;
  }
  const scale = 1 / total;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * scale;
  return out;
}

/** Adds bilinear (smoothstep) interpolated lattice noise with lattice spacing `cell` pixels. */
function addValueNoise(out: Float32Array, width: number, height: number, cell: number, amplitude: number, random: Random): void {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const lattice = new Float32Array(gw * gh);
  for (let i = 0; i < lattice.length; i++) lattice[i] = random.next() * 2 - 1;
  const inv = 1 / cell;
  // Precompute per-column lattice index and weight: the inner loop then does only lookups and multiplies.
  const col0 = new Int32Array(width);
  const colW = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = x * inv;
    const ix = Math.floor(fx);
    const t = fx - ix;
    col0[x] = ix;
    colW[x] = t * t * (3 - 2 * t);
  }
  for (let y = 0; y < height; y++) {
    const fy = y * inv;
    const iy = Math.floor(fy);
    let ty = fy - iy;
    ty = ty * ty * (3 - 2 * ty);
    const r0 = iy * gw;
    const r1 = r0 + gw;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const ix = col0[x] as number;
      const tx = colW[x] as number;
      const a = lattice[r0 + ix] as number;
      const b = lattice[r0 + ix + 1] as number;
      const c = lattice[r1 + ix] as number;
      const d = lattice[r1 + ix + 1] as number;
      const top = a + (b - a) * tx;
      const bottom = c + (d - c) * tx;
      out[row + x] = (out[row + x] as number) + amplitude * (top + (bottom - top) * ty);
    }
  }
}

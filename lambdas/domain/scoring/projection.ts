import { createRandom } from '../synth/random.js';

/**
 * A seeded sparse random projection (Johnson–Lindenstrauss). Entries are ±sqrt(s / outDim) with probability
 * 1/(2s) each and 0 otherwise (Achlioptas 2003 for s = 3; Li, Hastie & Church 2006 "very sparse" for s = √inDim).
 * Squared distances are preserved in expectation; the default s = max(3, √inDim) touches only ~√inDim inputs per
 * output, which keeps projecting every patch of a 1024² image cheap. The same (inDim, outDim, seed) always gives
 * the same matrix, so enrolment and inspection agree without storing it.
 */
export interface RandomProjection {
  readonly inDim: number;
  readonly outDim: number;
  /** Projects `vectors.length / inDim` row-major vectors; returns `count * outDim` floats. */
  apply(vectors: Float32Array): Float32Array;
  /** The same projection as a dense row-major `outDim × inDim` matrix (for projecting CHW feature maps plane by plane). */
  matrix(): Float32Array;
}

export function createProjection(inDim: number, outDim: number, seed: number, sparsity?: number): RandomProjection {
  if (!Number.isInteger(inDim) || !Number.isInteger(outDim) || inDim <= 0 || outDim <= 0) {
    throw new RangeError(`projection dimensions must be positive integers, got ${inDim} -> ${outDim}`);
  }
  const s = sparsity ?? Math.max(3, Math.sqrt(inDim));
  const half = 1 / (2 * s);
  const rng = createRandom(seed);
  // CSR per output dimension: column indices with +1 first, then those with -1.
  const offsets = new Int32Array(outDim + 1);
  const splits = new Int32Array(outDim);
  const cols: number[] = [];
  for (let j = 0; j < outDim; j++) {
    const plus: number[] = [];
    const minus: number[] = [];
    for (let i = 0; i < inDim; i++) {
      const r = rng.next();
      if (r < half) plus.push(i);
      else if (r < 2 * half) minus.push(i);
    }
    cols.push(...plus);
    splits[j] = cols.length;
    cols.push(...minus);
    offsets[j + 1] = cols.length;
  }
  const index = Int32Array.from(cols);
  const scale = Math.sqrt(s / outDim);
  return {
    inDim,
    outDim,
    apply(vectors: Float32Array): Float32Array {
      if (vectors.length % inDim !== 0) {
        throw new RangeError(`projection input has ${vectors.length} values, not a multiple of ${inDim}`);
      }
      const count = vectors.length / inDim;
      const out = new Float32Array(count * outDim);
      for (let n = 0; n < count; n++) {
        const base = n * inDim;
        const ob = n * outDim;
        for (let j = 0; j < outDim; j++) {
          let sum = 0;
          const split = splits[j];
          const end = offsets[j + 1];
          for (let t = offsets[j]; t < split; t++) sum += vectors[base + index[t]];
          for (let t = split; t < end; t++) sum -= vectors[base + index[t]];
          out[ob + j] = sum * scale;
        }
      }
      return out;
    },
    matrix(): Float32Array {
      const m = new Float32Array(outDim * inDim);
      for (let j = 0; j < outDim; j++) {
        for (let t = offsets[j]; t < splits[j]; t++) m[j * inDim + index[t]] = scale;
        for (let t = splits[j]; t < offsets[j + 1]; t++) m[j * inDim + index[t]] = -scale;
      }
      return m;
    },
  };
}

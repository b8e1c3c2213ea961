import { createRandom } from '../synth/random.js';
import type { MemoryBank } from '../profile/profile.js';
import { createProjection } from './projection.js';

export interface CoresetOptions {
  /** Fraction of the vectors to keep (PatchCore uses 0.01–0.1). */
  readonly ratio: number;
  /** Upper bound on the coreset size whatever the ratio (bounds memory and search time for large enrolments). */
  readonly maxSize?: number;
  /** Distances are computed after a random projection to this width (PatchCore: 128); null = full width. */
  readonly projectionDim?: number | null;
  readonly seed: number;
}

/** The number of vectors a coreset of `count` vectors keeps: round(ratio·count), at least 1, at most maxSize. */
export function coresetSize(count: number, options: Pick<CoresetOptions, 'ratio' | 'maxSize'>): number {
  if (count <= 0) return 0;
  if (!(options.ratio > 0)) throw new RangeError(`coreset ratio must be positive, got ${options.ratio}`);
  const wanted = Math.max(1, Math.round(options.ratio * count));
  return Math.min(count, wanted, options.maxSize ?? Number.POSITIVE_INFINITY);
}

/**
 * PatchCore's greedy k-center coreset: start from a random vector, then repeatedly add the vector farthest from
 * everything chosen so far, so rare (possibly far) normal patches are always represented. Distances are taken in
 * a seeded random projection (approximate, as PatchCore). Returns the chosen row indices in selection order; it
 * may return fewer than asked when every remaining vector duplicates a chosen one.
 *
 * Exactly the classic greedy result, made fast by bookkeeping rather than approximation: each vector belongs to
 * its nearest chosen centre's list; a new centre p can only take over a vector i of cluster a when
 * d(a, p) < 2·d(i, a) (triangle inequality), so whole clusters with d(a, p) ≥ 2·radius(a) are skipped, and every
 * squared distance is abandoned as soon as its partial sum exceeds the bound that matters.
 */
export function greedyCoreset(vectors: Float32Array, dim: number, options: CoresetOptions): Int32Array {
  const count = vectors.length / dim;
  if (!Number.isInteger(count)) throw new RangeError(`coreset input has ${vectors.length} values, not a multiple of ${dim}`);
  const size = coresetSize(count, options);
  if (size === 0) return new Int32Array(0);
  const projectionDim = options.projectionDim === undefined ? 128 : options.projectionDim;
  const useProjection = projectionDim !== null && projectionDim < dim;
  const points = useProjection ? createProjection(dim, projectionDim, options.seed ^ 0x5eed).apply(vectors) : vectors;
  const d = useProjection ? projectionDim : dim;

  const centres = new Int32Array(size);
  const minD2 = new Float64Array(count); // squared distance to the nearest chosen centre
  const next = new Int32Array(count); // per-cluster singly linked member lists
  const head = new Int32Array(size).fill(-1);
  const radius2 = new Float64Array(size); // largest member minD2 of each cluster
  const farthest = new Int32Array(size).fill(-1);

  const sqDist = (i: number, j: number, bound: number): number => {
    let sum = 0;
    const a = i * d;
    const b = j * d;
    for (let k = 0; k < d; k++) {
      const diff = points[a + k] - points[b + k];
      sum += diff * diff;
      if (sum >= bound && (k & 7) === 7) return sum; // abandoned: already too far to matter
    }
    return sum;
  };

  const start = Math.floor(createRandom(options.seed).next() * count);
  centres[0] = start;
  let r0 = -1;
  let f0 = -1;
  for (let i = count - 1; i >= 0; i--) {
    const v = sqDist(i, start, Number.POSITIVE_INFINITY);
    minD2[i] = v;
    next[i] = head[0];
    head[0] = i;
    if (v >= r0) { r0 = v; f0 = i; }
  }
  radius2[0] = r0;
  farthest[0] = f0;

  let chosen = 1;
  for (; chosen < size; chosen++) {
    let best = 0;
    for (let a = 1; a < chosen; a++) if (radius2[a] > radius2[best]) best = a;
    if (radius2[best] <= 0) break; // everything is already a chosen vector (duplicates)
    const p = farthest[best];
    const t = chosen;
    centres[t] = p;
    let newHead = -1;
    let newR = -1;
    let newF = -1;
    for (let a = 0; a < t; a++) {
      const limit = 4 * radius2[a];
      if (limit <= 0) continue;
      const dap = sqDist(centres[a], p, limit);
      if (dap >= limit) continue; // no member of a can be closer to p than to its centre
      let i = head[a];
      let keptHead = -1;
      let r = -1;
      let f = -1;
      while (i !== -1) {
        const following = next[i];
        const own = minD2[i];
        let moved = false;
        if (dap < 4 * own) {
          const dip = sqDist(i, p, own);
          if (dip < own) {
            minD2[i] = dip;
            next[i] = newHead;
            newHead = i;
            if (dip > newR) { newR = dip; newF = i; }
            moved = true;
          }
        }
        if (!moved) {
          next[i] = keptHead;
          keptHead = i;
          if (own > r) { r = own; f = i; }
        }
        i = following;
      }
      head[a] = keptHead;
      radius2[a] = Math.max(0, r);
      farthest[a] = f;
    }
    head[t] = newHead;
    radius2[t] = Math.max(0, newR);
    farthest[t] = newF;
  }
  return chosen === size ? centres : centres.slice(0, chosen);
}

/** Gathers the chosen rows into a memory bank. */
export function selectRows(vectors: Float32Array, dim: number, indices: Int32Array): MemoryBank {
  const out = new Float32Array(indices.length * dim);
  for (let n = 0; n < indices.length; n++) out.set(vectors.subarray(indices[n] * dim, indices[n] * dim + dim), n * dim);
  return { dim, count: indices.length, vectors: out };
}

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
  /** Target centres per part of the composable coreset (see greedyCoreset). */
  readonly centresPerPart?: number;
  readonly seed: number;
}

/** PatchCore projects to 128 for its GPU greedy search; on CPU a narrower sketch keeps enrolment in seconds. */
export const DEFAULT_CORESET_PROJECTION = 32;
/** Centres per part of a composable coreset: bounds the work to about count × 256 distance evaluations. */
export const DEFAULT_CENTRES_PER_PART = 256;

/** The number of vectors a coreset of `count` vectors keeps: round(ratio·count), at least 1, at most maxSize. */
export function coresetSize(count: number, options: Pick<CoresetOptions, 'ratio' | 'maxSize'>): number {
  if (count <= 0) return 0;
  if (!(options.ratio > 0)) throw new RangeError(`coreset ratio must be positive, got ${options.ratio}`);
  const wanted = Math.max(1, Math.round(options.ratio * count));
  return Math.min(count, wanted, options.maxSize ?? Number.POSITIVE_INFINITY);
}

/**
 * PatchCore's greedy k-center coreset: start from a random vector, then repeatedly add the vector farthest from
 * everything chosen so far, so rare (and far) normal patches are always represented. Distances are taken in a
 * seeded random projection (approximate, as PatchCore). Returns chosen row indices; it may return fewer than asked
 * when every remaining vector duplicates a chosen one.
 *
 * Greedy selection costs count × size distance evaluations, too slow on a CPU for a 200k-patch enrolment, so a
 * large selection is made as a composable coreset (Indyk et al. 2014, Malkomes et al. 2015): the vectors are split
 * at random into parts that each get about `centresPerPart` centres, each part runs the greedy selection, and the
 * union is the coreset. That divides the work by the number of parts while each part still keeps its farthest
 * (outlying) vectors.
 */
export function greedyCoreset(vectors: Float32Array, dim: number, options: CoresetOptions): Int32Array {
  const count = vectors.length / dim;
  if (!Number.isInteger(count)) throw new RangeError(`coreset input has ${vectors.length} values, not a multiple of ${dim}`);
  const size = coresetSize(count, options);
  if (size === 0) return new Int32Array(0);
  if (size === count) return Int32Array.from({ length: count }, (_, i) => i);
  const projectionDim = options.projectionDim === undefined ? DEFAULT_CORESET_PROJECTION : options.projectionDim;
  const useProjection = projectionDim !== null && projectionDim < dim;
  const points = useProjection ? createProjection(dim, projectionDim, options.seed ^ 0x5eed).apply(vectors) : vectors;
  const d = useProjection ? projectionDim : dim;
  const rng = createRandom(options.seed);
  const parts = Math.max(1, Math.floor(size / (options.centresPerPart ?? DEFAULT_CENTRES_PER_PART)));
  if (parts === 1) return greedyKCentre(points, d, size, rng.int(0, count - 1));

  const order = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  const selected: Int32Array[] = [];
  for (let part = 0; part < parts; part++) {
    const from = Math.floor((part * count) / parts);
    const to = Math.floor(((part + 1) * count) / parts);
    const quota = Math.min(to - from, Math.floor(((part + 1) * size) / parts) - Math.floor((part * size) / parts));
    const local = new Float32Array((to - from) * d);
    for (let i = from; i < to; i++) local.set(points.subarray(order[i] * d, order[i] * d + d), (i - from) * d);
    const picked = greedyKCentre(local, d, quota, rng.int(0, to - from - 1));
    selected.push(picked.map((i) => order[from + i]));
  }
  const out = new Int32Array(selected.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of selected) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/**
 * Exact greedy k-center over `points` (row-major, width d) from `start`. Made faster by the triangle inequality,
 * not by approximation: a new centre p can only take over vector i (nearest centre a) when d(a, p) < 2·d(i, a),
 * so most vectors are skipped after one comparison, and every squared distance is abandoned once its partial sum
 * exceeds the bound that matters. Vectors are scanned in memory order on every iteration (cache friendly).
 */
export function greedyKCentre(points: Float32Array, d: number, size: number, start: number): Int32Array {
  const count = points.length / d;
  const centres = new Int32Array(size);
  const centreCoords = new Float32Array(size * d); // contiguous copies keep centre distances cache friendly
  const minD2 = new Float64Array(count).fill(Number.POSITIVE_INFINITY); // squared distance to nearest centre
  const owner = new Int32Array(count); // index of that nearest centre
  const centreToNew = new Float64Array(size);
  const p = new Float64Array(d);
  let pick = start;
  let maxMin = Number.POSITIVE_INFINITY;
  let chosen = 0;
  while (chosen < size) {
    const t = chosen++;
    centres[t] = pick;
    for (let k = 0; k < d; k++) p[k] = centreCoords[t * d + k] = points[pick * d + k];
    // Vectors never move to p when d(owner, p)² ≥ 4·maxMin ≥ 4·own: those centre distances may stop early.
    const centreBound = 4 * maxMin;
    for (let a = 0; a < t; a++) {
      let sum = 0;
      const base = a * d;
      for (let k = 0; k < d; k++) {
        const diff = centreCoords[base + k] - p[k];
        sum += diff * diff;
        if (sum >= centreBound) break;
      }
      centreToNew[a] = sum;
    }
    let best = -1;
    let bestD2 = -1;
    for (let i = 0; i < count; i++) {
      let own = minD2[i];
      if (centreToNew[owner[i]] < 4 * own) {
        let sum = 0;
        const base = i * d;
        for (let k = 0; k < d; k++) {
          const diff = points[base + k] - p[k];
          sum += diff * diff;
          if (sum >= own) break;
        }
        if (sum < own) {
          own = sum;
          minD2[i] = sum;
          owner[i] = t;
        }
      }
      if (own > bestD2) {
        bestD2 = own;
        best = i;
      }
    }
    maxMin = bestD2;
    pick = best;
    if (maxMin <= 0) break; // every vector coincides with a chosen one: more centres would only duplicate
  }
  return chosen === size ? centres : centres.slice(0, chosen);
}

/** Gathers the chosen rows into a memory bank. */
export function selectRows(vectors: Float32Array, dim: number, indices: Int32Array): MemoryBank {
  const out = new Float32Array(indices.length * dim);
  for (let n = 0; n < indices.length; n++) out.set(vectors.subarray(indices[n] * dim, indices[n] * dim + dim), n * dim);
  return { dim, count: indices.length, vectors: out };
}

import type { VectorIndex } from '../../../ports/vector-index.js';

/** recall@k of `approx` against `exact`: the share of true k nearest neighbours the approximate search returns. */
export async function measureRecall(exact: VectorIndex, approx: VectorIndex, queries: Float32Array, k: number): Promise<number> {
  const [truth, found] = await Promise.all([exact.search(queries, k), approx.search(queries, k)]);
  const count = queries.length / exact.dim;
  if (count === 0) return 1;
  let hits = 0;
  for (let q = 0; q < count; q++) {
    const expected = new Set(truth.indices.subarray(q * k, (q + 1) * k));
    for (let j = 0; j < k; j++) if (expected.has(found.indices[q * k + j]!)) hits++;
  }
  return hits / (count * k);
}

import { BruteForceIndex, BruteForceIndexFactory } from '../../../lambdas/adapters/vector-index/brute-force-index.js';
import { ExactIndex } from '../../../lambdas/adapters/local/vector-index/index.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

test('the pure-TypeScript exact index returns what the ONNX Runtime exact index returns', async () => {
  const rnd = random(11);
  const dim = 32;
  const bank = new Float32Array(700 * dim).map(() => rnd() * 2 - 1);
  const queries = new Float32Array(300 * dim).map(() => rnd() * 2 - 1);
  const k = 5;
  const pure = await new BruteForceIndexFactory().build(bank, dim);
  const ort = await ExactIndex.build(bank, dim);
  expect([pure.kind, pure.size, pure.dim]).toEqual(['exact', 700, dim]);
  const a = await pure.search(queries, k);
  const b = await ort.search(queries, k);
  expect(Array.from(await pure.distances(queries, 1))).toEqual(Array.from((await pure.search(queries, 1)).distances));
  const nearest = await ort.distances(queries, 1);
  await ort.dispose();
  for (let q = 0; q < 300; q++) expect(nearest[q]).toBeCloseTo(a.distances[q * k]!, 4);
  expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
  for (let i = 0; i < a.distances.length; i++) expect(a.distances[i]).toBeCloseTo(b.distances[i]!, 4);
  // Ascending per query.
  for (let q = 0; q < 300; q++) for (let i = 1; i < k; i++) expect(a.distances[q * k + i]!).toBeGreaterThanOrEqual(a.distances[q * k + i - 1]!);
});

test('exact hits, ties in index order, k = bank size, and the same argument checks', async () => {
  const bank = Float32Array.of(0, 0, 1, 0, 0, 1, 1, 0);
  const index = BruteForceIndex.build(bank, 2);
  const { distances, indices } = await index.search(Float32Array.of(1, 0), 4);
  expect(Array.from(indices)).toEqual([1, 3, 0, 2]);
  expect(Array.from(distances).map((d) => Number(d.toFixed(5)))).toEqual([0, 0, 1, 1.41421]);
  await expect(index.search(Float32Array.of(1, 0), 5)).rejects.toThrow(/k must be an integer in 1..4/);
  await expect(index.search(Float32Array.of(1, 0, 0), 1)).rejects.toThrow(/multiple of 2/);
  expect(() => BruteForceIndex.build(new Float32Array(3), 2)).toThrow(/multiple of 2/);
});

import { ExactIndex, LocalVectorIndexFactory, measureRecall } from '../../../../lambdas/adapters/local/vector-index/index.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function bruteForce(bank: Float32Array, queries: Float32Array, dim: number, k: number) {
  const n = bank.length / dim;
  const out: { index: number; distance: number }[][] = [];
  for (let q = 0; q < queries.length / dim; q++) {
    const all = Array.from({ length: n }, (_, i) => {
      let d = 0;
      for (let c = 0; c < dim; c++) d += (queries[q * dim + c]! - bank[i * dim + c]!) ** 2;
      return { index: i, distance: Math.sqrt(d) };
    });
    out.push(all.sort((a, b) => a.distance - b.distance).slice(0, k));
  }
  return out;
}

function clustered(n: number, dim: number, centres: Float32Array, rnd: () => number): Float32Array {
  const out = new Float32Array(n * dim);
  const count = centres.length / dim;
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rnd() * count);
    for (let d = 0; d < dim; d++) out[i * dim + d] = centres[c * dim + d]! + 0.2 * (rnd() - 0.5);
  }
  return out;
}

const factory = new LocalVectorIndexFactory();

test('exact search returns the brute-force neighbours and distances', async () => {
  const rnd = random(3);
  const dim = 24;
  const bank = new Float32Array(500 * dim).map(() => rnd() * 2 - 1);
  const queries = new Float32Array(40 * dim).map(() => rnd() * 2 - 1);
  const index = await factory.build(bank, dim, 'exact');
  expect([index.kind, index.size, index.dim]).toEqual(['exact', 500, dim]);
  const k = 5;
  const result = await index.search(queries, k);
  const expected = bruteForce(bank, queries, dim, k);
  expected.forEach((row, q) => {
    row.forEach(({ index: i, distance }, j) => {
      expect(result.indices[q * k + j]).toBe(i);
      expect(result.distances[q * k + j]).toBeCloseTo(distance, 4);
    });
  });
  await index.dispose();
});

test('exact search in small query batches (bounded memory) gives the same result as one batch', async () => {
  const rnd = random(5);
  const dim = 16;
  const bank = new Float32Array(300 * dim).map(() => rnd());
  const queries = new Float32Array(37 * dim).map(() => rnd());
  const whole = await ExactIndex.build(bank, dim);
  const batched = await ExactIndex.build(bank, dim, { maxDistanceValues: 300 * 4 });
  const [a, b] = await Promise.all([whole.search(queries, 3), batched.search(queries, 3)]);
  expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
  expect(Array.from(b.distances)).toEqual(Array.from(a.distances));
  await Promise.all([whole.dispose(), batched.dispose()]);
});

test('distances alone: the values search returns, bit for bit (k = 1 takes a row minimum, in batches too), and the same checks', async () => {
  const rnd = random(7);
  const dim = 16;
  const bank = new Float32Array(300 * dim).map(() => rnd() * 2 - 1);
  const queries = new Float32Array(37 * dim).map(() => rnd() * 2 - 1);
  const whole = await ExactIndex.build(bank, dim);
  const batched = await ExactIndex.build(bank, dim, { maxDistanceValues: 300 * 4 });
  for (const index of [whole, batched]) {
    for (const k of [1, 3]) {
      const [searched, alone] = await Promise.all([index.search(queries, k), index.distances(queries, k)]);
      expect(alone).toHaveLength(37 * k);
      expect(Array.from(alone)).toEqual(Array.from(searched.distances));
    }
  }
  await expect(whole.distances(new Float32Array(5), 1)).rejects.toMatchObject({ code: 'validation_failed' });
  await expect(whole.distances(queries, 301)).rejects.toMatchObject({ code: 'validation_failed' });
  await Promise.all([whole.dispose(), batched.dispose()]);
});

test('exact search rejects k outside 1..size and ragged queries', async () => {
  const index = await factory.build(new Float32Array(8).fill(1), 4, 'exact');
  await expect(index.search(new Float32Array(4), 3)).rejects.toMatchObject({ code: 'validation_failed' });
  await expect(index.search(new Float32Array(5), 1)).rejects.toMatchObject({ code: 'validation_failed' });
  await index.dispose();
});

test('approximate (usearch HNSW) search reaches recall >= 0.9 at k=1 on clustered data', async () => {
  const rnd = random(11);
  const dim = 32;
  const centres = new Float32Array(20 * dim).map(() => rnd() * 4 - 2);
  const bank = clustered(3000, dim, centres, rnd);
  const queries = clustered(300, dim, centres, rnd);
  const exact = await factory.build(bank, dim, 'exact');
  const approx = await factory.build(bank, dim, 'approximate');
  expect(approx.kind).toBe('approximate');
  const recall = await measureRecall(exact, approx, queries, 1);
  expect(recall).toBeGreaterThanOrEqual(0.9);
  // Distances it returns are true Euclidean distances of the neighbours it names.
  const { indices, distances } = await approx.search(queries.subarray(0, dim), 1);
  let d = 0;
  for (let c = 0; c < dim; c++) d += (queries[c]! - bank[indices[0]! * dim + c]!) ** 2;
  expect(distances[0]).toBeCloseTo(Math.sqrt(d), 3);
  expect(Array.from(await approx.distances(queries, 1))).toEqual(Array.from((await approx.search(queries, 1)).distances));
  await Promise.all([exact.dispose(), approx.dispose()]);
});

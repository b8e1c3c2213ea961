import { InProcessEmbeddingIndex } from '../../../../lambdas/adapters/local/vector-index/in-process-embedding-index.js';
import { ValidationError } from '../../../../lambdas/domain/errors.js';
import type { EmbeddingRecord } from '../../../../lambdas/ports/embedding-index.js';

const dim = 8;
const vector = (seed: number) => Float32Array.from({ length: dim }, (_, i) => Math.sin(seed * 7 + i));

function record(id: string, seed: number, extra: Partial<EmbeddingRecord> = {}): EmbeddingRecord {
  return { id, tenant: 'acme', profile: 'cathode', profileVersion: 1, material: 'Li-S', vector: vector(seed), ...extra };
}

/** Exact distances for comparison, computed independently in float64. */
function bruteForce(query: Float32Array, records: readonly EmbeddingRecord[]): { id: string; distance: number }[] {
  return records
    .map((r) => ({ id: r.id, distance: Math.hypot(...Array.from(query, (q, i) => q - r.vector[i]!)) }))
    .sort((a, b) => a.distance - b.distance);
}

describe('InProcessEmbeddingIndex', () => {
  test('returns the k nearest records with Euclidean distances, nearest first', async () => {
    const index = new InProcessEmbeddingIndex();
    const records = Array.from({ length: 50 }, (_, i) => record(`img-${i}`, i, { label: i % 2 ? 'normal' : 'reference' }));
    await index.index(records);
    const query = vector(17.3);
    const near = await index.nearest(query, 5, { tenant: 'acme', profile: 'cathode' });
    const expected = bruteForce(query, records).slice(0, 5);
    expect(near.map((n) => n.id)).toEqual(expected.map((e) => e.id));
    near.forEach((n, i) => expect(n.distance).toBeCloseTo(expected[i]!.distance, 5));
    expect(near[0]!.label).toBe(records.find((r) => r.id === near[0]!.id)!.label);
    // An indexed vector finds itself at distance 0; k beyond the count returns them all.
    expect((await index.nearest(vector(3), 1, { tenant: 'acme', profile: 'cathode' }))[0]).toMatchObject({ id: 'img-3', distance: 0 });
    expect(await index.nearest(query, 500, { tenant: 'acme', profile: 'cathode' })).toHaveLength(50);
  });

  test('tenant and profile always filter: another tenant or profile never appears', async () => {
    const index = new InProcessEmbeddingIndex();
    await index.index([
      record('a1', 1),
      record('a2', 2),
      record('other-tenant', 2, { tenant: 'globex' }),
      record('other-profile', 2, { profile: 'anode' }),
    ]);
    const near = await index.nearest(vector(2), 10, { tenant: 'acme', profile: 'cathode' });
    expect(near.map((n) => n.id)).toEqual(['a2', 'a1']);
    expect((await index.nearest(vector(2), 10, { tenant: 'globex', profile: 'cathode' })).map((n) => n.id)).toEqual(['other-tenant']);
    expect(await index.nearest(vector(2), 10, { tenant: 'nobody', profile: 'cathode' })).toEqual([]);
  });

  test('profileVersion and material filter when given; records without the field do not match a filter on it', async () => {
    const index = new InProcessEmbeddingIndex();
    await index.index([
      record('v1-lis', 1, { profileVersion: 1, material: 'Li-S' }),
      record('v2-lis', 2, { profileVersion: 2, material: 'Li-S' }),
      record('v2-nmc', 3, { profileVersion: 2, material: 'NMC' }),
      { id: 'bare', tenant: 'acme', profile: 'cathode', vector: vector(4) },
    ]);
    const ids = async (filter: { profileVersion?: number; material?: string }) =>
      (await index.nearest(vector(0), 10, { tenant: 'acme', profile: 'cathode', ...filter })).map((n) => n.id).sort();
    expect(await ids({})).toEqual(['bare', 'v1-lis', 'v2-lis', 'v2-nmc']);
    expect(await ids({ profileVersion: 2 })).toEqual(['v2-lis', 'v2-nmc']);
    expect(await ids({ material: 'Li-S' })).toEqual(['v1-lis', 'v2-lis']);
    expect(await ids({ profileVersion: 2, material: 'NMC' })).toEqual(['v2-nmc']);
    expect(await ids({ profileVersion: 3 })).toEqual([]);
  });

  test('tenant, profile, version and id identify a record: re-publishing a version replaces it, each version keeps its own, tenants never mix', async () => {
    const index = new InProcessEmbeddingIndex();
    await index.index([record('x', 1, { profileVersion: 1 }), record('x', 1, { tenant: 'globex', profileVersion: 1 })]);
    await index.index([record('x', 5, { profileVersion: 2 })]);
    await index.index([record('x', 7, { profileVersion: 2 })]); // the same version published again
    expect(index.size).toBe(3);
    // A run pinned to v1 still finds v1's image after v2 was published.
    expect(await index.nearest(vector(1), 5, { tenant: 'acme', profile: 'cathode', profileVersion: 1 })).toEqual([{ id: 'x', distance: 0 }]);
    expect((await index.nearest(vector(7), 5, { tenant: 'acme', profile: 'cathode', profileVersion: 2 }))).toEqual([{ id: 'x', distance: 0 }]);
    expect((await index.nearest(vector(1), 1, { tenant: 'globex', profile: 'cathode', profileVersion: 1 }))[0]).toMatchObject({ id: 'x', distance: 0 });
  });

  test('stores a copy of each vector: the caller may reuse its buffer', async () => {
    const index = new InProcessEmbeddingIndex();
    const buffer = vector(1);
    await index.index([{ id: 'a', tenant: 'acme', profile: 'cathode', vector: buffer }]);
    buffer.fill(100);
    expect((await index.nearest(vector(1), 1, { tenant: 'acme', profile: 'cathode' }))[0]!.distance).toBe(0);
  });

  test('vectors of another width live apart, as one OpenSearch index per backbone', async () => {
    const index = new InProcessEmbeddingIndex();
    await index.index([record('narrow', 1), { ...record('wide', 1), vector: new Float32Array(16).fill(0.5) }]);
    expect((await index.nearest(vector(1), 5, { tenant: 'acme', profile: 'cathode' })).map((n) => n.id)).toEqual(['narrow']);
    expect((await index.nearest(new Float32Array(16), 5, { tenant: 'acme', profile: 'cathode' })).map((n) => n.id)).toEqual(['wide']);
    // Re-embedding an image with another backbone replaces its record.
    await index.index([{ ...record('narrow', 1), vector: new Float32Array(16) }]);
    expect(await index.nearest(vector(1), 5, { tenant: 'acme', profile: 'cathode' })).toEqual([]);
    expect(index.size).toBe(2);
  });

  test('rejects empty or non-finite vectors and a bad k, indexing nothing from a bad batch', async () => {
    const index = new InProcessEmbeddingIndex();
    const nan = vector(1);
    nan[3] = Number.NaN;
    await expect(index.index([record('ok', 2), { ...record('bad', 1), vector: nan }])).rejects.toBeInstanceOf(ValidationError);
    await expect(index.index([{ ...record('empty', 1), vector: new Float32Array(0) }])).rejects.toBeInstanceOf(ValidationError);
    expect(index.size).toBe(0);
    await expect(index.nearest(vector(1), 0, { tenant: 'acme', profile: 'cathode' })).rejects.toBeInstanceOf(ValidationError);
  });
});

import { createOpenSearchClient, OpenSearchEmbeddingIndex } from '../../../lambdas/adapters/aws/opensearch-embedding-index.js';

/**
 * Runs against a real OpenSearch (2.9+, k-NN plugin) when OPENSEARCH_URL is set, e.g.
 * `OPENSEARCH_URL=http://127.0.0.1:9200 npm test -- opensearch`; add OPENSEARCH_REGION to sign with SigV4 for
 * Amazon OpenSearch Service. Skipped otherwise: no OpenSearch can run in CI here.
 */
const url = process.env.OPENSEARCH_URL;
const describeWithOpenSearch = url ? describe : describe.skip;

describeWithOpenSearch(`OpenSearch k-NN integration (${url ? url : 'skipped: OPENSEARCH_URL is not set'})`, () => {
  const dim = 8;
  const suffix = `it${Date.now().toString(36)}`;
  const connect = () =>
    new OpenSearchEmbeddingIndex(createOpenSearchClient({ node: url!, region: process.env.OPENSEARCH_REGION }), {
      indexPrefix: 'mmdo-embeddings-',
      backbone: suffix,
      dim,
      refresh: true,
    });
  const vector = (seed: number) => Float32Array.from({ length: dim }, (_, i) => Math.sin(seed * 7 + i));

  test('indexes and finds the nearest embeddings within tenant and profile only', async () => {
    const index = connect();
    await index.ensureTemplate();
    await index.index([
      ...[1, 2, 3, 4].map((s) => ({ id: `a${s}`, tenant: 'acme', profile: 'cathode', material: 'Li-S', vector: vector(s) })),
      { id: 'other', tenant: 'globex', profile: 'cathode', material: 'Li-S', vector: vector(2) },
    ]);
    const near = await index.nearest(vector(2), 3, { tenant: 'acme', profile: 'cathode' });
    expect(near[0]).toMatchObject({ id: 'a2' });
    expect(near[0]!.distance).toBeCloseTo(0, 3);
    expect(near.map((n) => n.id)).not.toContain('other');
    expect(near.length).toBe(3);
  });
});

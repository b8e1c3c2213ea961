import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenSearchClient, l2FromScore, OpenSearchEmbeddingIndex } from '../../../lambdas/adapters/aws/opensearch-embedding-index.js';
import { MmdoError } from '../../../lambdas/domain/errors.js';

/**
 * No OpenSearch can run here, so these tests use a MOCK of OpenSearch: a loopback HTTP server that checks each
 * request against the k-NN documentation's shapes (index template with knn_vector/faiss, _bulk NDJSON, knn query
 * with an efficient filter) and answers with the documented response shapes. The shirts example from the docs'
 * "Using a Faiss efficient filter" page supplies the vectors and the scores.
 */
interface Recorded { method: string; url: string; body: string }
let server: Server;
let url: string;
let requests: Recorded[] = [];
let reply: (req: Recorded) => { status: number; body: unknown };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const recorded = { method: req.method ?? '', url: req.url ?? '', body: await readBody(req) };
    requests.push(recorded);
    const { status, body } = reply(recorded);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  requests = [];
});

const index = () => new OpenSearchEmbeddingIndex(createOpenSearchClient({ node: url }), { indexPrefix: 'mmdo-embeddings-', backbone: 'shirts', dim: 3, refresh: true });

test('mock OpenSearch: the index template maps a faiss HNSW knn_vector in L2 space', async () => {
  reply = () => ({ status: 200, body: { acknowledged: true } });
  await index().ensureTemplate();
  expect(requests).toHaveLength(1);
  const [req] = requests;
  // The docs show PUT; the API accepts POST too, which is what the client sends.
  expect(['PUT', 'POST']).toContain(req!.method);
  expect(req!.url).toBe('/_index_template/mmdo-embeddings-shirts');
  const body = JSON.parse(req!.body);
  expect(body.index_patterns).toEqual(['mmdo-embeddings-shirts*']);
  expect(body.template.settings.index.knn).toBe(true);
  expect(body.template.mappings.properties.embedding).toEqual({
    type: 'knn_vector',
    dimension: 3,
    method: { name: 'hnsw', space_type: 'l2', engine: 'faiss', parameters: { ef_construction: 128, m: 16 } },
  });
  for (const field of ['tenant', 'profile', 'material', 'imageId']) expect(body.template.mappings.properties[field].type).toBe('keyword');
});

test('mock OpenSearch: bulk indexing sends NDJSON action/document pairs whose ids carry tenant, profile and version', async () => {
  reply = () => ({
    status: 200,
    body: {
      took: 11,
      errors: false,
      items: [1, 2].map((n) => ({ index: { _index: 'mmdo-embeddings-shirts', _id: `acme/cathode/img${n}`, _version: 1, result: 'created', status: 201 } })),
    },
  });
  await index().index([
    { id: 'img1', tenant: 'acme', profile: 'cathode', material: 'Li-S', vector: Float32Array.of(2.4, 4, 3) },
    { id: 'img2', tenant: 'acme', profile: 'cathode', profileVersion: 2, vector: Float32Array.of(6.4, 3.4, 6.6) },
  ]);
  const [req] = requests;
  expect(req!.method).toBe('POST');
  expect(req!.url).toBe('/_bulk?refresh=wait_for');
  const lines = req!.body.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines).toHaveLength(4);
  expect(lines[0]).toEqual({ index: { _index: 'mmdo-embeddings-shirts', _id: 'acme/cathode/v0/img1' } });
  expect(lines[2]).toEqual({ index: { _index: 'mmdo-embeddings-shirts', _id: 'acme/cathode/v2/img2' } });
  expect(lines[1]).toMatchObject({ imageId: 'img1', tenant: 'acme', profile: 'cathode', material: 'Li-S' });
  expect(lines[1].embedding).toHaveLength(3);
  expect(lines[3]).toMatchObject({ imageId: 'img2', profileVersion: 2 });
});

test('mock OpenSearch: a bulk response with item errors is reported, not ignored', async () => {
  reply = () => ({
    status: 200,
    body: {
      took: 3,
      errors: true,
      items: [{ index: { _index: 'mmdo-embeddings-shirts', _id: 'acme/cathode/img1', status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [embedding]' } } }],
    },
  });
  await expect(index().index([{ id: 'img1', tenant: 'acme', profile: 'cathode', vector: Float32Array.of(1, 2, 3) }])).rejects.toThrow(MmdoError);
});

test('mock OpenSearch: filtered k-NN query and the documented response become Euclidean distances', async () => {
  // The documented response of the Faiss efficient-filter example (query [2, 4, 3], k 10, size 2).
  reply = () => ({
    status: 200,
    body: {
      took: 2,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: {
        total: { value: 2, relation: 'eq' },
        max_score: 0.8620689,
        hits: [
          { _index: 'mmdo-embeddings-shirts', _id: 'acme/cathode/8', _score: 0.8620689, _source: { imageId: '8', label: 'good' } },
          { _index: 'mmdo-embeddings-shirts', _id: 'acme/cathode/6', _score: 0.029691212, _source: { imageId: '6' } },
        ],
      },
    },
  });
  const query = Float32Array.of(2, 4, 3);
  const near = await index().nearest(query, 2, { tenant: 'acme', profile: 'cathode', material: 'Li-S' });

  const [req] = requests;
  expect(req!.method).toBe('POST');
  expect(req!.url).toBe('/mmdo-embeddings-shirts/_search');
  const body = JSON.parse(req!.body);
  expect(body.size).toBe(2);
  expect(body.query.knn.embedding.vector).toEqual([2, 4, 3]);
  expect(body.query.knn.embedding.k).toBe(2);
  expect(body.query.knn.embedding.filter.bool.filter).toEqual([
    { term: { tenant: 'acme' } },
    { term: { profile: 'cathode' } },
    { term: { material: 'Li-S' } },
  ]);

  // Scores are 1 / (1 + d²): they must convert back to the true distances of the example's vectors.
  const euclid = (v: number[]) => Math.hypot(...v.map((x, i) => x - query[i]!));
  expect(near.map((n) => n.id)).toEqual(['8', '6']);
  expect(near[0]!.label).toBe('good');
  expect(near[0]!.distance).toBeCloseTo(euclid([2.4, 4, 3]), 4);
  expect(near[1]!.distance).toBeCloseTo(euclid([6.4, 3.4, 6.6]), 3);
});

test('a run pinned to a profile version filters on it inside the k-NN search (tenant and profile always)', () => {
  const body = index().searchBody(Float32Array.of(1, 2, 3), 3, { tenant: 'acme', profile: 'cathode', profileVersion: 3 }) as {
    query: { knn: { embedding: { filter: { bool: { filter: unknown[] } } } } };
  };
  expect(body.query.knn.embedding.filter.bool.filter).toEqual([{ term: { tenant: 'acme' } }, { term: { profile: 'cathode' } }, { term: { profileVersion: 3 } }]);
});

test('l2FromScore inverts the L2 score and treats a zero score as infinitely far', () => {
  expect(l2FromScore(1)).toBe(0);
  expect(l2FromScore(0.2)).toBeCloseTo(2, 10);
  expect(l2FromScore(0)).toBe(Number.POSITIVE_INFINITY);
});

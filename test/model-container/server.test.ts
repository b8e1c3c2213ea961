import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSageMakerClient, isRetryable, SageMakerBackbone, SageMakerEndpoint, SageMakerPatchScorer, tilesPerRequest } from '../../lambdas/adapters/aws/sagemaker-backbone.js';
import { encodeFrame, TENSOR_CONTENT_TYPE } from '../../lambdas/domain/wire/tensor-frame.js';
import { builtinBackbone, loadBackbone } from '../../lambdas/adapters/onnx/model-store.js';
import type { OnnxBackbone } from '../../lambdas/adapters/onnx/onnx-backbone.js';
import { BankIndexCache } from '../../lambdas/adapters/scoring/bank-index-cache.js';
import { InProcessPatchScorer } from '../../lambdas/adapters/scoring/in-process-patch-scorer.js';
import { ExactIndex } from '../../lambdas/adapters/local/vector-index/exact-index.js';
import { LocalVectorIndexFactory } from '../../lambdas/adapters/local/vector-index/index.js';
import { MmdoError } from '../../lambdas/domain/errors.js';
import type { GreyImage } from '../../lambdas/domain/image/grey-image.js';
import { extractPaddedTile, insideRect, planPaddedTiles } from '../../lambdas/domain/image/tiling.js';
import type { PatchFeatureConfig } from '../../lambdas/domain/profile/profile.js';
import { listedTiles as listed, type ScoringTile } from '../../lambdas/ports/patch-scorer.js';
import { patchScores } from '../../lambdas/domain/scoring/anomaly-map.js';
import { buildPatchGrid, poolInside } from '../../lambdas/domain/scoring/patch-grid.js';
import { drawCrack, grainTexture } from '../e2e/textures.js';
import { testSettings } from '../support/profiles.js';
import { startTestContainer, type TestContainer } from './support.js';

const TILE = 64;
const FEATURES: PatchFeatureConfig = { layers: ['stride8', 'stride16'], neighbourhood: 3, k: 2, coresetRatio: 1, projectionDim: null, seed: 7 };
/** Exercises the projection, a wider window and the product's k = 1 (a row minimum, not TopK) in the device scoring head. */
const PROJECTED: PatchFeatureConfig = { ...FEATURES, neighbourhood: 5, projectionDim: 24, seed: 11, k: 1 };
/** A tile scored whole (no border: every cell is inside the image). */
const whole = (image: GreyImage): ScoringTile => ({ image, inside: { x0: 0, y0: 0, x1: image.width, y1: image.height } });

/** A grain texture tiled as inspection tiles it with the 'grains' profile's border, tile size and overlap. */
async function tiledGrains(size: number, seed: number) {
  const ref = { tenant: 'acme', name: 'grains', version: 1 };
  const { settings } = await container.profiles.describe('acme', 'grains', 1);
  const image = grainTexture(size, seed);
  const pad = settings.borderPad;
  const plan = planPaddedTiles(image.width, image.height, settings.tiling, pad, local.descriptor.sizeMultiple);
  const tileAt = (i: number): ScoringTile => ({ image: extractPaddedTile(image, pad, plan.tiles[i]!), inside: insideRect(plan.tiles[i]!, pad, image.width, image.height) });
  return { ref, plan, tileAt };
}

let container: TestContainer;
let local: OnnxBackbone;
/** The same built-in network with two patch layers chosen (exercises the head's resize and concatenation). */
let multi: OnnxBackbone;

async function bankOf(images: GreyImage[], features: PatchFeatureConfig): Promise<{ vectors: Float32Array; dim: number; count: number }> {
  const maps = await multi.extract(images);
  const grids = maps.map((m) => buildPatchGrid(m, features));
  const dim = grids[0]!.dim;
  const vectors = new Float32Array(grids.reduce((n, g) => n + g.data.length, 0));
  let offset = 0;
  for (const g of grids) {
    vectors.set(g.data, offset);
    offset += g.data.length;
  }
  return { vectors, dim, count: vectors.length / dim };
}

beforeAll(async () => {
  container = await startTestContainer();
  local = await loadBackbone({ model: 'builtin' });
  multi = await loadBackbone({ model: 'builtin', layers: { patchLayers: FEATURES.layers } });
  const { sha256, manifest } = builtinBackbone();
  for (const [name, features] of [['grains', FEATURES], ['grains-projected', PROJECTED]] as const) {
    await container.profiles.saveNewVersion('acme', {
      name,
      createdAt: new Date().toISOString(),
      backbone: { id: manifest.id, sha256 },
      pixelSizeUm: null,
      features,
      // A border of a whole embedding cell (stride 16), so every padded tile below has border cells to leave out.
      settings: testSettings({ borderPad: 16, tiling: { tileSize: 48, overlap: 16 } }),
      bank: await bankOf([1, 2, 3].map((s) => grainTexture(TILE, s)), features),
      calibration: { normalImageScores: [1], suspect: 1, anomalous: 2, pixelThreshold: 1, normalNoveltyScores: [] },
      embeddings: { dim: 0, ids: [], vectors: new Float32Array(0) },
      enrolled: { bank: ['1', '2', '3'], calibration: [] },
    });
  }
});

afterAll(async () => {
  await container.close();
  await local.dispose();
  await multi.dispose();
});

describe('model container through the SageMaker adapter (real server on loopback)', () => {
  test('GET /ping answers 200 with the backbone and device', async () => {
    const res = await fetch(`${container.server.url}/ping`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', backbone: builtinBackbone().manifest.id, device: 'cpu' });
  });

  test('features from the endpoint equal the in-process ONNX backbone', async () => {
    const tiles = [grainTexture(TILE, 11), grainTexture(TILE, 12)];
    const remote = await SageMakerBackbone.create(container.endpoint());
    expect(remote.descriptor).toEqual(local.descriptor);
    const [got, want] = [await remote.extract(tiles), await local.extract(tiles)];
    expect(got).toHaveLength(2);
    got.forEach((maps, t) => maps.forEach((m) => {
      const w = want[t]!.find((x) => x.name === m.name)!;
      expect([m.channels, m.height, m.width]).toEqual([w.channels, w.height, w.width]);
      let worst = 0;
      for (let i = 0; i < m.data.length; i++) worst = Math.max(worst, Math.abs(m.data[i]! - w.data[i]!));
      expect(worst).toBeLessThan(1e-4);
    }));
  });

  test('tiles beyond one payload are split across requests with the same result', async () => {
    const tiles = [31, 32, 33].map((seed) => grainTexture(TILE, seed));
    const whole = await (await SageMakerBackbone.create(container.endpoint())).extract(tiles);
    const before = container.server.batcher.stats;
    // A payload limit just above one tile's response forces one tile per request.
    const wanted = new Set([...local.descriptor.patchLayers, local.descriptor.embeddingLayer]);
    const perTile = local.descriptor.layers.filter((l) => wanted.has(l.name)).reduce((n, l) => n + 4 * l.channels * (TILE / l.stride) ** 2, 0);
    const split = await (await SageMakerBackbone.create(container.endpoint(), { payloadLimit: perTile + 70 * 1024, concurrency: 1 })).extract(tiles);
    expect(container.server.batcher.stats.runs - before.runs).toBe(3);
    split.forEach((maps, t) => maps.forEach((m, l) => expect(Array.from(m.data)).toEqual(Array.from(whole[t]![l]!.data))));
  });

  test('concurrent requests are batched into shared ORT runs', async () => {
    const batching = await startTestContainer({ maxTiles: 8, delayMs: 40 });
    try {
      const remote = await SageMakerBackbone.create(batching.endpoint());
      await Promise.all(Array.from({ length: 6 }, (_, i) => remote.extract([grainTexture(TILE, 40 + i)])));
      const stats = batching.server.batcher.stats;
      expect(stats.tiles).toBe(6);
      expect(stats.runs).toBeLessThan(6);
      expect(stats.largestRun).toBeGreaterThan(1);
    } finally {
      await batching.close();
    }
  });

  test.each([['grains', FEATURES], ['grains-projected', PROJECTED]] as const)('patch scores on the device (%s) match buildPatchGrid + an in-process exact search, and a crack scores higher', async (name, features) => {
    const normal = grainTexture(TILE, 21);
    const cracked = grainTexture(TILE, 22);
    drawCrack(cracked, 8, 10, 56, 50, 2);
    const scorer = await SageMakerPatchScorer.create(container.endpoint());
    const ref = { tenant: 'acme', name, version: 1 };
    const scored = await scorer.scoreTiles(listed([whole(normal), whole(cracked)]), ref);
    expect([scored.rows, scored.cols, scored.stride]).toEqual([TILE / 8, TILE / 8, 8]);
    expect(scored.embeddingDim).toBe(local.descriptor.layers.find((l) => l.name === 'stride16')!.channels);

    const bank = (await container.profiles.load('acme', name, 1)).bank;
    const index = await ExactIndex.build(bank.vectors, bank.dim);
    const grids = (await multi.extract([normal, cracked])).map((m) => buildPatchGrid(m, features));
    const queries = new Float32Array(grids.length * grids[0]!.data.length);
    grids.forEach((g, i) => queries.set(g.data, i * g.data.length));
    const want = patchScores(await index.distances(queries, features.k), features.k, features.k);
    await index.dispose();
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i]! - scored.scores[i]!) / Math.max(1e-3, want[i]!));
    expect(worst).toBeLessThan(1e-3);

    const cells = scored.rows * scored.cols;
    const max = (from: number) => Math.max(...scored.scores.subarray(from, from + cells));
    expect(max(cells)).toBeGreaterThan(max(0) * 1.2);
  });

  test('the in-process scorer makes and searches the tiles a batch at a time, with the scores of one search over all', async () => {
    const { ref, plan, tileAt } = await tiledGrains(160, 62);
    expect(plan.tiles.length).toBeGreaterThan(4);
    let extracted = 0;
    const counting = Object.create(multi, { extract: { value: (tiles: GreyImage[]) => (extracted++, multi.extract(tiles)) } }) as OnnxBackbone;
    const madeAfter: number[] = [];
    const tiles = {
      count: plan.tiles.length,
      tile: (i: number) => {
        madeAfter[i] = extracted;
        return tileAt(i);
      },
    };
    const banks = new BankIndexCache(container.profiles, new LocalVectorIndexFactory(), () => 'exact');
    try {
      const inBatches = await new InProcessPatchScorer(counting, banks, 2).scoreTiles(tiles, ref);
      // Tile i is made once the batches before it have been embedded, not before.
      expect(madeAfter).toEqual(plan.tiles.map((_, i) => Math.floor(i / 2)));
      const atOnce = await new InProcessPatchScorer(multi, banks, plan.tiles.length).scoreTiles(tiles, ref);
      expect(inBatches.scores).toEqual(atOnce.scores);
      expect(inBatches.embeddings).toEqual(atOnce.embeddings);
      expect([inBatches.rows, inBatches.cols, inBatches.stride]).toEqual([atOnce.rows, atOnce.cols, atOnce.stride]);
    } finally {
      await banks.dispose();
    }
  });

  test('a padded tile\'s embedding is pooled over its inside rectangle, equal to the local scorer\'s (InProcessPatchScorer / poolInside)', async () => {
    // An image tiled as inspection tiles it with the profile's border: tiles of the padded image, each with the
    // rectangle that shows the image itself (the rest is mirrored border).
    const { ref, plan, tileAt } = await tiledGrains(100, 61);
    expect(plan.tiles.length).toBeGreaterThan(1);
    const tiles = plan.tiles.map((_, i) => tileAt(i));
    expect(new Set(tiles.map((t) => JSON.stringify(t.inside))).size).toBe(tiles.length);

    const remote = await (await SageMakerPatchScorer.create(container.endpoint())).scoreTiles(listed(tiles), ref);
    const banks = new BankIndexCache(container.profiles, new LocalVectorIndexFactory(), () => 'exact');
    const inProcess = await new InProcessPatchScorer(multi, banks).scoreTiles(listed(tiles), ref).finally(() => banks.dispose());
    expect(remote.embeddingDim).toBe(inProcess.embeddingDim);
    expect(remote.embeddings).toHaveLength(tiles.length * remote.embeddingDim);
    const relative = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1e-3, Math.abs(b[i]!)));
      return worst;
    };
    expect(relative(remote.embeddings, inProcess.embeddings)).toBeLessThan(1e-3);
    expect(relative(remote.scores, inProcess.scores)).toBeLessThan(1e-3);

    // Both are poolInside of the embedding layer over the inside rectangle, which is not the whole tile's mean.
    const layer = local.descriptor.embeddingLayer;
    const maps = await local.extract(tiles.map((t) => t.image));
    tiles.forEach((t, i) => {
      const map = maps[i]!.find((m) => m.name === layer)!;
      const got = remote.embeddings.subarray(i * remote.embeddingDim, (i + 1) * remote.embeddingDim);
      expect(relative(got, poolInside(map, t.inside))).toBeLessThan(1e-3);
      const all = poolInside(map, { x0: 0, y0: 0, x1: t.image.width, y1: t.image.height });
      expect(relative(got, all)).toBeGreaterThan(1e-2);
    });
  });

  test('an unknown profile is a permanent 404 problem, not retried', async () => {
    const scorer = await SageMakerPatchScorer.create(container.endpoint());
    const error = await scorer.scoreTiles(listed([whole(grainTexture(TILE, 5))]), { tenant: 'acme', name: 'nope', version: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MmdoError);
    expect(error).toMatchObject({ code: 'not_found', status: 404 });
  });

  test('wrong content type, unknown path and over-limit bodies get problem+json', async () => {
    const wrongType = await fetch(`${container.server.url}/invocations`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('content-type')).toBe('application/problem+json');
    expect(await wrongType.json()).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect((await fetch(`${container.server.url}/models`)).status).toBe(404);
    const big = encodeFrame({ op: 'extract' }, [{ name: 'tiles', shape: [7, 512, 512], data: new Float32Array(7 * 512 * 512) }]);
    const tooBig = await fetch(`${container.server.url}/invocations`, { method: 'POST', body: big, headers: { 'content-type': TENSOR_CONTENT_TYPE } });
    expect(tooBig.status).toBe(413);
  });

  test('the adapter splits tiles so requests and responses stay under 6 MB', () => {
    expect(tilesPerRequest(4 * 512 * 512, 1_000_000)).toBe(5);
    expect(() => tilesPerRequest(4 * 512 * 512, 8 * 1024 * 1024)).toThrow(MmdoError);
  });
});

describe('retries through a throttling proxy in front of the real container', () => {
  let proxy: Server;
  let remaining = 0;
  let refused = 0;

  beforeAll(async () => {
    // Answers 429 (then 503) for the next `remaining` requests, forwards everything else to the container.
    proxy = createServer((req, res) => {
      if (remaining > 0) {
        remaining--;
        refused++;
        req.resume();
        res.writeHead(refused % 2 ? 429 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'slow down' }));
        return;
      }
      const upstream = httpRequest(`${container.server.url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => proxy.close(() => r())));

  const viaProxy = (attempts: number) => {
    const { port } = proxy.address() as AddressInfo;
    const client = createSageMakerClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    return new SageMakerEndpoint(client, 'mmdo-test', { attempts, baseDelayMs: 5, maxDelayMs: 20 });
  };

  test('429 and 503 are retried with backoff until the endpoint answers', async () => {
    remaining = 3;
    refused = 0;
    const described = await viaProxy(5).describe();
    expect(described.backbone.id).toBe(builtinBackbone().manifest.id);
    expect(refused).toBe(3);
  });

  test('throttling that outlasts the attempts surfaces as retryable for the workflow', async () => {
    remaining = 10;
    refused = 0;
    const error = await viaProxy(2).describe().catch((e: unknown) => e);
    expect(refused).toBe(2);
    expect(isRetryable(error)).toBe(true);
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(503);
    remaining = 0;
  });
});

/**
 * Container throughput: images per second through the real server and the SageMaker adapter, on the production
 * path (tile per the backbone's plan, embed + score every tile against a cached memory bank on the device).
 *   node --import tsx model-container/bench/throughput.ts [--backbone builtin|<onnx>] [--sizes 256,1024]
 *        [--seconds 10] [--concurrency 4] [--device auto|cpu|cuda]
 * Prints one JSON line per size on stdout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSageMakerClient, SageMakerEndpoint, SageMakerPatchScorer } from '../../lambdas/adapters/aws/sagemaker-backbone.js';
import { ProfileVersionFiles } from '../../lambdas/adapters/aws/s3-profile-store.js';
import { resolveBackbone } from '../../lambdas/adapters/onnx/model-store.js';
import { FileArtifactStore } from '../../lambdas/adapters/files/file-artifact-store.js';
import { extractPaddedTile, insideRect, planPaddedTiles } from '../../lambdas/domain/image/tiling.js';
import { DEFAULT_SCORING_SETTINGS, tileOverlap, type ScoringSettings } from '../../lambdas/domain/profile/settings.js';
import type { PatchFeatureConfig } from '../../lambdas/domain/profile/profile.js';
import { listedTiles } from '../../lambdas/ports/patch-scorer.js';
import { buildPatchGrid } from '../../lambdas/domain/scoring/patch-grid.js';
import { generateMicrograph } from '../../lambdas/domain/synth/index.js';
import { BankScorer } from '../src/bank-scorer.js';
import { InferenceEngine, type DevicePreference } from '../src/engine.js';
import { startModelServer } from '../src/server.js';

const { values } = parseArgs({
  options: {
    backbone: { type: 'string', default: 'builtin' },
    sizes: { type: 'string', default: '256,1024' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '4' },
    device: { type: 'string', default: 'auto' },
    bank: { type: 'string', default: '2048' },
  },
});

const resolved = await resolveBackbone({ model: values.backbone });
const engine = await InferenceEngine.create(resolved, values.device as DevicePreference);
const d = engine.descriptor;
const features: PatchFeatureConfig = { layers: d.patchLayers, neighbourhood: 3, k: 1, coresetRatio: 0.1, projectionDim: 64, seed: 42 };
const settings: ScoringSettings = {
  ...DEFAULT_SCORING_SETTINGS, heatmapLow: 0,
  tiling: { tileSize: d.tileSize, overlap: tileOverlap(d.tileSize, d.sizeMultiple, d.layers.filter((l) => features.layers.includes(l.name)).map((l) => l.stride)) },
};
const root = await mkdtemp(join(tmpdir(), 'mmdo-bench-'));
// One writer and a fixed version 1: the registry (DynamoDB) is not needed to serve a version by number.
const profiles = new ProfileVersionFiles(new FileArtifactStore(root));

// A memory bank of real patch descriptors of this backbone (rows of a few generated micrographs).
const bankSize = Number(values.bank);
const sample = generateMicrograph({ seed: 1, width: d.tileSize, height: d.tileSize, pixelSizeUm: 0.1 }).image;
const out = await engine.run(sample.data, 1, d.tileSize, d.tileSize, d.layers.map((l) => l.name));
const grid = buildPatchGrid(d.layers.map((l) => {
  const o = out.get(l.name)!;
  return { name: l.name, stride: l.stride, channels: o.dims[1]!, height: o.dims[2]!, width: o.dims[3]!, data: o.data };
}), features);
const vectors = new Float32Array(bankSize * grid.dim);
for (let r = 0; r < bankSize; r++) vectors.set(grid.data.subarray(((r * 7919) % (grid.rows * grid.cols)) * grid.dim, (((r * 7919) % (grid.rows * grid.cols)) + 1) * grid.dim), r * grid.dim);
await profiles.write('bench', {
  name: 'bank', version: 1, createdAt: new Date().toISOString(), backbone: { id: d.id, sha256: d.sha256 }, pixelSizeUm: null, features, settings,
  bank: { dim: grid.dim, count: bankSize, vectors },
  calibration: { normalImageScores: [1], suspect: 1, anomalous: 2, pixelThreshold: 1, normalNoveltyScores: [] },
  embeddings: { dim: 0, ids: [], vectors: new Float32Array(0) }, enrolled: { bank: [], calibration: [] },
});

const scorer = new BankScorer(profiles, engine.device, d);
const server = await startModelServer({ engine, scorer, host: '127.0.0.1', port: 0, batching: { maxTiles: 8, delayMs: 4 } });
const endpoint = new SageMakerEndpoint(createSageMakerClient({ endpoint: server.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), 'bench');
const remote = await SageMakerPatchScorer.create(endpoint);
const ref = { tenant: 'bench', name: 'bank', version: 1 };

for (const size of values.sizes!.split(',').map(Number)) {
  const image = generateMicrograph({ seed: 2, width: size, height: size, pixelSizeUm: 0.1 }).image;
  // Tiled as the pipeline's embed stage tiles (the profile's border, tile size and overlap).
  const pad = settings.borderPad;
  const plan = planPaddedTiles(size, size, settings.tiling, pad, d.sizeMultiple);
  const tiles = listedTiles(plan.tiles.map((t) => ({ image: extractPaddedTile(image, pad, t), inside: insideRect(t, pad, size, size) })));
  await remote.scoreTiles(tiles, ref); // warm-up: bank load, ORT shapes
  const before = server.batcher.stats;
  const deadline = performance.now() + Number(values.seconds) * 1000;
  let images = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(Array.from({ length: Number(values.concurrency) }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await remote.scoreTiles(tiles, ref);
      latencies.push(performance.now() - t0);
      images++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const after = server.batcher.stats;
  latencies.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({
    backbone: d.id, device: engine.device, cpu: cpus()[0]?.model, cores: cpus().length, size, tilesPerImage: tiles.count, tileSize: plan.tileWidth,
    bankVectors: bankSize, concurrency: Number(values.concurrency), imagesPerSecond: Math.round((images / seconds) * 100) / 100,
    p50Ms: Math.round(latencies[Math.floor(latencies.length / 2)]!), meanTilesPerRun: Math.round(((after.tiles - before.tiles) / Math.max(1, after.runs - before.runs)) * 10) / 10,
  })}\n`);
}

await server.close();
await scorer.dispose();
await engine.dispose();
await rm(root, { recursive: true, force: true });

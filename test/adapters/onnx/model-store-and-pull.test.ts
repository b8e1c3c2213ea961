import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { GraphBuilder } from '../../../lambdas/adapters/onnx/graph-builder.js';
import { buildFilterBankModel } from '../../../lambdas/adapters/onnx/filter-bank-model.js';
import { listInstalledModels, loadBackbone, resolveBackbone, sha256Hex } from '../../../lambdas/adapters/onnx/model-store.js';
import { pullModel } from '../../../lambdas/adapters/onnx/model-pull.js';

/** A tiny 3-channel "backbone" with MobileNet-style loose metadata_props: two average-pooled outputs. */
function tinyModel(metadata: Record<string, string>): Uint8Array {
  const g = new GraphBuilder('tiny');
  const x = g.input('image', ['N', 3, 'H', 'W']);
  g.op('AveragePool', [x], { kernel_shape: [8, 8], strides: [8, 8] }, 'mid');
  g.op('AveragePool', [x], { kernel_shape: [16, 16], strides: [16, 16] }, 'deep');
  g.output('mid', ['N', 3, 'H/8', 'W/8']);
  g.output('deep', ['N', 3, 'H/16', 'W/16']);
  return g.encode(metadata);
}

const LOOSE = { preprocess: 'rgb/127.5-1', outputs: 'mid:stride8,deep:stride16 (NCHW)', input_layout: 'H and W multiples of 16' };
let home: string;
let server: Server;
let base: string;
const model = tinyModel(LOOSE);

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mmdo-model-'));
  server = createServer((req, res) => {
    if (req.url === '/tiny/model.onnx') {
      res.writeHead(200, { 'content-length': model.length });
      res.end(Buffer.from(model));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(home, { recursive: true, force: true });
});

test('a model file is described from its metadata_props, and runs with that preprocessing', async () => {
  const file = join(home, 'loose.onnx');
  await writeFile(file, model);
  const resolved = await resolveBackbone({ model: file, home });
  expect(resolved.manifestSource).toBe('metadata_props');
  expect(resolved.sha256).toBe(sha256Hex(model));
  expect(resolved.descriptor).toMatchObject({ id: 'loose', sizeMultiple: 16, patchLayers: ['mid', 'deep'], embeddingLayer: 'deep' });
  const backbone = await loadBackbone({ model: file, home });
  const [[mid]] = await backbone.extract([{ width: 32, height: 32, data: new Float32Array(32 * 32).fill(1) }]);
  // Grey 1.0 → 255 → 255/127.5 − 1 = 1 in every replicated channel.
  expect(mid!.channels).toBe(3);
  expect(Array.from(mid!.data).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
  await backbone.dispose();
});

test('a sidecar manifest wins over metadata, a wrong sha256 in it is refused, and layer overrides apply', async () => {
  const file = join(home, 'sidecar.onnx');
  await writeFile(file, model);
  const manifest = {
    id: 'tiny-sidecar',
    input: { channels: 1, sizeMultiple: 16, tileSize: 64 },
    outputs: [{ name: 'mid', stride: 8, channels: 3 }, { name: 'deep', stride: 16, channels: 3 }],
    patchLayers: ['mid'],
    embeddingLayer: 'deep',
  };
  await writeFile(`${file}.manifest.json`, JSON.stringify(manifest));
  const resolved = await resolveBackbone({ model: file, home, layers: { patchLayers: ['deep'] } });
  expect([resolved.descriptor.id, resolved.descriptor.patchLayers]).toEqual(['tiny-sidecar', ['deep']]);
  await writeFile(`${file}.manifest.json`, JSON.stringify({ ...manifest, sha256: 'a'.repeat(64) }));
  await expect(resolveBackbone({ model: file, home })).rejects.toMatchObject({ code: 'checksum_mismatch' });
  await expect(resolveBackbone({ model: file, home, layers: { embeddingLayer: 'nope' } })).rejects.toThrow();
});

test('a model with neither manifest nor metadata is refused with what is missing', async () => {
  const file = join(home, 'bare.onnx');
  await writeFile(file, tinyModel({}));
  await expect(resolveBackbone({ model: file, home })).rejects.toThrow(/preprocess.*outputs/);
  await expect(resolveBackbone({ model: join(home, 'absent.onnx'), home })).rejects.toMatchObject({ code: 'backbone_not_found' });
});

test('the built-in model written to a file resolves from its own embedded manifest with the same sha256', async () => {
  const file = join(home, 'builtin-copy.onnx');
  const bytes = buildFilterBankModel();
  await writeFile(file, bytes);
  const resolved = await resolveBackbone({ model: file, home });
  expect([resolved.descriptor.id, resolved.sha256]).toEqual(['mmdo-filterbank-v2', sha256Hex(bytes)]);
});

test('pull from a loopback server: good checksum stores model and manifest; bad checksum leaves nothing', async () => {
  const progress: number[] = [];
  const pulled = await pullModel({ url: `${base}/tiny/model.onnx`, sha256: sha256Hex(model), home, onProgress: (r) => progress.push(r) });
  expect(pulled.name).toBe('tiny');
  expect(progress.at(-1)).toBe(model.length);
  expect(sha256Hex(new Uint8Array(await readFile(pulled.path)))).toBe(sha256Hex(model));
  const listed = await listInstalledModels(home);
  expect(listed.map((m) => [m.name, m.descriptor.sha256])).toEqual([['tiny', sha256Hex(model)]]);
  expect((await resolveBackbone({ model: 'tiny', home })).manifestSource).toBe(join(home, 'models', 'tiny', 'manifest.json'));

  const bad = pullModel({ url: `${base}/tiny/model.onnx`, sha256: 'b'.repeat(64), name: 'bad', home });
  await expect(bad).rejects.toMatchObject({ code: 'checksum_mismatch' });
  expect(existsSync(join(home, 'models', 'bad', 'model.onnx.partial'))).toBe(false);
  expect(existsSync(join(home, 'models', 'bad'))).toBe(false);
  await expect(pullModel({ url: `${base}/missing.onnx`, sha256: 'b'.repeat(64), home })).rejects.toMatchObject({ code: 'download_failed' });
});

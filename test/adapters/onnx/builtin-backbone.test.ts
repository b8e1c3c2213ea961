import { buildFilterBankModel, BUILTIN_MANIFEST } from '../../../lambdas/adapters/onnx/filter-bank-model.js';
import { builtinBackbone, loadBackbone, sha256Hex } from '../../../lambdas/adapters/onnx/model-store.js';
import { ExactIndex } from '../../../lambdas/adapters/local/vector-index/index.js';
import type { FeatureMap } from '../../../lambdas/domain/features/feature-map.js';
import { sessionOptions, type OnnxBackbone } from '../../../lambdas/adapters/onnx/onnx-backbone.js';
import { crack, disk, texture } from './texture.js';

const SIZE = 128;
/** Stride of the first patch layer, the one the nearest-neighbour test below scores. */
const STRIDE = BUILTIN_MANIFEST.outputs.find((o) => o.name === BUILTIN_MANIFEST.patchLayers[0])!.stride;
let backbone: OnnxBackbone;

beforeAll(async () => {
  backbone = await loadBackbone({ model: 'builtin' });
});
afterAll(() => backbone.dispose());

/** HWC patch vectors of one feature map. */
function patches(map: FeatureMap): Float32Array {
  const { channels, height, width, data } = map;
  const out = new Float32Array(height * width * channels);
  for (let c = 0; c < channels; c++) for (let p = 0; p < height * width; p++) out[p * channels + c] = data[c * height * width + p]!;
  return out;
}

test('the generated model has the same bytes and sha256 every time', () => {
  const a = buildFilterBankModel();
  const b = buildFilterBankModel();
  expect(sha256Hex(a)).toBe(sha256Hex(b));
  expect(builtinBackbone().descriptor.sha256).toBe(sha256Hex(a));
  expect(builtinBackbone().descriptor.id).toBe('mmdo-filterbank-v2');
});

test('extract returns every patch layer and the embedding layer with the manifest strides and channels', async () => {
  const tiles = [texture(SIZE, 1), texture(SIZE, 2), texture(SIZE, 3)];
  const maps = await backbone.extract(tiles);
  expect(maps).toHaveLength(3);
  for (const perTile of maps) {
    expect(perTile.map((m) => m.name)).toEqual([...BUILTIN_MANIFEST.patchLayers, BUILTIN_MANIFEST.embeddingLayer]);
    for (const m of perTile) {
      const layer = BUILTIN_MANIFEST.outputs.find((o) => o.name === m.name)!;
      expect([m.stride, m.channels, m.height, m.width]).toEqual([layer.stride, layer.channels, SIZE / layer.stride, SIZE / layer.stride]);
      expect(m.data.every(Number.isFinite)).toBe(true);
    }
  }
  // Batched and single extraction agree.
  const single = await backbone.extract([tiles[1]!]);
  expect(Array.from(single[0]![0]!.data.subarray(0, 50))).toEqual(Array.from(maps[1]![0]!.data.subarray(0, 50)));
});

test('rejects tiles that are not a multiple of the size rule or differ in size', async () => {
  await expect(backbone.extract([texture(120, 1)])).rejects.toMatchObject({ code: 'bad_tile_size' });
  await expect(backbone.extract([texture(128, 1), texture(64, 1)])).rejects.toMatchObject({ code: 'bad_tile_size' });
});

test('cracks, voids and bright agglomerates stand out under nearest-neighbour scoring against normal patches', async () => {
  const normals = [10, 11, 12, 13, 14].map((seed) => texture(SIZE, seed));
  const bankMaps = await backbone.extract(normals);
  const dim = bankMaps[0]![0]!.channels;
  const bank = new Float32Array(normals.length * (SIZE / STRIDE) ** 2 * dim);
  bankMaps.forEach((maps, i) => bank.set(patches(maps[0]!), i * (SIZE / STRIDE) ** 2 * dim));
  const index = await ExactIndex.build(bank, dim);

  const scoreMap = async (image: ReturnType<typeof texture>) => {
    const [maps] = await backbone.extract([image]);
    return (await index.search(patches(maps![0]!), 1)).distances;
  };
  const heldOut = await Promise.all([20, 21].map((seed) => scoreMap(texture(SIZE, seed))));
  const normalMax = Math.max(...heldOut.flatMap((d) => Array.from(d)));

  const defects: [string, (data: Float32Array) => void, [number, number]][] = [
    ['crack', (d) => crack(d, SIZE, 30, 40, 90, 70, 2), [60, 55]],
    ['void', (d) => disk(d, SIZE, 64, 64, 5, -0.35), [64, 64]],
    ['agglomerate', (d) => disk(d, SIZE, 64, 64, 7, 0.4), [64, 64]],
  ];
  for (const [name, paint, [cx, cy]] of defects) {
    const image = texture(SIZE, 20);
    paint(image.data);
    const d = await scoreMap(image);
    const cell = Math.floor(cy / STRIDE) * (SIZE / STRIDE) + Math.floor(cx / STRIDE);
    const neighbourhood = [cell, cell + 1, cell - 1, cell + SIZE / STRIDE, cell - SIZE / STRIDE].map((c) => d[c]!);
    // Each defect's peak is well above every patch of the held-out normal images (measured 2.3x to 3.6x).
    expect({ name, peak: Math.max(...neighbourhood) > 1.5 * normalMax }).toEqual({ name, peak: true });
  }
  await index.dispose();
});

describe('ONNX Runtime session options', () => {
  it("use the machine's cores without idle threads spinning (they would take the cores from the stages beside the backbone)", () => {
    const options = sessionOptions();
    expect(options.intraOpNumThreads).toBeGreaterThanOrEqual(1);
    expect(options.extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
  });
});

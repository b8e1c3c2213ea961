import { GraphBuilder } from '../../../lambdas/adapters/onnx/graph-builder.js';
import { OnnxBackbone } from '../../../lambdas/adapters/onnx/onnx-backbone.js';
import { parseBackboneManifest, preprocessCoefficients } from '../../../lambdas/domain/backbone/manifest.js';
import { createGreyImage, type GreyImage } from '../../../lambdas/domain/image/grey-image.js';

/** A model whose one output is its input, so extract() shows exactly the tensor the backbone fed. */
function echoModel(): Uint8Array {
  const g = new GraphBuilder('echo');
  g.input('image', ['N', 3, 'H', 'W']);
  g.op('Identity', ['image'], {}, 'x');
  g.output('x', ['N', 3, 'H', 'W']);
  return g.encode();
}

function manifest(preprocess: unknown) {
  return parseBackboneManifest({
    id: 'echo',
    input: { name: 'image', channels: 3, sizeMultiple: 8, tileSize: 16, preprocess },
    outputs: [{ name: 'x', stride: 1, channels: 3 }],
    patchLayers: ['x'],
    embeddingLayer: 'x',
  }, 'test');
}

function tile(seed: number, side = 16): GreyImage {
  return createGreyImage(side, side, Float32Array.from({ length: side * side }, (_, i) => ((i * 7919 + seed * 104729) % 1000) / 999));
}

/** What the input tensor must hold for one tile: each channel's affine map of the grey values. */
function expected(backbone: OnnxBackbone, image: GreyImage): Float32Array {
  const { a, b } = preprocessCoefficients(backbone.manifest);
  const plane = image.data.length;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) for (let p = 0; p < plane; p++) out[c * plane + p] = image.data[p]! * a[c]! + b[c]!;
  return out;
}

describe('OnnxBackbone input', () => {
  test.each([
    ['the same coefficients in every channel (copied from the first)', { kind: 'affine', scale: 1 / 127.5, offset: -1 }],
    ['different coefficients per channel', { kind: 'meanStd', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }],
  ])('each channel holds its own preprocessing: %s', async (_, preprocess) => {
    const backbone = await OnnxBackbone.create(echoModel(), manifest(preprocess), 'e'.repeat(64));
    try {
      const tiles = [tile(1), tile(2), tile(3)];
      const maps = await backbone.extract(tiles);
      tiles.forEach((t, i) => expect(maps[i]![0]!.data).toEqual(expected(backbone, t)));
    } finally {
      await backbone.dispose();
    }
  });

  test('interleaved calls each get their own tiles, although the input buffer is reused between runs', async () => {
    const backbone = await OnnxBackbone.create(echoModel(), manifest({ kind: 'meanStd', mean: [0.4, 0.5, 0.6], std: [0.2, 0.3, 0.4] }), 'e'.repeat(64));
    try {
      const first = [tile(10), tile(11)];
      const second = [tile(20), tile(21), tile(22)];
      const third = [tile(30, 8)];
      await backbone.extract(second); // leaves a spare input buffer big enough for any of the calls below
      // Started together: each call fills its input before its run is scheduled, so a shared buffer would mix them.
      const [a, b, c] = await Promise.all([backbone.extract(first), backbone.extract(second), backbone.extract(third)]);
      first.forEach((t, i) => expect(a[i]![0]!.data).toEqual(expected(backbone, t)));
      second.forEach((t, i) => expect(b[i]![0]!.data).toEqual(expected(backbone, t)));
      expect(c[0]![0]!.data).toEqual(expected(backbone, third[0]!));
    } finally {
      await backbone.dispose();
    }
  });
});

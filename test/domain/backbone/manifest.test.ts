import { descriptorOf, parseBackboneManifest, preprocessCoefficients } from '../../../lambdas/domain/backbone/manifest.js';
import { manifestFromMetadata } from '../../../lambdas/domain/backbone/metadata.js';
import { firstStageBank, gaussian1d } from '../../../lambdas/domain/backbone/filter-bank.js';

const mobilenetProps = new Map([
  ['preprocess', 'rgb/127.5-1'],
  ['input_layout', 'image: float32 NCHW [N,3,H,W], RGB, H and W multiples of 32'],
  ['outputs', 'block_3_expand_relu:stride4,block_6_expand_relu:stride8,block_13_expand_relu:stride16,out_relu:stride32 (NCHW)'],
]);
const channels = new Map([['block_3_expand_relu', 48], ['block_6_expand_relu', 96], ['block_13_expand_relu', 192], ['out_relu', 1280]]);

test('MobileNet-style metadata_props give a manifest with stride-8/16 patch layers and the deepest embedding', () => {
  const m = manifestFromMetadata(mobilenetProps, { inputName: 'image', inputChannels: 3, outputChannels: channels }, 'mnv2');
  expect(m.input).toMatchObject({ channels: 3, range: 255, sizeMultiple: 32, preprocess: { kind: 'affine', offset: -1 } });
  expect(m.patchLayers).toEqual(['block_6_expand_relu', 'block_13_expand_relu']);
  expect(m.embeddingLayer).toBe('out_relu');
  const { a, b } = preprocessCoefficients(m);
  // Grey 0 → −1, grey 1 → +1 in each of the three channels.
  expect(Array.from(b)).toEqual([-1, -1, -1]);
  expect(a[0]! + b[0]!).toBeCloseTo(1, 6);
  expect(descriptorOf(m, 'f'.repeat(64)).layers.map((l) => l.channels)).toEqual([48, 96, 192, 1280]);
});

test('metadata without output channels or preprocessing is refused, naming what is missing', () => {
  expect(() => manifestFromMetadata(mobilenetProps, { inputName: 'image', outputChannels: new Map() }, 'x')).toThrow(/static channel counts/);
  expect(() => manifestFromMetadata(new Map(), { inputName: 'image', outputChannels: new Map() }, 'x')).toThrow(/'preprocess'.*'outputs'/);
});

test('the manifest schema checks layer names, tile rule and mean/std lengths', () => {
  const base = {
    id: 'm',
    input: { channels: 3, sizeMultiple: 32, tileSize: 256, preprocess: { kind: 'meanStd', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
    outputs: [{ name: 'a', stride: 8, channels: 4 }],
    patchLayers: ['a'],
    embeddingLayer: 'a',
  };
  const ok = parseBackboneManifest(base, 'test');
  expect(preprocessCoefficients(ok).b[0]).toBeCloseTo(-0.485 / 0.229, 6);
  expect(() => parseBackboneManifest({ ...base, embeddingLayer: 'b' }, 'test')).toThrow(/'b' is not among the outputs/);
  expect(() => parseBackboneManifest({ ...base, input: { ...base.input, tileSize: 100 } }, 'test')).toThrow(/multiple/);
  expect(() => parseBackboneManifest({ ...base, input: { ...base.input, preprocess: { kind: 'meanStd', mean: [0, 0], std: [1, 1] } } }, 'test')).toThrow(
    /mean and std/,
  );
});

test('filter bank kernels: unit norm, zero mean except the smoothing kernel; 1-D Gaussian sums to 1', () => {
  const bank = firstStageBank(7, 1);
  const n = bank.size * bank.size;
  bank.names.forEach((name, i) => {
    const k = bank.weights.subarray(i * n, (i + 1) * n);
    expect(Math.hypot(...k)).toBeCloseTo(1, 5);
    if (name !== 'mean') expect(Math.abs(k.reduce((s, v) => s + v, 0))).toBeLessThan(1e-5);
  });
  expect(new Set(bank.names).size).toBe(bank.names.length);
  expect(gaussian1d(17, 4).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
});

import { firstStageBank, gaussian1d, secondStageKernels } from '../../domain/backbone/filter-bank.js';
import type { BackboneManifest } from '../../domain/backbone/manifest.js';
import { MANIFEST_METADATA_KEY } from '../../domain/backbone/metadata.js';
import { GraphBuilder } from './graph-builder.js';

export const BUILTIN_BACKBONE_ID = 'mmdo-filterbank-v2';

const FIRST = firstStageBank(7, 1);
const K = FIRST.names.length;
/** Rectified channels per pyramid level: ReLU of each response and of its negation (keeps polarity). */
const E = 2 * K;
/** Floor on the tile's RMS deviation (grey range 0..1), so a flat tile does not amplify noise. */
const STD_FLOOR = 0.03;

export const BUILTIN_MANIFEST: BackboneManifest = {
  schemaVersion: 1,
  id: BUILTIN_BACKBONE_ID,
  input: {
    name: 'image',
    channels: 1,
    range: 1,
    preprocess: { kind: 'affine', scale: 1, offset: 0 },
    sizeMultiple: 16,
    tileSize: 512,
  },
  outputs: [
    { name: 'stride4', stride: 4, channels: E },
    { name: 'stride8', stride: 8, channels: 4 * E },
    { name: 'stride16', stride: 16, channels: 4 * E },
    { name: 'context16', stride: 16, channels: 2 },
  ],
  // Fine texture at stride 4 (a 2–3 px crack or a particle edge stays visible) plus coarse brightness context;
  // on generated Li-S micrographs this separates every defect type from held-out normals, where the mid layers
  // (stride8 + stride16) rated agglomerates and voids as normal (scripts/synth-detection.ts).
  patchLayers: ['stride4', 'context16'],
  embeddingLayer: 'stride16',
};

/**
 * The built-in backbone as ONNX bytes: contrast normalisation, a three-level pyramid with the same
 * first-stage bank per level, ± rectification and local (max) energy pooling, and a
 * second stage (energy gradients) feeding the next coarser output. Deterministic: same bytes on every call.
 */
export function buildFilterBankModel(): Uint8Array {
  const g = new GraphBuilder(BUILTIN_BACKBONE_ID);
  const x = g.input('image', ['N', 1, 'H', 'W']);
  const xn = localContrastNormalise(g, x);

  // Pyramid at full, 1/2 and 1/4 resolution, each filtered with stride 2: the bank (σ = 1 level pixel) sees
  // 1, 2 and 4 px structures (a 1 px crack survives) at a quarter of the cost of dense filtering.
  const down = (t: string) => g.op('AveragePool', [t], { kernel_shape: [2, 2], strides: [2, 2] });
  const levels = [xn];
  levels.push(down(levels[0]!));
  levels.push(down(levels[1]!));

  // The bank and its negation in one convolution, so ORT fuses Conv+Relu into one pass (± rectification).
  const signed = new Float32Array(2 * FIRST.weights.length);
  signed.set(FIRST.weights);
  signed.set(FIRST.weights.map((v) => -v), FIRST.weights.length);
  const bank = g.floats('bank', [E, 1, FIRST.size, FIRST.size], signed);
  const pad = (FIRST.size - 1) / 2;
  const edgePads = g.ints('edge_pads', [0, 0, pad, pad, 0, 0, pad, pad]);
  const energies = levels.map((level) => {
    // Edge padding: zero padding would put a step at every tile border that the derivative filters report.
    const padded = g.op('Pad', [level, edgePads], { mode: 'edge' });
    const rectified = g.op('Relu', [g.op('Conv', [padded, bank], { strides: [2, 2] })]);
    // Max over overlapping windows (4 wide, step 2): a thin crack fills a small part of a window and an average
    // would dilute it into the texture's own energy. With the full-resolution level, this took a 2 px crack on a
    // synthetic texture from 0.95x to 2.6x the largest normal-patch nearest-neighbour distance.
    return g.op('MaxPool', [rectified], { kernel_shape: [4, 4], strides: [2, 2], pads: [1, 1, 1, 1] });
  });

  const second = secondStageKernels(3);
  const secondWeights = new Float32Array(2 * E * 9);
  for (let c = 0; c < E; c++) secondWeights.set(second.weights, c * 2 * 9);
  const secondBank = g.floats('second_bank', [2 * E, 1, 3, 3], secondWeights);
  const secondStage = (energy: string) =>
    down(g.op('Abs', [g.op('Conv', [energy, secondBank], { group: E, pads: [1, 1, 1, 1] })]));

  g.op('Identity', [energies[0]!], {}, 'stride4');
  // Coarse brightness context: the rectified local mean (± channels) at 1/4 scale, half weight. A void is one
  // dark area several pores wide; at stride 4 its inside looks like the inside of an ordinary pore, at this scale
  // it does not. Half weight keeps it from outvoting the fine texture channels.
  const meanChannels = g.ints('mean_channels', [0, K]);
  g.op('Mul', [g.op('Gather', [energies[2]!, meanChannels], { axis: 1 }), g.floats('context_weight', [1], [0.5])], {}, 'context16');
  g.op('Concat', [energies[1]!, down(energies[0]!), secondStage(energies[0]!)], { axis: 1 }, 'stride8');
  g.op('Concat', [energies[2]!, down(energies[1]!), secondStage(energies[1]!)], { axis: 1 }, 'stride16');
  for (const o of BUILTIN_MANIFEST.outputs) g.output(o.name, ['N', o.channels, `H/${o.stride}`, `W/${o.stride}`]);

  return g.encode({ [MANIFEST_METADATA_KEY]: JSON.stringify(BUILTIN_MANIFEST), source: 'generated by mmdo', license: 'Apache-2.0' });
}

/**
 * Contrast normalisation: subtract a local mean (σ≈32 px, computed at 1/4 scale) and divide by the tile's
 * own RMS deviation. The window is wide compared with a void (≈50 px across on the demo micrographs), so a void's
 * own darkness barely moves its local mean; with σ≈16 px it did, and the void's inside looked ordinary.
 * A local divisor would shrink exactly what we look for: a crack inflates the variance of its own neighbourhood
 * and normalises itself away; over the whole tile it barely moves the divisor.
 */
function localContrastNormalise(g: GraphBuilder, x: string): string {
  const quarter = g.op('AveragePool', [x], { kernel_shape: [4, 4], strides: [4, 4] });
  const taps = 33;
  const k = gaussian1d(taps, 8);
  const kh = g.floats('lcn_h', [1, 1, 1, taps], k);
  const kv = g.floats('lcn_v', [1, 1, taps, 1], k);
  const half = (taps - 1) / 2;
  const padH = g.ints('lcn_pad_h', [0, 0, 0, half, 0, 0, 0, half]);
  const padV = g.ints('lcn_pad_v', [0, 0, half, 0, 0, 0, half, 0]);
  const blurH = g.op('Conv', [g.op('Pad', [quarter, padH], { mode: 'edge' }), kh]);
  const blurred = g.op('Conv', [g.op('Pad', [blurH, padV], { mode: 'edge' }), kv]);
  const scales = g.floats('lcn_scales', [4], [1, 1, 4, 4]);
  const mean = g.op('Resize', [blurred, '', scales], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
  const centred = g.op('Sub', [x, mean]);
  const rms = g.op('Sqrt', [g.op('ReduceMean', [g.op('Mul', [centred, centred])], { axes: [2, 3], keepdims: 1 })]);
  const floor = g.floats('lcn_floor', [1], [STD_FLOOR]);
  return g.op('Div', [centred, g.op('Max', [rms, floor])]);
}

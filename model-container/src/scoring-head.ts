import { endianness } from 'node:os';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../lambdas/adapters/onnx/graph-builder.js';
import { ValidationError } from '../../lambdas/domain/errors.js';
import type { ProfileVersion } from '../../lambdas/domain/profile/profile.js';
import { createProjection } from '../../lambdas/domain/scoring/projection.js';
import type { BackboneDescriptor } from '../../lambdas/ports/backbone.js';
import { deviceSessionOptions, type Device, type LayerOutput } from './engine.js';

/** Bound on the patch-rows × bank-size distance matrix of one run (values): 128 MB of float32. */
const MAX_DISTANCE_VALUES = 32 * 1024 * 1024;

/**
 * One profile version's PatchCore scoring as an ONNX graph on the engine's device: the domain's patch-grid
 * construction (buildPatchGrid: padding-aware local average, bilinear resize to the finest layer, concatenation,
 * seeded random projection) followed by exact k-NN against the memory bank (a graph constant, so on a GPU it lives
 * in device memory) and the mean of the k distances. Feature maps never leave the device for JavaScript loops;
 * test/model-container checks it against buildPatchGrid + ExactIndex.
 */
export class ScoringHead {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly layers: readonly { name: string; stride: number }[],
    readonly stride: number,
    private readonly bankCount: number,
  ) {}

  static async build(profile: ProfileVersion, descriptor: BackboneDescriptor, device: Device): Promise<ScoringHead> {
    const { features, bank } = profile;
    const layers = features.layers.map((name) => {
      const layer = descriptor.layers.find((l) => l.name === name);
      if (!layer) throw new ValidationError(`profile layer '${name}' is not an output of backbone ${descriptor.id}`);
      return layer;
    });
    const inDim = layers.reduce((n, l) => n + l.channels, 0);
    const projected = features.projectionDim !== null && features.projectionDim < inDim;
    const dim = projected ? features.projectionDim! : inDim;
    if (bank.dim !== dim) throw new ValidationError(`memory bank has ${bank.dim} dimensions, the profile's patch features ${dim}`);
    const k = Math.max(1, Math.min(features.k, bank.count));
    const finest = layers.reduce((a, b) => (b.stride < a.stride ? b : a));
    const le = endianness() === 'LE';

    const g = new GraphBuilder('mmdo-scoring-head');
    const radius = Math.floor(features.neighbourhood / 2);
    const averaged = layers.map((l, i) => {
      const input = g.input(`f${i}`, ['N', l.channels, `h${i}`, `w${i}`]);
      if (radius <= 0) return input;
      const size = 2 * radius + 1;
      return g.op('AveragePool', [input], { kernel_shape: [size, size], strides: [1, 1], pads: [radius, radius, radius, radius], count_include_pad: 0 });
    });
    const finestIndex = layers.indexOf(finest);
    const gridSize = g.op('Slice', [g.op('Shape', [averaged[finestIndex]!]), g.ints('hw_start', [2]), g.ints('hw_end', [4])]);
    const resized = averaged.map((t, i) => {
      if (i === finestIndex) return t;
      const nc = g.op('Slice', [g.op('Shape', [t]), g.ints(`nc_start_${i}`, [0]), g.ints(`nc_end_${i}`, [2])]);
      const sizes = g.op('Concat', [nc, gridSize], { axis: 0 });
      return g.op('Resize', [t, '', '', sizes], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
    });
    const stacked = resized.length === 1 ? resized[0]! : g.op('Concat', resized, { axis: 1 });
    let q = g.op('Reshape', [g.op('Transpose', [stacked], { perm: [0, 2, 3, 1] }), g.ints('rows_by_dim', [-1, inDim])]);
    if (projected) {
      // The domain's sparse projection as a dense matrix: the projection of the identity's rows.
      const identity = new Float32Array(inDim * inDim);
      for (let i = 0; i < inDim; i++) identity[i * inDim + i] = 1;
      const matrix = createProjection(inDim, dim, features.seed).apply(identity);
      q = g.op('MatMul', [q, g.floats('projection', [inDim, dim], matrix, le)]);
    }

    const minusTwoBT = new Float32Array(dim * bank.count);
    const norms = new Float32Array(bank.count);
    for (let r = 0; r < bank.count; r++) {
      let n = 0;
      for (let c = 0; c < dim; c++) {
        const v = bank.vectors[r * dim + c]!;
        minusTwoBT[c * bank.count + r] = -2 * v;
        n += v * v;
      }
      norms[r] = n;
    }
    const qn = g.op('ReduceSumSquare', [q], { axes: [1], keepdims: 1 });
    const d2 = g.op('Add', [g.op('Add', [g.op('MatMul', [q, g.floats('bt', [dim, bank.count], minusTwoBT, le)]), qn]), g.floats('bn', [1, bank.count], norms, le)]);
    // k = 1 (the default) is a row minimum: the value TopK would keep, without its sort (a 1024² image on one CPU
    // thread: 89 → 62 ms).
    const nearest = k === 1
      ? g.op('ReduceMin', [d2], { axes: [1], keepdims: 1 })
      : (g.node('TopK', [d2, g.ints('k', [k])], { largest: 0, sorted: 1 }, 2) as [string, string])[0];
    g.op('ReduceMean', [g.op('Sqrt', [g.op('Relu', [nearest])])], { axes: [1], keepdims: 0 }, 'scores');
    g.output('scores', ['M']);

    const session = await ort.InferenceSession.create(g.encode(), deviceSessionOptions(device));
    return new ScoringHead(session, layers, finest.stride, bank.count);
  }

  /** Patch scores (tiles × rows × cols) of a batch of backbone outputs. */
  async score(outputs: ReadonlyMap<string, LayerOutput>, count: number): Promise<{ scores: Float32Array; rows: number; cols: number }> {
    const first = outputs.get(this.layers.find((l) => l.stride === this.stride)!.name)!;
    const [, , rows, cols] = first.dims as [number, number, number, number];
    const cells = rows * cols;
    // Tiles per run, so the distance matrix stays bounded.
    const perRun = Math.max(1, Math.floor(MAX_DISTANCE_VALUES / (cells * this.bankCount)));
    const scores = new Float32Array(count * cells);
    for (let start = 0; start < count; start += perRun) {
      const n = Math.min(perRun, count - start);
      const feeds: Record<string, ort.Tensor> = {};
      this.layers.forEach((l, i) => {
        const { dims, data } = outputs.get(l.name)!;
        const per = data.length / dims[0]!;
        feeds[`f${i}`] = new ort.Tensor('float32', data.subarray(start * per, (start + n) * per), [n, ...dims.slice(1)]);
      });
      const out = await this.session.run(feeds, ['scores']);
      scores.set(out.scores!.data as Float32Array, start * cells);
    }
    return { scores, rows, cols };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

import { endianness } from 'node:os';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../lambdas/adapters/local/onnx/graph-builder.js';
import { checkSearchArgs, checkVectors } from '../../lambdas/adapters/local/vector-index/checks.js';
import type { NeighbourResult, VectorIndex, VectorIndexFactory } from '../../lambdas/ports/vector-index.js';
import { deviceSessionOptions, type Device } from './engine.js';

/** Bound on the query-rows × bank-size distance matrix of one run (values). */
const MAX_DISTANCE_VALUES = 32 * 1024 * 1024;

/**
 * Exact Euclidean k-NN on the engine's device: ‖q‖² − 2·q·Bᵀ + ‖b‖², TopK smallest, sqrt, with the memory bank a
 * graph constant, so on a GPU the bank lives in device memory and every query batch is one GEMM + TopK there.
 * (Same maths as the local ExactIndex, which runs on the CPU only.)
 */
export class DeviceExactIndex implements VectorIndex {
  readonly kind = 'exact' as const;

  private constructor(private readonly session: ort.InferenceSession, readonly dim: number, readonly size: number) {}

  static async build(vectors: Float32Array, dim: number, device: Device): Promise<DeviceExactIndex> {
    const size = checkVectors(vectors, dim);
    const session = await ort.InferenceSession.create(knnGraph(vectors, dim, size), deviceSessionOptions(device));
    return new DeviceExactIndex(session, dim, size);
  }

  async search(queries: Float32Array, k: number): Promise<NeighbourResult> {
    const count = checkSearchArgs(queries, this.dim, k, this.size);
    const distances = new Float32Array(count * k);
    const indices = new Int32Array(count * k);
    const rowsPerRun = Math.max(1, Math.floor(MAX_DISTANCE_VALUES / this.size));
    const kTensor = new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]);
    for (let start = 0; start < count; start += rowsPerRun) {
      const rows = Math.min(rowsPerRun, count - start);
      const q = new ort.Tensor('float32', queries.subarray(start * this.dim, (start + rows) * this.dim), [rows, this.dim]);
      const out = await this.session.run({ q, k: kTensor });
      distances.set(out.distances!.data as Float32Array, start * k);
      const idx = out.indices!.data as BigInt64Array;
      for (let i = 0; i < idx.length; i++) indices[start * k + i] = Number(idx[i]);
    }
    return { distances, indices };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export class DeviceIndexFactory implements VectorIndexFactory {
  constructor(private readonly device: Device) {}

  build(vectors: Float32Array, dim: number): Promise<VectorIndex> {
    return DeviceExactIndex.build(vectors, dim, this.device);
  }
}

function knnGraph(vectors: Float32Array, dim: number, size: number): Uint8Array {
  const minusTwoBT = new Float32Array(dim * size);
  const norms = new Float32Array(size);
  for (let r = 0; r < size; r++) {
    let n = 0;
    for (let c = 0; c < dim; c++) {
      const v = vectors[r * dim + c]!;
      minusTwoBT[c * size + r] = -2 * v;
      n += v * v;
    }
    norms[r] = n;
  }
  const g = new GraphBuilder('mmdo-device-knn');
  const q = g.input('q', ['M', dim]);
  const k = g.input('k', [1], 7 /* INT64 */);
  g.floats('bt', [dim, size], minusTwoBT, endianness() === 'LE');
  g.floats('bn', [1, size], norms, endianness() === 'LE');
  const qn = g.op('ReduceSumSquare', [q], { axes: [1], keepdims: 1 });
  const d2 = g.op('Add', [g.op('Add', [g.op('MatMul', [q, 'bt']), qn]), 'bn']);
  const [values, idx] = g.node('TopK', [d2, k], { largest: 0, sorted: 1 }, 2) as [string, string];
  g.op('Sqrt', [g.op('Relu', [values])], {}, 'distances');
  g.op('Identity', [idx], {}, 'indices');
  g.output('distances', ['M', 'K']);
  g.output('indices', ['M', 'K'], 7);
  return g.encode();
}

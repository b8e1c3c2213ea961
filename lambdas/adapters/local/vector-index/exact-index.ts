import { endianness } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { NeighbourResult, VectorIndex } from '../../../ports/vector-index.js';
import { GraphBuilder } from '../../onnx/graph-builder.js';
import { sessionOptions } from '../../onnx/onnx-backbone.js';
import { checkSearchArgs, checkVectors } from '../../vector-index/checks.js';

/** Default bound on the queries × bank distance matrix held at once (values), i.e. about 64 MB. */
const MAX_DISTANCE_VALUES = 16 * 1024 * 1024;

export interface ExactIndexOptions {
  /** Most distance values (query rows × bank size) computed in one run; bounds memory. */
  readonly maxDistanceValues?: number;
}

/**
 * Exact Euclidean k-NN with ONNX Runtime: TopK smallest of −2·q·Bᵀ + ‖b‖², then + ‖q‖², sqrt. The bank is a graph
 * constant (pre-scaled −2·Bᵀ and ‖b‖²), so MLAS packs it once and every query batch is one GEMM.
 */
export class ExactIndex implements VectorIndex {
  readonly kind = 'exact' as const;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly dim: number,
    readonly size: number,
    private readonly batchRows: number,
  ) {}

  static async build(vectors: Float32Array, dim: number, options: ExactIndexOptions = {}): Promise<ExactIndex> {
    const size = checkVectors(vectors, dim);
    const session = await ort.InferenceSession.create(knnGraph(vectors, dim, size), sessionOptions());
    const batchRows = Math.max(1, Math.floor((options.maxDistanceValues ?? MAX_DISTANCE_VALUES) / size));
    return new ExactIndex(session, dim, size, batchRows);
  }

  async search(queries: Float32Array, k: number): Promise<NeighbourResult> {
    const count = checkSearchArgs(queries, this.dim, k, this.size);
    const distances = new Float32Array(count * k);
    const indices = new Int32Array(count * k);
    const batch = this.batchRows;
    const kTensor = new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]);
    for (let start = 0; start < count; start += batch) {
      const rows = Math.min(batch, count - start);
      const q = new ort.Tensor('float32', queries.subarray(start * this.dim, (start + rows) * this.dim), [rows, this.dim]);
      const out = await this.session.run({ q, k: kTensor });
      distances.set(out.distances!.data as Float32Array, start * k);
      const idx = out.indices!.data as BigInt64Array;
      const base = start * k;
      for (let i = 0; i < idx.length; i++) indices[base + i] = Number(idx[i]);
    }
    return { distances, indices };
  }

  async dispose(): Promise<void> {
    await this.session.release();
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
  const g = new GraphBuilder('mmdo-exact-knn');
  const q = g.input('q', ['M', dim]);
  const k = g.input('k', [1], 7 /* INT64 */);
  g.floats('bt', [dim, size], minusTwoBT, endianness() === 'LE');
  g.floats('bn', [1, size], norms, endianness() === 'LE');
  // ‖q‖² is the same for a query's every neighbour, so it is added to the k kept values only: the bank norms go in
  // as the GEMM's bias and no pass over the whole distance matrix is left besides TopK (1024² image, 2,048 vectors:
  // 99 → 69 ms).
  const partial = g.op('Gemm', [q, 'bt', 'bn']);
  const [values, idx] = g.node('TopK', [partial, k], { largest: 0, sorted: 1 }, 2) as [string, string];
  const qn = g.op('ReduceSumSquare', [q], { axes: [1], keepdims: 1 });
  g.op('Sqrt', [g.op('Relu', [g.op('Add', [values, qn])])], {}, 'distances');
  g.op('Identity', [idx], {}, 'indices');
  g.output('distances', ['M', 'K']);
  g.output('indices', ['M', 'K'], 7);
  return g.encode();
}

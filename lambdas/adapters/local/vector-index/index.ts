import type { VectorIndex, VectorIndexFactory } from '../../../ports/vector-index.js';
import { ApproximateIndex, type HnswOptions } from './approximate-index.js';
import { ExactIndex } from './exact-index.js';

export { ApproximateIndex, ExactIndex };
export { measureRecall } from './recall.js';

/** In-process vector indexes: exact (ONNX Runtime GEMM, then a row minimum or TopK) or approximate (usearch HNSW). */
export class LocalVectorIndexFactory implements VectorIndexFactory {
  constructor(private readonly hnsw: HnswOptions = {}) {}

  build(vectors: Float32Array, dim: number, kind: 'exact' | 'approximate'): Promise<VectorIndex> {
    return kind === 'exact' ? ExactIndex.build(vectors, dim) : ApproximateIndex.build(vectors, dim, this.hnsw);
  }
}

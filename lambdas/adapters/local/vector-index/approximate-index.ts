import { availableParallelism } from 'node:os';
import { BatchMatches, Index, MetricKind, ScalarKind, type Matches } from 'usearch';
import type { NeighbourResult, VectorIndex } from '../../../ports/vector-index.js';
import { checkSearchArgs, checkVectors } from '../../vector-index/checks.js';

export interface HnswOptions {
  /** Graph degree (HNSW M). */
  readonly connectivity?: number;
  readonly expansionAdd?: number;
  readonly expansionSearch?: number;
}

const DEFAULTS = { connectivity: 16, expansionAdd: 128, expansionSearch: 64 } as const;

/** Approximate Euclidean k-NN: an in-process HNSW graph (usearch, f32, squared L2). Measure its recall with measureRecall. */
export class ApproximateIndex implements VectorIndex {
  readonly kind = 'approximate' as const;

  private constructor(
    private index: Index | undefined,
    readonly dim: number,
    readonly size: number,
  ) {}

  static async build(vectors: Float32Array, dim: number, options: HnswOptions = {}): Promise<ApproximateIndex> {
    const size = checkVectors(vectors, dim);
    const o = { ...DEFAULTS, ...options };
    const index = new Index({
      dimensions: dim,
      metric: MetricKind.L2sq,
      quantization: ScalarKind.F32,
      connectivity: o.connectivity,
      expansion_add: o.expansionAdd,
      expansion_search: o.expansionSearch,
      multi: false,
    });
    const keys = new BigUint64Array(size);
    for (let i = 0; i < size; i++) keys[i] = BigInt(i);
    index.add(keys, vectors, availableParallelism());
    return new ApproximateIndex(index, dim, size);
  }

  async search(queries: Float32Array, k: number): Promise<NeighbourResult> {
    if (!this.index) throw new Error('approximate index was disposed');
    const count = checkSearchArgs(queries, this.dim, k, this.size);
    const distances = new Float32Array(count * k).fill(Number.POSITIVE_INFINITY);
    const indices = new Int32Array(count * k).fill(-1);
    if (count === 0) return { distances, indices };
    const found: Matches | BatchMatches = this.index.search(queries, k, availableParallelism());
    // One query gives Matches, several give BatchMatches (with a per-query count that may fall short of k).
    const counts = found instanceof BatchMatches ? found.counts : BigUint64Array.of(BigInt(found.keys.length));
    for (let q = 0; q < count; q++) {
      const n = Number(counts[q]);
      for (let j = 0; j < n; j++) {
        distances[q * k + j] = Math.sqrt(Math.max(0, found.distances[q * k + j]!));
        indices[q * k + j] = Number(found.keys[q * k + j]);
      }
    }
    return { distances, indices };
  }

  async distances(queries: Float32Array, k: number): Promise<Float32Array> {
    return (await this.search(queries, k)).distances;
  }

  async dispose(): Promise<void> {
    this.index = undefined;
  }
}

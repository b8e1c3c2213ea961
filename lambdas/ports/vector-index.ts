import type { NeighbourResult } from '../domain/scoring/neighbours.js';

export type { NeighbourResult };

/** Nearest-neighbour search over a fixed set of vectors (a profile's memory bank). */
export interface VectorIndex {
  readonly kind: 'exact' | 'approximate';
  readonly dim: number;
  readonly size: number;
  search(queries: Float32Array, k: number): Promise<NeighbourResult>;
  /**
   * The distances of `search` without the indices (`queries * k`, ascending per query): all that patch scoring
   * reads, and an index may find them faster (the exact index's k = 1 is a row minimum instead of a TopK).
   */
  distances(queries: Float32Array, k: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export interface VectorIndexFactory {
  build(vectors: Float32Array, dim: number, kind: 'exact' | 'approximate'): Promise<VectorIndex>;
}

import type { NeighbourResult } from '../domain/scoring/neighbours.js';

export type { NeighbourResult };

/** Nearest-neighbour search over a fixed set of vectors (a profile's memory bank). */
export interface VectorIndex {
  readonly kind: 'exact' | 'approximate';
  readonly dim: number;
  readonly size: number;
  search(queries: Float32Array, k: number): Promise<NeighbourResult>;
  dispose(): Promise<void>;
}

export interface VectorIndexFactory {
  build(vectors: Float32Array, dim: number, kind: 'exact' | 'approximate'): Promise<VectorIndex>;
}

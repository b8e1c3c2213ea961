export interface NeighbourResult {
  /** `queries * k` Euclidean distances, ascending per query. */
  readonly distances: Float32Array;
  /** `queries * k` row indices into the indexed vectors. */
  readonly indices: Int32Array;
}

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

/** The k nearest neighbours of a batch of queries, as a vector index returns them. */
export interface NeighbourResult {
  /** `queries * k` Euclidean distances, ascending per query. */
  readonly distances: Float32Array;
  /** `queries * k` row indices into the indexed vectors. */
  readonly indices: Int32Array;
}

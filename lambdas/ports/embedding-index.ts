/**
 * Image-level embeddings of enrolled images, searchable by nearest neighbour within one tenant and profile
 * (novelty and "nearest known samples"). OpenSearch k-NN in the cloud; an in-process index locally.
 */
export interface EmbeddingRecord {
  /** The enrolled image's id (unique within tenant and profile). */
  readonly id: string;
  readonly tenant: string;
  readonly profile: string;
  readonly profileVersion?: number;
  readonly material?: string;
  readonly label?: string;
  readonly vector: Float32Array;
}

export interface EmbeddingFilter {
  readonly tenant: string;
  readonly profile: string;
  readonly profileVersion?: number;
  readonly material?: string;
}

export interface EmbeddingNeighbour {
  readonly id: string;
  /** Euclidean distance to the query. */
  readonly distance: number;
  readonly label?: string;
}

export interface EmbeddingIndex {
  /** Adds or replaces records (same tenant, profile and id: replaced). */
  index(records: readonly EmbeddingRecord[]): Promise<void>;
  /** Up to `k` records matching the filter, nearest first. */
  nearest(vector: Float32Array, k: number, filter: EmbeddingFilter): Promise<EmbeddingNeighbour[]>;
}

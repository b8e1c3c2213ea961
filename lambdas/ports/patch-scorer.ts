import type { GreyImage } from '../domain/image/grey-image.js';
import type { BackboneDescriptor } from './backbone.js';

/** A profile version a scorer searches against. */
export interface ProfileVersionRef {
  readonly tenant: string;
  readonly name: string;
  readonly version: number;
}

/** Patch scores and pooled embeddings of equally sized tiles. */
export interface ScoredTiles {
  readonly rows: number;
  readonly cols: number;
  /** Grid stride in tile pixels. */
  readonly stride: number;
  /** tiles × rows × cols: mean distance of each patch to its k nearest memory-bank patches. */
  readonly scores: Float32Array;
  /** tiles × embeddingDim: global average of the embedding layer per tile (not normalised). */
  readonly embeddings: Float32Array;
  readonly embeddingDim: number;
}

/**
 * Backbone + memory-bank search in one place (the GPU endpoint in the cloud): tiles in, patch scores out, so
 * feature maps never cross the network. A port of the cloud workflow; the SageMaker adapter (lambdas/adapters/aws/sagemaker-backbone.ts) implements it.
 */
export interface PatchScorer {
  readonly descriptor: BackboneDescriptor;
  scoreTiles(tiles: readonly GreyImage[], profile: ProfileVersionRef): Promise<ScoredTiles>;
}

import type { GreyImage } from '../domain/image/grey-image.js';
import type { PixelRect } from '../domain/image/tiling.js';
import type { FeatureMap } from '../domain/features/feature-map.js';
import type { BackboneDescriptor } from './backbone.js';

/** A profile version a scorer searches against. */
export interface ProfileVersionRef {
  readonly tenant: string;
  readonly name: string;
  readonly version: number;
}

/** One tile to score: its pixels and the part of it that shows the image (the rest is mirrored border). */
export interface ScoringTile {
  readonly image: GreyImage;
  readonly inside: PixelRect;
}

/**
 * The tiles of one image, made on demand: a scorer takes them a batch at a time, so a large image's tiles (about
 * 1.2× its pixels with borders and overlaps) are never all in memory at once.
 */
export interface ScoringTiles {
  readonly count: number;
  tile(index: number): ScoringTile;
}

/** ScoringTiles over tiles already made. */
export function listedTiles(tiles: readonly ScoringTile[]): ScoringTiles {
  return { count: tiles.length, tile: (i) => tiles[i]! };
}

/** Patch scores and pooled embeddings of equally sized tiles. */
export interface ScoredTiles {
  readonly rows: number;
  readonly cols: number;
  /** Grid stride in tile pixels. */
  readonly stride: number;
  /** tiles × rows × cols: mean distance of each patch to its k nearest memory-bank patches. */
  readonly scores: Float32Array;
  /** tiles × embeddingDim: mean of the embedding layer over each tile's cells inside the image (not normalised). */
  readonly embeddings: Float32Array;
  readonly embeddingDim: number;
}

/**
 * Backbone + memory-bank search in one place, so feature maps never cross a network: tiles in, patch scores out.
 * The GPU endpoint in the cloud (adapters/aws/sagemaker-backbone.ts), ONNX Runtime in process locally
 * (adapters/scoring/in-process-patch-scorer.ts); both follow the profile version's settings.
 */
export interface PatchScorer {
  readonly descriptor: BackboneDescriptor;
  scoreTiles(tiles: ScoringTiles, profile: ProfileVersionRef): Promise<ScoredTiles>;
  /** The backbone's feature maps of the named layers for equally sized images (image-level scores: density). */
  extract(images: readonly GreyImage[], layers: readonly string[]): Promise<FeatureMap[][]>;
}

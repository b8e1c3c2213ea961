import { concatFloat32 } from '../domain/arrays.js';
import type { ImageEmbeddings, MemoryBank } from '../domain/profile/profile.js';
import { greedyCoreset, selectRows } from '../domain/scoring/coreset.js';
import type { ImageFeatures } from './features.js';

export interface CoresetOptions {
  readonly ratio: number;
  readonly maxSize?: number;
  readonly seed: number;
}

/** The memory bank of a profile: a greedy k-center coreset of every patch of the bank images. */
export function buildMemoryBank(bankFeatures: readonly ImageFeatures[], options: CoresetOptions): MemoryBank {
  const dim = bankFeatures[0]!.grids[0]!.dim;
  const all = concatFloat32(bankFeatures.flatMap((f) => f.grids.map((g) => g.data)));
  const chosen = greedyCoreset(all, dim, { ratio: options.ratio, maxSize: options.maxSize, seed: options.seed });
  return selectRows(all, dim, chosen);
}

/** The bank images' global embeddings, for novelty and the nearest known samples. */
export function stackEmbeddings(features: readonly ImageFeatures[], ids: readonly string[]): ImageEmbeddings {
  return { dim: features[0]!.embedding.length, ids, vectors: concatFloat32(features.map((f) => f.embedding)) };
}

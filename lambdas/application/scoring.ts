import { createGreyImage, type GreyImage } from '../domain/image/grey-image.js';
import { stitchTiles, type TileMap } from '../domain/image/tiling.js';
import type { VectorIndex } from '../ports/vector-index.js';
import type { ImageFeatures } from './features.js';

/**
 * Patch anomaly scores of one image: every patch of every tile searched against the memory bank in one call,
 * the mean distance to its k nearest bank patches as its score, each tile's grid stitched back into one map
 * at the resolution the features were computed on (overlaps cross-faded, no seams).
 */
export async function patchScoreMap(features: ImageFeatures, index: VectorIndex, k: number): Promise<GreyImage> {
  const { grids, plan } = features;
  const total = grids.reduce((n, g) => n + g.rows * g.cols, 0);
  const dim = index.dim;
  const queries = new Float32Array(total * dim);
  let offset = 0;
  for (const g of grids) {
    if (g.dim !== dim) throw new RangeError(`patch features have ${g.dim} dimensions but the memory bank has ${dim}`);
    queries.set(g.data, offset);
    offset += g.data.length;
  }
  const kk = Math.max(1, Math.min(k, index.size));
  const { distances } = await index.search(queries, kk);
  const maps: TileMap[] = [];
  let q = 0;
  grids.forEach((g, t) => {
    const scores = new Float32Array(g.rows * g.cols);
    for (let i = 0; i < scores.length; i++, q++) {
      let sum = 0;
      for (let j = 0; j < kk; j++) sum += distances[q * kk + j]!;
      scores[i] = sum / kk;
    }
    maps.push({ tile: plan.tiles[t]!, map: createGreyImage(g.cols, g.rows, scores) });
  });
  return stitchTiles(maps, features.width, features.height, plan.overlap);
}

export interface NoveltyResult {
  /** Distance to the nearest enrolled embedding. */
  readonly distance: number;
  readonly nearest: { id: string; distance: number }[];
}

/** Image-level novelty: Euclidean distances from one embedding to every enrolled one, nearest first. */
export function novelty(embedding: Float32Array, enrolled: { dim: number; ids: readonly string[]; vectors: Float32Array }, count = 3): NoveltyResult {
  if (enrolled.ids.length === 0 || enrolled.dim !== embedding.length) return { distance: 0, nearest: [] };
  const distances = enrolled.ids.map((id, n) => {
    let sum = 0;
    const base = n * enrolled.dim;
    for (let i = 0; i < enrolled.dim; i++) {
      const d = embedding[i]! - enrolled.vectors[base + i]!;
      sum += d * d;
    }
    return { id, distance: Math.sqrt(sum) };
  });
  distances.sort((a, b) => a.distance - b.distance);
  return { distance: distances[0]!.distance, nearest: distances.slice(0, count) };
}

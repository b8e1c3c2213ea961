import { createGreyImage, type GreyImage } from '../domain/image/grey-image.js';
import { stitchTiles, type TileMap } from '../domain/image/tiling.js';
import { DEFAULT_SMOOTHING_SIGMA, gaussianBlurInPlace, imageScore, patchScores } from '../domain/scoring/anomaly-map.js';
import type { VectorIndex } from '../ports/vector-index.js';
import type { ImageFeatures } from './features.js';

export interface PatchScoring {
  /** Smoothed anomaly map at the resolution the features were computed on. */
  readonly map: GreyImage;
  /** The image-level patch score (mean of the top patch scores). */
  readonly imageScore: number;
}

/**
 * Patch anomaly scores of one image: every patch of every tile searched against the memory bank in one call,
 * each patch scored by its distance to the nearest bank patches, each tile's grid stitched back into one map
 * (overlaps cross-faded, no seams) and smoothed as PatchCore does.
 */
export async function scorePatches(features: ImageFeatures, index: VectorIndex, k: number): Promise<PatchScoring> {
  const { scores, map } = await searchAndStitch(features, index, k);
  gaussianBlurInPlace(map.data, map.width, map.height, DEFAULT_SMOOTHING_SIGMA);
  return { map, imageScore: imageScore(scores) };
}

/** The stitched, unsmoothed patch-score map (mean distance to the k nearest bank patches). */
export async function patchScoreMap(features: ImageFeatures, index: VectorIndex, k: number): Promise<GreyImage> {
  return (await searchAndStitch(features, index, k)).map;
}

async function searchAndStitch(features: ImageFeatures, index: VectorIndex, k: number): Promise<{ scores: Float32Array; map: GreyImage }> {
  const { grids, plan } = features;
  const total = grids.reduce((n, g) => n + g.rows * g.cols, 0);
  const queries = new Float32Array(total * index.dim);
  let offset = 0;
  for (const g of grids) {
    if (g.dim !== index.dim) throw new RangeError(`patch features have ${g.dim} dimensions but the memory bank has ${index.dim}`);
    queries.set(g.data, offset);
    offset += g.data.length;
  }
  const kk = Math.max(1, Math.min(k, index.size));
  const scores = patchScores(await index.search(queries, kk), kk, kk);
  const maps: TileMap[] = [];
  let start = 0;
  grids.forEach((g, t) => {
    const n = g.rows * g.cols;
    maps.push({ tile: plan.tiles[t]!, map: createGreyImage(g.cols, g.rows, scores.subarray(start, start + n)) });
    start += n;
  });
  return { scores, map: stitchTiles(maps, features.width, features.height, plan.overlap) };
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

import { createGreyImage, type GreyImage } from '../domain/image/grey-image.js';
import { stitchTiles, type TileMap } from '../domain/image/tiling.js';
import type { PatchGrid } from '../domain/features/feature-map.js';
import { resize } from '../domain/image/resample.js';
import { DEFAULT_SMOOTHING_SIGMA, gaussianBlurInPlace, imageScore, patchScores, scoreMap } from '../domain/scoring/anomaly-map.js';
import type { VectorIndex } from '../ports/vector-index.js';
import { cropBorder, type ImageFeatures } from './features.js';

export interface PatchScoring {
  /** Smoothed anomaly map at the resolution the features were computed on. */
  readonly map: GreyImage;
  /** The image-level patch score (mean of the top patch scores). */
  readonly imageScore: number;
}

/**
 * Patch anomaly scores of one image: every patch of every tile searched against the memory bank in one call,
 * each patch scored by its distance to the nearest bank patches, then one anomaly map at `output` size (default:
 * the image's size; the image score averages the top `imageScoreTopFraction` of patch scores, default the scoring
 * domain's). With a reflected border (`features.pad`) the map is cropped back to the image and the image score
 * counts only patches centred inside the image (the border only keeps the image's edges off the tile edge).
 * PatchCore's σ = 4 px smoothing is applied on the patch grid
 * (σ / stride cells) before upsampling: the same result to within interpolation, at a tiny fraction of the
 * cost of blurring a full-resolution map. One tile covering the image exactly is upsampled straight to the
 * output size; several tiles are stitched with cross-faded overlaps (no seams), then resized.
 */
export async function scorePatches(
  features: ImageFeatures, index: VectorIndex, k: number, output?: { width: number; height: number }, imageScoreTopFraction?: number,
): Promise<PatchScoring> {
  const { scores, tiles } = await searchTiles(features, index, k);
  const pad = features.pad ?? 0;
  const inside = pad > 0 ? scoresInside(tiles.map(({ tile, map, grid }) => ({ tile, map, stride: grid.stride })), pad, features.width, features.height) : scores;
  const width = output?.width ?? features.width;
  const height = output?.height ?? features.height;
  for (const { grid, map } of tiles) gaussianBlurInPlace(map.data, map.width, map.height, DEFAULT_SMOOTHING_SIGMA / grid.stride);
  const paddedWidth = features.width + 2 * pad;
  const paddedHeight = features.height + 2 * pad;
  const only = tiles.length === 1 ? tiles[0]! : undefined;
  let map: GreyImage;
  if (pad === 0 && only && only.tile.x === 0 && only.tile.y === 0 && only.tile.width === features.width && only.tile.height === features.height) {
    const m = scoreMap(only.map.data, only.map.height, only.map.width, width, height, 0);
    map = createGreyImage(m.width, m.height, m.data);
  } else {
    map = cropBorder(stitchTiles(tiles, paddedWidth, paddedHeight, features.plan.overlap), pad);
    if (map.width !== width || map.height !== height) map = resize(map, width, height);
  }
  return { map, imageScore: imageScore(inside, imageScoreTopFraction) };
}

/**
 * Scores of the patches whose cell centre lies inside the image (not in its reflected border): tiles are in the
 * padded image's pixels, `width`×`height` is the image's own size, `stride` each map's cell size in tile pixels.
 */
export function scoresInside(tiles: readonly (TileMap & { readonly stride: number })[], pad: number, width: number, height: number): Float32Array {
  const out = new Float32Array(tiles.reduce((n, t) => n + t.map.data.length, 0));
  let count = 0;
  for (const { tile, map, stride } of tiles) {
    for (let r = 0; r < map.height; r++) {
      const y = tile.y + (r + 0.5) * stride;
      if (y < pad || y >= pad + height) continue;
      for (let c = 0; c < map.width; c++) {
        const x = tile.x + (c + 0.5) * stride;
        if (x >= pad && x < pad + width) out[count++] = map.data[r * map.width + c]!;
      }
    }
  }
  return out.subarray(0, count);
}

/** The stitched, unsmoothed patch-score map (mean distance to the k nearest bank patches), cropped to the image. */
export async function patchScoreMap(features: ImageFeatures, index: VectorIndex, k: number): Promise<GreyImage> {
  const { tiles } = await searchTiles(features, index, k);
  const pad = features.pad ?? 0;
  return cropBorder(stitchTiles(tiles, features.width + 2 * pad, features.height + 2 * pad, features.plan.overlap), pad);
}

async function searchTiles(
  features: ImageFeatures, index: VectorIndex, k: number,
): Promise<{ scores: Float32Array; tiles: (TileMap & { grid: PatchGrid })[] }> {
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
  let start = 0;
  const tiles = grids.map((grid, t) => {
    const n = grid.rows * grid.cols;
    const map = createGreyImage(grid.cols, grid.rows, scores.slice(start, start + n));
    start += n;
    return { tile: plan.tiles[t]!, map, grid };
  });
  return { scores, tiles };
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

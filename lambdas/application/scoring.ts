import { cropReflect } from '../domain/image/padding.js';
import { createGreyImage, type GreyImage } from '../domain/image/grey-image.js';
import { resize } from '../domain/image/resample.js';
import { stitchTiles, type TileMap } from '../domain/image/tiling.js';
import type { PatchGrid } from '../domain/features/feature-map.js';
import type { ImageEmbeddings } from '../domain/profile/profile.js';
import type { ScoringSettings } from '../domain/profile/settings.js';
import { gaussianBlurInPlace, imageScore, patchScores } from '../domain/scoring/anomaly-map.js';
import type { VectorIndex } from '../ports/vector-index.js';

/** One tile's patch scores on its grid, where the tile lies in the padded image, and the grid stride in tile pixels. */
export type TileScores = TileMap & { readonly stride: number };

/** The tiling of one image: its own size, the reflected border and the tiles' overlap. */
export interface TileLayout {
  readonly width: number;
  readonly height: number;
  readonly pad: number;
  readonly overlap: number;
}

/** Crops a `pad`-pixel border off anything computed at the padded image's resolution (the image itself at 0). */
export function cropBorder(image: GreyImage, pad: number): GreyImage {
  return pad > 0 ? cropReflect(image, pad, pad, image.width - 2 * pad, image.height - 2 * pad) : image;
}

/**
 * Patch scoring of one image from its tiles' scores, the one rule for inspection and enrolment's calibration:
 * the image score is the mean of the top patch scores centred inside the image (unsmoothed); the map smooths
 * each tile's grid by σ / stride cells (PatchCore's σ px on the upsampled map, at a fraction of the cost),
 * stitches the tiles with cross-faded overlaps, crops the border and is resized to `output`.
 * The tiles' maps are smoothed in place.
 */
export function patchScoring(
  tiles: readonly TileScores[], layout: TileLayout, settings: Pick<ScoringSettings, 'smoothingSigmaPx' | 'imageScoreTopFraction'>,
  output: { readonly width: number; readonly height: number },
): { raw: number; map: GreyImage } {
  const raw = imageScore(scoresInside(tiles, layout.pad, layout.width, layout.height), settings.imageScoreTopFraction);
  const sigma = settings.smoothingSigmaPx;
  for (const { map, stride } of tiles) if (sigma > 0) gaussianBlurInPlace(map.data, map.width, map.height, sigma / stride);
  const stitched = cropBorder(stitchTiles(tiles, layout.width + 2 * layout.pad, layout.height + 2 * layout.pad, layout.overlap), layout.pad);
  const map = stitched.width === output.width && stitched.height === output.height ? stitched : resize(stitched, output.width, output.height);
  return { raw, map };
}

/**
 * Scores of the patches whose cell centre lies inside the image (not in its reflected border): tiles are in the
 * padded image's pixels, `width`×`height` is the image's own size.
 */
export function scoresInside(tiles: readonly TileScores[], pad: number, width: number, height: number): Float32Array {
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

/** Every patch of every grid searched against the memory bank in one call: each grid's scores (mean distance to the k nearest). */
export async function searchGrids(grids: readonly PatchGrid[], index: VectorIndex, k: number): Promise<GreyImage[]> {
  const total = grids.reduce((n, g) => n + g.rows * g.cols, 0);
  const queries = new Float32Array(total * index.dim);
  let offset = 0;
  for (const g of grids) {
    if (g.dim !== index.dim) throw new RangeError(`patch features have ${g.dim} dimensions but the memory bank has ${index.dim}`);
    queries.set(g.data, offset);
    offset += g.data.length;
  }
  const kk = Math.max(1, Math.min(k, index.size));
  const scores = patchScores(await index.distances(queries, kk), kk, kk);
  let start = 0;
  return grids.map((grid) => {
    const n = grid.rows * grid.cols;
    const map = createGreyImage(grid.cols, grid.rows, scores.slice(start, start + n));
    start += n;
    return map;
  });
}

export interface NearestImages {
  /** Distance to the nearest enrolled embedding. */
  readonly distance: number;
  readonly nearest: { id: string; distance: number }[];
}

/** Euclidean distances from one embedding to every enrolled one, nearest first (ties by id). */
export function nearestImages(embedding: Float32Array, enrolled: ImageEmbeddings, count = 3): NearestImages {
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
  distances.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { distance: distances[0]!.distance, nearest: distances.slice(0, count) };
}

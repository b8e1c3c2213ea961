import type { FeatureMap, PatchGrid } from '../domain/features/feature-map.js';
import type { GreyImage } from '../domain/image/grey-image.js';
import { cropReflect } from '../domain/image/padding.js';
import { planTiles, type Tile, type TilePlan } from '../domain/image/tiling.js';
import { buildPatchGrid, imageEmbedding, type PatchGridConfig } from '../domain/scoring/patch-grid.js';
import type { Backbone } from '../ports/backbone.js';

export interface TilingOptions {
  /** Tile side in image pixels (tiles grow by twice the border pad); defaults to the backbone's preferred tile size. */
  readonly tileSize?: number;
  /** Overlap between neighbouring tiles in pixels; see `defaultOverlap`. */
  readonly overlap?: number;
  /** Tiles per backbone call. */
  readonly batchSize?: number;
}

/**
 * Reflected border, in pixels, added around every image before tiling (profiles record theirs as
 * `features.borderPad`): without it the image's own edges sit at the backbone's zero-padded input edge, whose
 * border responses look anomalous (false alarms at image edges). 32 px raised image AUROC on magnetic-tile from
 * 0.68 to 0.74 for ~13 % more pixels at 1024².
 */
export const DEFAULT_BORDER_PAD = 32;

/** What the backbone saw of one image: a patch grid per tile and one embedding. */
export interface ImageFeatures {
  /** The image's own size (without the border). */
  readonly width: number;
  readonly height: number;
  /** Reflected border around the image (absent: none); tiles are in the padded image's pixels, offset by `pad`. */
  readonly pad?: number;
  /** Tiles of the padded image ((width + 2·pad) × (height + 2·pad)). */
  readonly plan: TilePlan;
  readonly grids: readonly PatchGrid[];
  /** L2-normalised global embedding (average of the tiles' pooled embedding layer). */
  readonly embedding: Float32Array;
}

/**
 * Overlap of neighbouring tiles: enough for the patch features' receptive field to settle at the seams
 * (a few cells of the coarsest patch layer), snapped to the backbone's size multiple.
 */
export function defaultOverlap(backbone: Backbone, config: PatchGridConfig, tileSize: number): number {
  const { descriptor } = backbone;
  const strides = descriptor.layers.filter((l) => config.layers.includes(l.name)).map((l) => l.stride);
  const coarsest = Math.max(descriptor.sizeMultiple, ...strides);
  const wanted = Math.ceil((coarsest * 2) / descriptor.sizeMultiple) * descriptor.sizeMultiple;
  return Math.min(wanted, Math.max(0, tileSize - descriptor.sizeMultiple));
}

/** Crops a `pad`-pixel border off anything computed at the padded image's resolution (the image itself at 0). */
export function cropBorder(image: GreyImage, pad: number): GreyImage {
  return pad > 0 ? cropReflect(image, pad, pad, image.width - 2 * pad, image.height - 2 * pad) : image;
}

/**
 * Pads every image by the config's reflected border (`borderPad`, absent = none), then tiles it (with overlap when it is larger than a tile), runs the backbone on batches of equally sized
 * tiles across images (enrolment's many small images share calls), and turns each tile's outputs into a
 * PatchCore patch grid and each image's embedding-layer outputs into one embedding.
 */
export async function extractFeatures(
  backbone: Backbone,
  images: readonly GreyImage[],
  config: PatchGridConfig & { readonly borderPad?: number },
  options: TilingOptions = {},
  onBatch?: (doneTiles: number, totalTiles: number) => void,
): Promise<ImageFeatures[]> {
  const { descriptor } = backbone;
  const pad = config.borderPad ?? 0;
  if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`border pad must be a non-negative integer, got ${pad}`);
  const baseTile = options.tileSize ?? descriptor.tileSize;
  // Tiles grow by the border so an image that fitted one tile still does (one backbone call, ~13 % more pixels at 1024²).
  const tileSize = baseTile + 2 * pad;
  const overlap = options.overlap ?? defaultOverlap(backbone, config, baseTile);
  const batchSize = Math.max(1, options.batchSize ?? 8);
  const plans = images.map((im) => planTiles(im.width + 2 * pad, im.height + 2 * pad, tileSize, overlap, descriptor.sizeMultiple));
  const grids: PatchGrid[][] = images.map(() => []);
  const pooled: Float32Array[][] = images.map(() => []);

  // All tiles of all images, grouped by tile size so each backbone call gets equally sized inputs.
  const jobs = plans.flatMap((plan, i) => plan.tiles.map((_tile, t) => ({ image: i, tile: t, key: `${plan.tileWidth}x${plan.tileHeight}` })));
  const groups = new Map<string, typeof jobs>();
  for (const job of jobs) groups.set(job.key, [...(groups.get(job.key) ?? []), job]);
  let done = 0;
  for (const group of groups.values()) {
    for (let start = 0; start < group.length; start += batchSize) {
      const batch = group.slice(start, start + batchSize);
      // Tiles of the padded image, built per batch so a whole padded copy of every image is never held.
      const inputs = batch.map((job) => extractPaddedTile(images[job.image]!, pad, plans[job.image]!.tiles[job.tile]!));
      const outputs = await backbone.extract(inputs);
      batch.forEach((job, b) => {
        const maps = outputs[b]!;
        grids[job.image]![job.tile] = buildPatchGrid(maps, config);
        const image = images[job.image]!;
        const inside = insideImage(plans[job.image]!.tiles[job.tile]!, pad, image.width, image.height);
        pooled[job.image]![job.tile] = imageEmbedding(cropCells(layer(maps, descriptor.embeddingLayer), inside), { normalise: false });
      });
      done += batch.length;
      onBatch?.(done, jobs.length);
    }
  }
  return images.map((im, i) => ({
    width: im.width,
    height: im.height,
    pad,
    plan: plans[i]!,
    grids: grids[i]!,
    embedding: meanNormalised(pooled[i]!),
  }));
}

/** The part of a padded-image tile that shows the image itself, in the tile's pixels. */
function insideImage(tile: Tile, pad: number, width: number, height: number) {
  const x0 = Math.max(0, pad - tile.x);
  const y0 = Math.max(0, pad - tile.y);
  return { x0, y0, x1: Math.min(tile.width, pad + width - tile.x), y1: Math.min(tile.height, pad + height - tile.y) };
}

/**
 * The cells of a feature map whose centres lie inside a pixel rectangle: the embedding averages the image, not its
 * mirrored border (which would pull every embedding towards its own reflection and blur novelty).
 */
function cropCells(map: FeatureMap, inside: { x0: number; y0: number; x1: number; y1: number }): FeatureMap {
  const first = (p: number) => Math.max(0, Math.ceil(p / map.stride - 0.5));
  const last = (p: number, n: number) => Math.min(n, Math.ceil(p / map.stride - 0.5));
  const [cx0, cy0, cx1, cy1] = [first(inside.x0), first(inside.y0), last(inside.x1, map.width), last(inside.y1, map.height)];
  if (cx1 <= cx0 || cy1 <= cy0 || (cx0 === 0 && cy0 === 0 && cx1 === map.width && cy1 === map.height)) return map;
  const width = cx1 - cx0;
  const height = cy1 - cy0;
  const data = new Float32Array(map.channels * width * height);
  for (let c = 0; c < map.channels; c++) {
    for (let y = 0; y < height; y++) {
      const from = (c * map.height + cy0 + y) * map.width + cx0;
      data.set(map.data.subarray(from, from + width), (c * height + y) * width);
    }
  }
  return { ...map, width, height, data };
}

/** The tile of the image padded by a mirrored border of `pad` pixels (outside the image, mirrored back in). */
export function extractPaddedTile(image: GreyImage, pad: number, tile: Tile): GreyImage {
  return cropReflect(image, tile.x - pad, tile.y - pad, tile.width, tile.height);
}

function layer(maps: readonly FeatureMap[], name: string): FeatureMap {
  const map = maps.find((m) => m.name === name);
  if (!map) throw new Error(`backbone output '${name}' is missing`);
  return map;
}

function meanNormalised(vectors: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) out[i] += v[i]! / vectors.length;
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += out[i]! * out[i]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] /= norm;
  return out;
}

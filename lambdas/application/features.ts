import type { PatchGrid } from '../domain/features/feature-map.js';
import type { GreyImage } from '../domain/image/grey-image.js';
import { extractPaddedTile, insideRect, planPaddedTiles, type TilePlan } from '../domain/image/tiling.js';
import type { PatchFeatureConfig } from '../domain/profile/profile.js';
import type { ScoringSettings } from '../domain/profile/settings.js';
import { meanNormalised, tileFeatures } from '../domain/scoring/patch-grid.js';
import type { Backbone } from '../ports/backbone.js';

/** What the backbone saw of one image: a patch grid per tile and one embedding. */
export interface ImageFeatures {
  /** The image's own size (without the border). */
  readonly width: number;
  readonly height: number;
  /** Reflected border around the image; tiles are in the padded image's pixels, offset by `pad`. */
  readonly pad: number;
  /** Tiles of the padded image ((width + 2·pad) × (height + 2·pad)). */
  readonly plan: TilePlan;
  readonly grids: readonly PatchGrid[];
  /** L2-normalised image embedding (mean of the tiles' embeddings over the cells inside the image). */
  readonly embedding: Float32Array;
}

/**
 * Enrolment's view of images, tiled exactly as inspection tiles them (the profile's border, tile size and
 * overlap): tiles of all images run through the backbone in batches of equal size (many small images share
 * calls), each tile giving a patch grid and its pooled embedding (domain `tileFeatures`, as the scorers do).
 */
export async function extractFeatures(
  backbone: Backbone,
  images: readonly GreyImage[],
  features: PatchFeatureConfig,
  settings: Pick<ScoringSettings, 'tiling' | 'borderPad'>,
  options: { readonly batchSize?: number; readonly onBatch?: (doneTiles: number, totalTiles: number) => void } = {},
): Promise<ImageFeatures[]> {
  const { descriptor } = backbone;
  const pad = settings.borderPad;
  const batchSize = Math.max(1, options.batchSize ?? 8);
  const plans = images.map((im) => planPaddedTiles(im.width, im.height, settings.tiling, pad, descriptor.sizeMultiple));
  const grids: PatchGrid[][] = images.map(() => []);
  const pooled: Float32Array[][] = images.map(() => []);
  const jobs = plans.flatMap((plan, i) => plan.tiles.map((_tile, t) => ({ image: i, tile: t, key: `${plan.tileWidth}x${plan.tileHeight}` })));
  const groups = new Map<string, typeof jobs>();
  for (const job of jobs) groups.set(job.key, [...(groups.get(job.key) ?? []), job]);
  let done = 0;
  for (const group of groups.values()) {
    for (let start = 0; start < group.length; start += batchSize) {
      const batch = group.slice(start, start + batchSize);
      // Tiles are cut per batch so a padded copy of every image is never held at once.
      const outputs = await backbone.extract(batch.map((job) => extractPaddedTile(images[job.image]!, pad, plans[job.image]!.tiles[job.tile]!)));
      batch.forEach((job, b) => {
        const image = images[job.image]!;
        const inside = insideRect(plans[job.image]!.tiles[job.tile]!, pad, image.width, image.height);
        const tile = tileFeatures(outputs[b]!, features, descriptor.embeddingLayer, inside);
        grids[job.image]![job.tile] = tile.grid;
        pooled[job.image]![job.tile] = tile.pooled;
      });
      done += batch.length;
      options.onBatch?.(done, jobs.length);
    }
  }
  return images.map((im, i) => ({ width: im.width, height: im.height, pad, plan: plans[i]!, grids: grids[i]!, embedding: meanNormalised(pooled[i]!) }));
}

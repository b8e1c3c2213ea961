import { z } from 'zod';
import { createGreyImage } from '../../../domain/image/grey-image.js';
import { findRegions } from '../../../domain/regions/regions.js';
import { calibrate } from '../../../domain/scoring/calibration.js';
import { fuseDensityIntoMap, mapFusionOf } from '../../../domain/scoring/density-map.js';
import { patchScoring, type TileScores } from '../../scoring.js';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';

/** The tile layout the embed stage keeps in scratch (`embed.plan`); evaluation's MapKeeper reads it too. */
export const LayoutSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  pad: z.number().int().nonnegative(),
  overlap: z.number().int().nonnegative(),
  tiles: z.array(z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int().positive(), height: z.number().int().positive() })),
});

/**
 * Patch scoring: the image score and the anomaly map at the original image's size from the tiles' patch scores
 * (application/scoring.ts `patchScoring`, the rule enrolment calibrated with); where the density stage made a map,
 * it joins the patch map (the image score stays the patch map's own); then the regions where the map exceeds the
 * calibrated pixel threshold.
 */
export async function patch(state: InspectionState, deps: PipelineDeps): Promise<StageResults['patch']> {
  const { job, ingest, embed, density } = requireResults(state, 'ingest', 'embed', 'density');
  const profile = await deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version);
  const [scores, layout] = await Promise.all([deps.scratch.getFloats(embed.scores), deps.scratch.getJson(embed.plan).then((j) => LayoutSchema.parse(j))]);
  const tiles = tileScores(scores.data, scores.shape as [number, number, number], layout, embed.stride);
  const { settings, calibration } = profile;
  const { raw, map } = patchScoring(tiles, layout, settings, { width: ingest.input.width!, height: ingest.input.height! });
  const fusion = mapFusionOf(profile);
  if (fusion && density.present && density.map) fuseDensityIntoMap(map, await deps.scratch.getGrey(density.map), fusion);
  const regions = findRegions(map, { threshold: calibration.pixelThreshold, pixelSizeUm: ingest.pixelSizeUm ?? null }).regions;
  return { raw, calibrated: calibrate(raw, calibration), regions, map: deps.scratch.putGrey('anomaly-map', map) };
}

/**
 * Each tile's grid of patch scores (`data`: count × rows × cols, as the embed stage stored them), ready for
 * patchScoring; evaluation remakes a map it did not keep the same way, so it is the same map to the last bit.
 */
export function tileScores(data: Float32Array, shape: readonly [number, number, number], layout: z.infer<typeof LayoutSchema>, stride: number): TileScores[] {
  const [count, rows, cols] = shape;
  const tiles: TileScores[] = [];
  for (let t = 0; t < count; t++) {
    tiles.push({ tile: layout.tiles[t]!, stride, map: createGreyImage(cols, rows, data.slice(t * rows * cols, (t + 1) * rows * cols)) });
  }
  return tiles;
}

import { extractPaddedTile, insideRect, planPaddedTiles } from '../../../domain/image/tiling.js';
import { meanNormalised } from '../../../domain/scoring/patch-grid.js';
import type { TileLayout } from '../../scoring.js';
import type { Tile } from '../../../domain/image/tiling.js';
import type { PipelineDeps } from '../deps.js';
import { requireProfileBackbone } from './backbone.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';

/**
 * Embed: pad the normalised image by the profile's reflected border, tile it as the profile says, and have the
 * scorer (ONNX Runtime locally, the GPU endpoint in the cloud) embed every tile and score its patches against the
 * memory bank. The image embedding is the mean of the tiles' embeddings over the cells inside the image.
 */
export async function embed(state: InspectionState, deps: PipelineDeps): Promise<StageResults['embed']> {
  const { job, ingest, normalise } = requireResults(state, 'ingest', 'normalise');
  const [scorer, profile] = await Promise.all([deps.scorer(), deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version)]);
  const d = scorer.descriptor;
  requireProfileBackbone(profile, d);
  const image = await deps.scratch.getGrey(normalise.normalised);
  const { borderPad: pad, tiling } = profile.settings;
  const plan = planPaddedTiles(image.width, image.height, tiling, pad, d.sizeMultiple);
  const tiles = {
    count: plan.tiles.length,
    tile: (i: number) => ({ image: extractPaddedTile(image, pad, plan.tiles[i]!), inside: insideRect(plan.tiles[i]!, pad, image.width, image.height) }),
  };
  const scored = await scorer.scoreTiles(tiles, { tenant: job.tenant, ...ingest.profile });
  const perTile = plan.tiles.map((_, i) => scored.embeddings.subarray(i * scored.embeddingDim, (i + 1) * scored.embeddingDim));
  const layout: TileLayout & { tiles: readonly Tile[] } = { width: image.width, height: image.height, pad, overlap: plan.overlap, tiles: plan.tiles };
  return {
    backbone: { id: d.id, sha256: d.sha256 },
    scores: deps.scratch.putFloats('tile-scores', scored.scores, [plan.tiles.length, scored.rows, scored.cols]),
    plan: deps.scratch.putJson('tile-layout', layout),
    stride: scored.stride,
    embedding: deps.scratch.putFloats('embedding', meanNormalised(perTile), [scored.embeddingDim]),
  };
}

import type { FeatureMap, PatchGrid } from '../../domain/features/feature-map.js';
import type { GreyImage } from '../../domain/image/grey-image.js';
import { tileFeatures } from '../../domain/scoring/patch-grid.js';
import { searchGrids } from '../../application/scoring.js';
import type { Backbone, BackboneDescriptor } from '../../ports/backbone.js';
import type { PatchScorer, ProfileVersionRef, ScoredTiles, ScoringTiles } from '../../ports/patch-scorer.js';
import type { BankIndexCache } from './bank-index-cache.js';

/**
 * The PatchScorer port in process: any Backbone (ONNX Runtime on this machine locally; the SageMaker endpoint for
 * cloud enrolment), the profile's patch features (domain `tileFeatures`, as enrolment and the model container build
 * them) and its memory bank in an in-process index (BankIndexCache).
 */
export class InProcessPatchScorer implements PatchScorer {
  constructor(private readonly backbone: Backbone, private readonly banks: BankIndexCache, private readonly batchSize = 8) {}

  get descriptor(): BackboneDescriptor {
    return this.backbone.descriptor;
  }

  extract(images: readonly GreyImage[], layers: readonly string[]): Promise<FeatureMap[][]> {
    return this.backbone.extract(images, layers);
  }

  /**
   * Batch by batch: the tiles are made, embedded, and their patches searched and dropped before the next batch, so
   * memory holds one batch of tiles and patch features however large the image (a 64 MP image has about 80 tiles).
   * Each patch's search is independent of the others in its batch, so the scores are those of one search over all.
   */
  async scoreTiles(tiles: ScoringTiles, ref: ProfileVersionRef): Promise<ScoredTiles> {
    const { profile, index } = await this.banks.get(ref.tenant, ref.name, ref.version);
    const d = this.backbone.descriptor;
    let grid: { rows: number; cols: number; stride: number } | undefined;
    let scores = new Float32Array(0);
    const pooled: Float32Array[] = [];
    for (let start = 0; start < tiles.count; start += this.batchSize) {
      const batch = Array.from({ length: Math.min(this.batchSize, tiles.count - start) }, (_, i) => tiles.tile(start + i));
      const outputs = await this.backbone.extract(batch.map((t) => t.image));
      const grids: PatchGrid[] = batch.map((t, i) => {
        const f = tileFeatures(outputs[i]!, profile.features, d.embeddingLayer, t.inside);
        pooled.push(f.pooled);
        return f.grid;
      });
      if (!grid) {
        grid = { rows: grids[0]!.rows, cols: grids[0]!.cols, stride: grids[0]!.stride };
        scores = new Float32Array(tiles.count * grid.rows * grid.cols);
      }
      const cells = grid.rows * grid.cols;
      (await searchGrids(grids, index, profile.features.k)).forEach((m, i) => scores.set(m.data, (start + i) * cells));
    }
    if (!grid) throw new RangeError('no tiles to score');
    const embeddingDim = pooled[0]!.length;
    const embeddings = new Float32Array(pooled.length * embeddingDim);
    pooled.forEach((p, i) => embeddings.set(p, i * embeddingDim));
    return { ...grid, scores, embeddings, embeddingDim };
  }
}

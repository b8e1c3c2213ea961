import type { FeatureMap, PatchGrid } from '../../domain/features/feature-map.js';
import type { GreyImage } from '../../domain/image/grey-image.js';
import { tileFeatures } from '../../domain/scoring/patch-grid.js';
import { searchGrids } from '../../application/scoring.js';
import type { Backbone, BackboneDescriptor } from '../../ports/backbone.js';
import type { PatchScorer, ProfileVersionRef, ScoredTiles, ScoringTile } from '../../ports/patch-scorer.js';
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

  async scoreTiles(tiles: readonly ScoringTile[], ref: ProfileVersionRef): Promise<ScoredTiles> {
    const { profile, index } = await this.banks.get(ref.tenant, ref.name, ref.version);
    const d = this.backbone.descriptor;
    const grids: PatchGrid[] = [];
    const pooled: Float32Array[] = [];
    for (let start = 0; start < tiles.length; start += this.batchSize) {
      const batch = tiles.slice(start, start + this.batchSize);
      const outputs = await this.backbone.extract(batch.map((t) => t.image));
      batch.forEach((t, i) => {
        const f = tileFeatures(outputs[i]!, profile.features, d.embeddingLayer, t.inside);
        grids.push(f.grid);
        pooled.push(f.pooled);
      });
    }
    const maps = await searchGrids(grids, index, profile.features.k);
    const { rows, cols, stride } = grids[0]!;
    const scores = new Float32Array(maps.length * rows * cols);
    maps.forEach((m, i) => scores.set(m.data, i * rows * cols));
    const embeddingDim = pooled[0]!.length;
    const embeddings = new Float32Array(pooled.length * embeddingDim);
    pooled.forEach((p, i) => embeddings.set(p, i * embeddingDim));
    return { rows, cols, stride, scores, embeddings, embeddingDim };
  }
}

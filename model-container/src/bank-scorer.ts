import { BankIndexCache } from '../../lambdas/application/bank-index-cache.js';
import { MmdoError } from '../../lambdas/domain/errors.js';
import type { FeatureMap } from '../../lambdas/domain/features/feature-map.js';
import { patchScores } from '../../lambdas/domain/scoring/anomaly-map.js';
import { buildPatchGrid, imageEmbedding } from '../../lambdas/domain/scoring/patch-grid.js';
import type { BackboneDescriptor } from '../../lambdas/ports/backbone.js';
import type { ProfileStore } from '../../lambdas/ports/stores.js';
import type { ProfileRef } from '../../lambdas/adapters/aws/sagemaker-protocol.js';
import { DeviceIndexFactory } from './device-knn.js';
import type { Device } from './engine.js';

export interface TileScores {
  readonly rows: number;
  readonly cols: number;
  /** Grid stride in tile pixels. */
  readonly stride: number;
  /** tiles × rows × cols patch scores. */
  readonly scores: Float32Array;
  /** tiles × channels pooled (not normalised) embedding-layer features. */
  readonly embeddings: Float32Array;
  readonly embeddingDim: number;
}

/**
 * PatchCore scoring next to the backbone: the profile version's memory bank is loaded once (S3 or a local folder,
 * through the ProfileStore port) into an exact index on the device and kept (LRU); every tile's patch grid is
 * built with the same domain code as the embedded pipeline and searched in one call.
 */
export class BankScorer {
  private readonly banks: BankIndexCache;

  constructor(profiles: ProfileStore, device: Device, private readonly descriptor: BackboneDescriptor, capacity = 4) {
    this.banks = new BankIndexCache(profiles, new DeviceIndexFactory(device), () => 'exact', capacity);
  }

  async score(ref: ProfileRef, tiles: readonly FeatureMap[][]): Promise<TileScores> {
    const { profile, index } = await this.banks.get(ref.tenant, ref.name, ref.version);
    if (profile.backbone.sha256 !== this.descriptor.sha256) {
      throw new MmdoError('backbone_mismatch', `profile '${profile.name}' v${profile.version} was enrolled with backbone ${profile.backbone.id}, but this endpoint serves ${this.descriptor.id}`, 409);
    }
    const grids = tiles.map((maps) => buildPatchGrid(maps, profile.features));
    const { rows, cols, stride, dim } = grids[0]!;
    const queries = new Float32Array(grids.length * rows * cols * dim);
    grids.forEach((g, i) => queries.set(g.data, i * rows * cols * dim));
    const k = Math.max(1, Math.min(profile.features.k, index.size));
    const scores = patchScores(await index.search(queries, k), k, k);
    const embeddingMaps = tiles.map((maps) => maps.find((m) => m.name === this.descriptor.embeddingLayer)!);
    const embeddingDim = embeddingMaps[0]!.channels;
    const embeddings = new Float32Array(tiles.length * embeddingDim);
    embeddingMaps.forEach((m, i) => embeddings.set(imageEmbedding(m, { normalise: false }), i * embeddingDim));
    return { rows, cols, stride, scores, embeddings, embeddingDim };
  }

  dispose(): Promise<void> {
    return this.banks.dispose();
  }
}

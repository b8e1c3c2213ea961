import { MmdoError } from '../../lambdas/domain/errors.js';
import type { ProfileVersion } from '../../lambdas/domain/profile/profile.js';
import type { PixelRect } from '../../lambdas/domain/image/tiling.js';
import { poolInside } from '../../lambdas/domain/scoring/patch-grid.js';
import type { BackboneDescriptor } from '../../lambdas/ports/backbone.js';
import type { ProfileVersionRef, ScoredTiles } from '../../lambdas/ports/patch-scorer.js';
import type { Device, LayerOutput } from './engine.js';
import { ScoringHead } from './scoring-head.js';

/** Reads a profile version by its number (ProfileVersionFiles over S3 or a folder; any ProfileStore also fits). */
export interface ProfileVersionReader {
  load(tenant: string, name: string, version: number): Promise<ProfileVersion>;
}

interface Loaded {
  readonly profile: ProfileVersion;
  readonly head: ScoringHead;
}

/**
 * PatchCore scoring next to the backbone: a profile version (S3 or a local folder, read by explicit version)
 * is loaded once into a scoring head on the device and kept for the next requests. Versions are immutable, so a
 * cached head never goes stale; the least recently used beyond `capacity` are released.
 */
export class BankScorer {
  private readonly heads = new Map<string, Promise<Loaded>>();

  constructor(
    private readonly profiles: ProfileVersionReader,
    private readonly device: Device,
    private readonly descriptor: BackboneDescriptor,
    private readonly capacity = 4,
  ) {}

  /** The backbone outputs a profile version's scoring needs (its patch layers and the embedding layer). */
  async layersFor(ref: ProfileVersionRef): Promise<string[]> {
    const { profile } = await this.load(ref);
    return [...new Set([...profile.features.layers, this.descriptor.embeddingLayer])];
  }

  /**
   * Patch scores of `count` tiles and each tile's embedding: the mean of the embedding layer over the cells inside
   * `inside[i]` (the part of the tile that shows the image, as local inspection pools it), or the whole tile.
   */
  private get embeddingStride(): number {
    return this.descriptor.layers.find((l) => l.name === this.descriptor.embeddingLayer)!.stride;
  }

  async score(ref: ProfileVersionRef, outputs: ReadonlyMap<string, LayerOutput>, count: number, inside?: readonly PixelRect[]): Promise<ScoredTiles> {
    const { head } = await this.load(ref);
    const { scores, rows, cols } = await head.score(outputs, count);
    const { dims, data } = outputs.get(this.descriptor.embeddingLayer)!;
    const [, channels, height, width] = dims as [number, number, number, number];
    const size = channels * height * width;
    const embeddings = new Float32Array(count * channels);
    for (let i = 0; i < count; i++) {
      const map = { name: this.descriptor.embeddingLayer, stride: this.embeddingStride, channels, height, width, data: data.subarray(i * size, (i + 1) * size) };
      const whole = { x0: 0, y0: 0, x1: width * this.embeddingStride, y1: height * this.embeddingStride };
      embeddings.set(poolInside(map, inside?.[i] ?? whole), i * channels);
    }
    return { rows, cols, stride: head.stride, scores, embeddings, embeddingDim: channels };
  }

  private load(ref: ProfileVersionRef): Promise<Loaded> {
    const key = JSON.stringify([ref.tenant, ref.name, ref.version]);
    let entry = this.heads.get(key);
    if (entry) this.heads.delete(key); // re-insert below: Map order is the recency order
    else {
      entry = this.profiles.load(ref.tenant, ref.name, ref.version).then(async (profile) => {
        if (profile.backbone.sha256 !== this.descriptor.sha256) {
          throw new MmdoError('backbone_mismatch', `profile '${profile.name}' v${profile.version} was enrolled with backbone ${profile.backbone.id}, but this endpoint serves ${this.descriptor.id}`, 409);
        }
        return { profile, head: await ScoringHead.build(profile, this.descriptor, this.device) };
      });
      entry.catch(() => this.heads.delete(key));
    }
    this.heads.set(key, entry);
    while (this.heads.size > this.capacity) {
      const [oldest, evicted] = this.heads.entries().next().value as [string, Promise<Loaded>];
      this.heads.delete(oldest);
      void evicted.then((l) => l.head.dispose()).catch(() => {});
    }
    return entry;
  }

  async dispose(): Promise<void> {
    const all = [...this.heads.values()];
    this.heads.clear();
    for (const entry of all) await entry.then((l) => l.head.dispose()).catch(() => {});
  }
}

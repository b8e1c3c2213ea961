import { concatFloat32 } from '../domain/arrays.js';
import type { ImageEmbeddings, MemoryBank } from '../domain/profile/profile.js';
import { coresetSize, DEFAULT_CENTRES_PER_PART, greedyCoreset, selectRows } from '../domain/scoring/coreset.js';
import type { ImageFeatures } from './features.js';

export interface CoresetOptions {
  readonly ratio: number;
  readonly maxSize?: number;
  readonly seed: number;
}

/** The memory bank of a profile: a greedy k-center coreset of every patch of the bank images. */
export function buildMemoryBank(bankFeatures: readonly ImageFeatures[], options: CoresetOptions): MemoryBank {
  const bank = new StreamingMemoryBank(options);
  for (const f of bankFeatures) bank.add(f.grids.map((g) => g.data), f.grids[0]!.dim);
  return bank.finish();
}

/** The bank images' global embeddings, for novelty and the nearest known samples. */
export function stackEmbeddings(features: readonly ImageFeatures[], ids: readonly string[]): ImageEmbeddings {
  return { dim: features[0]!.embedding.length, ids, vectors: concatFloat32(features.map((f) => f.embedding)) };
}

export interface StreamingOptions extends CoresetOptions {
  /** Patch vectors held before images are reduced on arrival (default 256 MB). */
  readonly budgetBytes?: number;
}

export const DEFAULT_BANK_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * The memory bank built one image at a time, in bounded memory whatever the number of images or the settings.
 * While every patch seen fits `budgetBytes`, patches are kept as they come and `finish` takes the greedy coreset of
 * all of them exactly as `greedyCoreset` always has (so small and medium enrolments give the very same bank).
 * Past the budget, each image's patches are first reduced to their own greedy k-center coreset (the images kept so
 * far too): a composable coreset (Indyk et al. 2014) whose parts are the images, as `greedyCoreset` already splits
 * a large selection into random parts. Each image keeps 256 centres per 2048 vectors of the bank asked for, so its
 * outlying patches are kept, and `finish` takes the coreset of their union; when even those pass the budget they
 * are reduced together to a coreset of twice the bank's size. Memory stays within the budget (at least room for
 * eight banks of the size asked for) plus one image's patches.
 */
export class StreamingMemoryBank {
  private readonly chunks: Float32Array[] = [];
  private heldBytes = 0;
  private seen = 0;
  private dim = 0;
  private reducing = false;
  private images = 0;
  private readonly budget: number;

  constructor(private readonly options: StreamingOptions) {
    this.budget = options.budgetBytes ?? DEFAULT_BANK_BUDGET_BYTES;
  }

  /** Patches seen so far (before any reduction). */
  get vectorsSeen(): number {
    return this.seen;
  }

  /** Whether images are being reduced on arrival (the budget was passed). */
  get reduced(): boolean {
    return this.reducing;
  }

  /** One image's patch vectors (its tiles' grids, row-major, `dim` wide). */
  add(grids: readonly Float32Array[], dim: number): void {
    if (this.dim === 0) this.dim = dim;
    if (dim !== this.dim) throw new RangeError(`patch vectors of ${dim} values after ${this.dim}`);
    const data = grids.length === 1 ? grids[0]! : concatFloat32(grids);
    this.seen += data.length / dim;
    this.images++;
    this.hold(this.reducing ? this.reduce(data, this.images) : data);
    if (this.heldBytes <= this.budgetFor(dim)) return;
    if (!this.reducing) {
      this.reducing = true;
      const held = this.chunks.splice(0);
      this.heldBytes = 0;
      held.forEach((chunk, i) => this.hold(this.reduce(chunk, i + 1)));
    }
    // Still over: the images' coresets together are reduced to one coreset of twice the largest bank asked for.
    if (this.heldBytes > this.budgetFor(dim)) this.collapse();
  }

  /** The budget, but never under room for four banks of the largest size asked for (so collapsing is rare). */
  private budgetFor(dim: number): number {
    return Math.max(this.budget, 4 * 2 * (this.options.maxSize ?? 2048) * dim * 4);
  }

  private collapse(): void {
    const all = concatFloat32(this.chunks.splice(0));
    const dim = this.dim;
    const count = all.length / dim;
    const keep = Math.min(count, 2 * (this.options.maxSize ?? 2048));
    const chosen = greedyCoreset(all, dim, { ratio: keep / count, maxSize: keep, seed: (this.options.seed + 104729 * this.images) | 0 });
    this.heldBytes = 0;
    this.hold(selectRows(all, dim, chosen).vectors);
  }

  /** The bank: coresetSize(patches seen) vectors chosen by the greedy k-center coreset. */
  finish(): MemoryBank {
    if (this.chunks.length === 0) throw new RangeError('a memory bank needs at least one patch');
    const all = this.chunks.length === 1 ? this.chunks[0]! : concatFloat32(this.chunks);
    const dim = this.dim;
    const count = all.length / dim;
    if (!this.reducing) return selectRows(all, dim, greedyCoreset(all, dim, this.options));
    const target = coresetSize(this.seen, this.options);
    if (count <= target) return { dim, count, vectors: all };
    return selectRows(all, dim, greedyCoreset(all, dim, { ratio: target / count, maxSize: target, seed: this.options.seed }));
  }

  private hold(chunk: Float32Array): void {
    this.chunks.push(chunk);
    this.heldBytes += chunk.byteLength;
  }

  /** One image's own coreset: 256 centres per 2048 of the bank's size (at least 256), or all when it has fewer. */
  private reduce(data: Float32Array, index: number): Float32Array {
    const dim = this.dim;
    const count = data.length / dim;
    const quota = DEFAULT_CENTRES_PER_PART * Math.max(1, Math.ceil((this.options.maxSize ?? 2048) / 2048));
    if (count <= quota) return data;
    const chosen = greedyCoreset(data, dim, { ratio: quota / count, maxSize: quota, seed: (this.options.seed + 7919 * (index + 1)) | 0 });
    return selectRows(data, dim, chosen).vectors;
  }
}

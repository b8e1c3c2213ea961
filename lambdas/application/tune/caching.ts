import { createHash } from 'node:crypto';
import { ValidationError } from '../../domain/errors.js';
import type { FeatureMap } from '../../domain/features/feature-map.js';
import type { GreyImage } from '../../domain/image/grey-image.js';
import type { Backbone } from '../../ports/backbone.js';
import type { DecodedImage, ImageDecoder, IngestLimits } from '../../ports/image-codec.js';
import type { EvaluationSource } from '../evaluate/manifest.js';

/**
 * What a tuning run keeps between trials so that each trial pays only for what its recipe changes:
 *  - the bytes of every image it reads (read from the manifest's source once);
 *  - the decoded image of every image of the search (bank, calibration, validation subset, their masks): decoding
 *    does not depend on the recipe;
 *  - optionally the backbone's outputs per tile (see MemoBackbone): a tile is a function of the normalised image,
 *    the border and the tile size, so trials that share those share the network's work.
 * It also records every path it read, so a test can check that the search never touched the test split.
 */
export class TrialCache {
  private readonly bytes = new Map<string, Promise<Uint8Array>>();
  private readonly decoded = new WeakMap<Uint8Array, Promise<DecodedImage>>();
  /** Bytes whose decoding is kept (images of the search); others are decoded every time. */
  private readonly keepDecoded = new WeakSet<Uint8Array>();
  /** Paths read from the underlying source, in first-read order. */
  readonly reads: string[] = [];
  readonly stats = { byteReads: 0, byteHits: 0, decodes: 0, decodeHits: 0 };

  constructor(private readonly source: EvaluationSource, private readonly inner: ImageDecoder) {}

  /**
   * An EvaluationSource over the given rows only: any other path is refused (an error, not a silent read), so a
   * view without the test rows cannot reach a test image. `keepDecoded` views keep decoded images for later trials.
   */
  view(rows: readonly Record<string, string>[], options: { readonly keepDecoded: boolean; readonly label: string }): EvaluationSource {
    const allowed = new Set(rows.flatMap((r) => [r['path'], r['mask']].filter((p): p is string => !!p)));
    return {
      description: `${this.source.description} (${options.label})`,
      readRows: async () => rows.map((r) => ({ ...r })),
      readFile: async (path) => {
        if (!allowed.has(path)) throw new ValidationError(`tuning view '${options.label}' does not include '${path}'`);
        const bytes = await this.read(path);
        if (options.keepDecoded) this.keepDecoded.add(bytes);
        return bytes;
      },
    };
  }

  /** The decoder trials use: decodes bytes of kept views once. */
  readonly decoder: ImageDecoder = {
    decode: (bytes: Uint8Array, limits?: IngestLimits): Promise<DecodedImage> => {
      if (!this.keepDecoded.has(bytes)) return this.inner.decode(bytes, limits);
      const known = this.decoded.get(bytes);
      if (known) {
        this.stats.decodeHits++;
        return known;
      }
      this.stats.decodes++;
      const pending = this.inner.decode(bytes, limits);
      this.decoded.set(bytes, pending);
      pending.catch(() => this.decoded.delete(bytes));
      return pending;
    },
  };

  private read(path: string): Promise<Uint8Array> {
    const known = this.bytes.get(path);
    if (known) {
      this.stats.byteHits++;
      return known;
    }
    this.stats.byteReads++;
    this.reads.push(path);
    const pending = this.source.readFile(path);
    this.bytes.set(path, pending);
    pending.catch(() => this.bytes.delete(path));
    return pending;
  }
}

/**
 * A Backbone that remembers its outputs per tile (content hash of the tile's pixels and size), up to a byte budget,
 * least recently used first out. Every tile runs through the network on its own, so a tile's features do not depend
 * on which other tiles shared its batch: a trial's scores are the same whether its tiles came from the memory or not
 * (resuming a run with an empty memory proposes exactly what the uninterrupted run did).
 */
export class MemoBackbone implements Backbone {
  private readonly entries = new Map<string, { maps: FeatureMap[]; bytes: number }>();
  private bytes = 0;
  readonly stats = { tiles: 0, hits: 0 };

  constructor(private readonly inner: Backbone, private readonly maxBytes: number) {}

  get descriptor() {
    return this.inner.descriptor;
  }

  /** Bytes held now. */
  get heldBytes(): number {
    return this.bytes;
  }

  async extract(tiles: readonly GreyImage[]): Promise<FeatureMap[][]> {
    const out: FeatureMap[][] = [];
    for (const tile of tiles) {
      this.stats.tiles++;
      const key = tileKey(tile);
      const known = this.entries.get(key);
      if (known) {
        this.stats.hits++;
        this.entries.delete(key); // re-insert: Map order is the recency order
        this.entries.set(key, known);
        out.push(known.maps);
        continue;
      }
      const [maps] = await this.inner.extract([tile]);
      // Own copies: the network's output buffers hold the whole batch, and the accounting must be exact.
      const own = maps!.map((m) => ({ ...m, data: m.data.slice() }));
      out.push(own);
      this.remember(key, own);
    }
    return out;
  }

  private remember(key: string, maps: FeatureMap[]): void {
    const size = maps.reduce((n, m) => n + m.data.byteLength, 0);
    if (size > this.maxBytes) return;
    this.entries.set(key, { maps, bytes: size });
    this.bytes += size;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  async dispose(): Promise<void> {
    this.entries.clear();
    this.bytes = 0;
  }
}

function tileKey(tile: GreyImage): string {
  const data = tile.data;
  return createHash('sha1').update(`${tile.width}x${tile.height}:`).update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('base64');
}

import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { Backbone, BackboneDescriptor } from '../../ports/backbone.js';
import type { GreyImage } from '../../domain/image/grey-image.js';
import type { FeatureMap } from '../../domain/features/feature-map.js';
import { descriptorOf, preprocessCoefficients, type BackboneManifest } from '../../domain/backbone/manifest.js';
import { BackboneError } from '../../domain/backbone/errors.js';

process.env.ORT_DISABLE_TELEMETRY ??= '1';

/** Upper bound on input values per ORT run, so a large batch does not multiply peak memory. */
const MAX_BATCH_VALUES = 4 * 1024 * 1024;

/**
 * Threads as many as cores, but not spinning: between runs ORT's idle threads otherwise busy-wait for work and take
 * the cores from the stages that run beside the backbone (microstructure, rendering, a second image's pipeline
 * thread). Idle machine, 1024² end to end: 1,029 → 970 ms, CPU 1,615 → 1,420 ms, 4 uploads in flight 1.12 → 1.28
 * images/s (README, Benchmarks).
 */
export function sessionOptions(): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: intraOpThreads(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // MMDO_ORT_ARENA=0: no memory arena, so ORT returns its buffers after every run (one 64 MP image in a fresh
    // process peaked ~150 MB lower, with the backbone slower); off by default.
    ...(process.env.MMDO_ORT_ARENA === '0' ? { enableCpuMemArena: false } : {}),
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

let threadsOverride: number | undefined;

/**
 * Intra-op threads of the sessions made from now on in this thread: the cores by default (one inspection at a time
 * per process), fewer where several pipeline threads share the cores (pipeline-pool.ts gives each its share), or
 * MMDO_ORT_THREADS. `undefined` restores the default.
 */
export function setIntraOpThreads(threads: number | undefined): void {
  threadsOverride = threads === undefined ? undefined : Math.max(1, Math.floor(threads));
}

export function intraOpThreads(): number {
  const fromEnv = Number(process.env.MMDO_ORT_THREADS);
  return threadsOverride ?? (Number.isInteger(fromEnv) && fromEnv >= 1 ? fromEnv : Math.max(1, availableParallelism()));
}

/**
 * What another thread needs to open the same model: the file it was read from (read again there and checked against
 * `sha256`), or its bytes where there is no file (the built-in backbone, a model given as bytes).
 */
export interface BackboneSource {
  readonly model: string | Uint8Array;
  readonly manifest: BackboneManifest;
  readonly sha256: string;
}

/** The Backbone port on onnxruntime-node: manifest preprocessing, same-size tiles batched per run. */
export class OnnxBackbone implements Backbone {
  readonly descriptor: BackboneDescriptor;
  readonly source: BackboneSource;
  private readonly layers: readonly string[];
  private readonly inputName: string;
  private readonly coefficients: { a: Float32Array; b: Float32Array };
  /** Per channel, an earlier channel with the same coefficients to copy (-1: computed). */
  private readonly copyOf: readonly number[];
  /** The input buffer of the last run, kept for the next (one at most: takeInput). */
  private spareInput: Float32Array | undefined;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly manifest: BackboneManifest,
    sha256: string,
    model: string | Uint8Array,
  ) {
    this.descriptor = descriptorOf(manifest, sha256);
    this.source = { model, manifest, sha256 };
    this.layers = [...new Set([...manifest.patchLayers, manifest.embeddingLayer])];
    this.inputName = manifest.input.name ?? session.inputNames[0]!;
    this.coefficients = preprocessCoefficients(manifest);
    const { a, b } = this.coefficients;
    this.copyOf = Array.from(a, (ac, c) => a.findIndex((v, e) => e < c && v === ac && b[e] === b[c]));
    const missing = this.layers.filter((l) => !session.outputNames.includes(l));
    if (missing.length || !session.inputNames.includes(this.inputName)) {
      throw new BackboneError('backbone_invalid', `backbone ${manifest.id}: the model has no ${missing.length ? `output(s) ${missing.join(', ')}` : `input '${this.inputName}'`}`, {
        outputs: session.outputNames,
        inputs: session.inputNames,
      });
    }
  }

  /** `file`: where the bytes were read from, so that another thread can open the model without a copy of them. */
  static async create(model: Uint8Array | string, manifest: BackboneManifest, sha256: string, file?: string): Promise<OnnxBackbone> {
    // Two calls because ort's create() overloads take a path or bytes, not their union.
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, sessionOptions())
        : await ort.InferenceSession.create(model, sessionOptions());
    return new OnnxBackbone(session, manifest, sha256, file ?? model);
  }

  async extract(tiles: readonly GreyImage[], only?: readonly string[]): Promise<FeatureMap[][]> {
    if (tiles.length === 0) return [];
    const fetches = only ? this.session.outputNames.filter((n) => only.includes(n)) : [...this.layers];
    const unknown = only?.filter((n) => !this.session.outputNames.includes(n)) ?? [];
    if (unknown.length) throw new BackboneError('backbone_invalid', `backbone ${this.manifest.id} has no output(s) ${unknown.join(', ')}`, { outputs: this.session.outputNames });
    const { width, height } = tiles[0]!;
    const m = this.descriptor.sizeMultiple;
    if (tiles.some((t) => t.width !== width || t.height !== height)) {
      throw new BackboneError('bad_tile_size', 'tiles in one extract() call must share a size');
    }
    if (width % m !== 0 || height % m !== 0) {
      throw new BackboneError('bad_tile_size', `tile ${width}x${height} is not a multiple of ${m} (backbone ${this.descriptor.id})`, { width, height, sizeMultiple: m });
    }
    const channels = this.manifest.input.channels;
    const perTile = channels * width * height;
    const batch = Math.max(1, Math.floor(MAX_BATCH_VALUES / perTile));
    const result: FeatureMap[][] = [];
    for (let start = 0; start < tiles.length; start += batch) {
      const group = tiles.slice(start, start + batch);
      const buffer = this.takeInput(Math.min(batch, tiles.length) * perTile);
      const input = buffer.subarray(0, group.length * perTile);
      group.forEach((tile, i) => this.preprocess(tile.data, input, i * perTile, width * height));
      const feeds = { [this.inputName]: new ort.Tensor('float32', input, [group.length, channels, height, width]) };
      try {
        const outputs = await this.session.run(feeds, fetches);
        for (let i = 0; i < group.length; i++) result.push(fetches.map((name) => this.slice(name, outputs[name]!, i)));
      } finally {
        this.spareInput = buffer;
      }
    }
    return result;
  }

  /**
   * An input buffer of at least `values` floats: the spare one when it is big enough and not in use by a run in
   * flight (two extract calls may interleave), else a new one. Reusing it saves the page faults of a fresh 16 MB
   * array per run (a 1024² inspection: about 20 ms of its main thread).
   */
  private takeInput(values: number): Float32Array {
    const spare = this.spareInput;
    if (spare && spare.length >= values) {
      this.spareInput = undefined;
      return spare;
    }
    return new Float32Array(values);
  }

  /** Grey to the model's channels; a channel with the same coefficients as an earlier one is a copy of it. */
  private preprocess(src: Float32Array, dst: Float32Array, offset: number, plane: number): void {
    const { a, b } = this.coefficients;
    for (let c = 0; c < a.length; c++) {
      const ac = a[c]!;
      const bc = b[c]!;
      const base = offset + c * plane;
      const same = this.copyOf[c]!;
      if (same >= 0) {
        dst.copyWithin(base, offset + same * plane, offset + (same + 1) * plane);
        continue;
      }
      for (let p = 0; p < plane; p++) dst[base + p] = src[p]! * ac + bc;
    }
  }

  private slice(name: string, tensor: ort.Tensor, i: number): FeatureMap {
    const [, channels, height, width] = tensor.dims as number[];
    const size = channels! * height! * width!;
    const stride = this.descriptor.layers.find((l) => l.name === name)!.stride;
    return { name, stride, channels: channels!, height: height!, width: width!, data: (tensor.data as Float32Array).subarray(i * size, (i + 1) * size) };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

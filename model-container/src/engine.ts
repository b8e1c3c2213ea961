import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { BackboneError } from '../../lambdas/domain/backbone/errors.js';
import { preprocessCoefficients } from '../../lambdas/domain/backbone/manifest.js';
import type { ResolvedBackbone } from '../../lambdas/adapters/onnx/model-store.js';
import type { BackboneDescriptor } from '../../lambdas/ports/backbone.js';

process.env.ORT_DISABLE_TELEMETRY ??= '1';

export type DevicePreference = 'auto' | 'cuda' | 'cpu';
export type Device = 'cuda' | 'cpu';

/** One output of a batched run: NCHW float32 for all tiles of the run. */
export interface LayerOutput {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** Session options for a device: CUDA first with CPU fallback for unsupported ops, or CPU only. */
export function deviceSessionOptions(device: Device): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionProviders: device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: Math.max(1, availableParallelism()),
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
}

/**
 * The backbone on ONNX Runtime for the container: one session on the chosen device, runs a batch of equally
 * sized grey tiles (manifest preprocessing applied here) and returns the requested outputs for the whole batch.
 * `auto` tries the CUDA execution provider (onnxruntime-node ships it for linux-x64 when installed with
 * ONNXRUNTIME_NODE_INSTALL=cuda12 and CUDA 12 + cuDNN 9 are present) and falls back to the CPU.
 */
export class InferenceEngine {
  private readonly coefficients: { a: Float32Array; b: Float32Array };
  private readonly inputName: string;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly resolved: ResolvedBackbone,
    readonly device: Device,
  ) {
    this.coefficients = preprocessCoefficients(resolved.manifest);
    this.inputName = resolved.manifest.input.name ?? session.inputNames[0]!;
    const wanted = [...new Set([...resolved.manifest.patchLayers, resolved.manifest.embeddingLayer])];
    const missing = wanted.filter((l) => !session.outputNames.includes(l));
    if (missing.length) throw new BackboneError('backbone_invalid', `backbone ${resolved.manifest.id} has no output(s) ${missing.join(', ')}`);
  }

  static async create(resolved: ResolvedBackbone, preference: DevicePreference = 'auto'): Promise<InferenceEngine> {
    if (preference === 'cuda' || (preference === 'auto' && cudaProviderInstalled())) {
      try {
        const session = await ort.InferenceSession.create(resolved.bytes, deviceSessionOptions('cuda'));
        return new InferenceEngine(session, resolved, 'cuda');
      } catch (error) {
        if (preference === 'cuda') throw error;
      }
    }
    const session = await ort.InferenceSession.create(resolved.bytes, deviceSessionOptions('cpu'));
    return new InferenceEngine(session, resolved, 'cpu');
  }

  get descriptor(): BackboneDescriptor {
    return this.resolved.descriptor;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** `tiles` holds `count` grey tiles of height×width back to back. */
  async run(tiles: Float32Array, count: number, height: number, width: number, layers: readonly string[]): Promise<Map<string, LayerOutput>> {
    const m = this.descriptor.sizeMultiple;
    if (width % m !== 0 || height % m !== 0) {
      throw new BackboneError('bad_tile_size', `tile ${width}x${height} is not a multiple of ${m} (backbone ${this.descriptor.id})`, { width, height, sizeMultiple: m });
    }
    const channels = this.resolved.manifest.input.channels;
    const plane = width * height;
    const input = new Float32Array(count * channels * plane);
    const { a, b } = this.coefficients;
    for (let t = 0; t < count; t++) {
      const src = tiles.subarray(t * plane, (t + 1) * plane);
      for (let c = 0; c < channels; c++) {
        const base = (t * channels + c) * plane;
        const ac = a[c]!;
        const bc = b[c]!;
        for (let p = 0; p < plane; p++) input[base + p] = src[p]! * ac + bc;
      }
    }
    const feeds = { [this.inputName]: new ort.Tensor('float32', input, [count, channels, height, width]) };
    const outputs = await this.session.run(feeds, [...layers]);
    const result = new Map<string, LayerOutput>();
    for (const name of layers) {
      const t = outputs[name]!;
      result.set(name, { dims: t.dims as number[], data: t.data as Float32Array });
    }
    return result;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Whether onnxruntime-node was installed with its CUDA provider library (ONNXRUNTIME_NODE_INSTALL=cuda12). */
export function cudaProviderInstalled(): boolean {
  try {
    const bin = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin');
    return readdirSync(bin).some((napi) => existsSync(join(bin, napi, process.platform, process.arch, 'libonnxruntime_providers_cuda.so')));
  } catch {
    return false;
  }
}

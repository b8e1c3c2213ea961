import { InvokeEndpointCommand, SageMakerRuntimeClient, type SageMakerRuntimeClientConfig } from '@aws-sdk/client-sagemaker-runtime';
import { z } from 'zod';
import { MmdoError } from '../../domain/errors.js';
import type { FeatureMap } from '../../domain/features/feature-map.js';
import type { GreyImage } from '../../domain/image/grey-image.js';
import type { Backbone, BackboneDescriptor } from '../../ports/backbone.js';
import type { PatchScorer, ProfileVersionRef, ScoredTiles, ScoringTiles } from '../../ports/patch-scorer.js';
import { decodeFrame, encodeFrame, requireTensor, TENSOR_CONTENT_TYPE, type Frame } from '../../domain/wire/tensor-frame.js';
import { InvocationResponseSchema, PAYLOAD_LIMIT_BYTES, ProblemSchema, type InvocationResponse } from './sagemaker-protocol.js';

export interface SageMakerClientOptions {
  readonly region?: string;
  /** Endpoint override: the model container itself (local runs, tests) or a VPC endpoint. */
  readonly endpoint?: string;
  readonly credentials?: SageMakerRuntimeClientConfig['credentials'];
}

/** The SDK's own retries are off: this adapter retries with its own policy (below), so attempts do not multiply. */
export function createSageMakerClient(options: SageMakerClientOptions = {}): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient({
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    maxAttempts: 1,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Error names and HTTP statuses worth another attempt: throttling, warm-up and transient server errors. */
const RETRYABLE_NAMES = new Set(['ThrottlingException', 'TooManyRequestsException', 'ServiceUnavailable', 'ServiceUnavailableException', 'InternalFailure', 'InternalServerError', 'ModelNotReadyException']);
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  OriginalStatusCode?: number;
  OriginalMessage?: string;
  detail?: string;
  code?: string;
}

function statusOf(error: SdkError): number | undefined {
  // A container error reaches a real endpoint's caller as ModelError carrying the container's status.
  return error.OriginalStatusCode ?? error.$metadata?.httpStatusCode;
}

export function isRetryable(error: unknown): boolean {
  const e = error as SdkError;
  if (e?.name && RETRYABLE_NAMES.has(e.name)) return true;
  const status = statusOf(e);
  return status !== undefined && RETRYABLE_STATUS.has(status);
}

/**
 * One SageMaker endpoint speaking the application/x-mmdo-tensors protocol: InvokeEndpoint with retries (exponential
 * backoff, full jitter) on throttling and transient errors. A retryable error that outlasts the attempts keeps its
 * name (e.g. ThrottlingException) so the workflow's own retry policy takes over; a permanent one becomes an
 * MmdoError with the container's problem code.
 */
export class SageMakerEndpoint {
  private described: Promise<InvocationResponse> | undefined;

  constructor(
    private readonly client: SageMakerRuntimeClient,
    readonly endpointName: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async invoke(body: Uint8Array): Promise<Frame<InvocationResponse>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.client.send(
          new InvokeEndpointCommand({ EndpointName: this.endpointName, ContentType: TENSOR_CONTENT_TYPE, Accept: TENSOR_CONTENT_TYPE, Body: body }),
        );
        if (!out.Body) throw new MmdoError('empty_response', `endpoint ${this.endpointName} returned no body`, 502);
        return decodeFrame(out.Body, InvocationResponseSchema);
      } catch (error) {
        if (!isRetryable(error)) throw permanentError(error, this.endpointName);
        if (attempt >= this.retry.attempts) throw error;
        const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        await this.sleep(Math.random() * cap);
      }
    }
  }

  /** The served backbone (asked once per instance). */
  describe(): Promise<InvocationResponse> {
    this.described ??= this.invoke(encodeFrame({ op: 'describe' }, [])).then((f) => f.header);
    this.described.catch(() => (this.described = undefined));
    return this.described;
  }
}

function permanentError(error: unknown, endpoint: string): unknown {
  if (error instanceof MmdoError) return error;
  const e = error as SdkError;
  const status = statusOf(e);
  if (status === undefined) return error; // not an HTTP answer (network, programming error): leave as is
  let code = e.code ?? e.name ?? 'endpoint_error';
  let detail = e.detail ?? e.message ?? '';
  if (e.OriginalMessage) {
    let problem: Partial<z.infer<typeof ProblemSchema>> | undefined;
    try {
      const parsed = ProblemSchema.partial().safeParse(JSON.parse(e.OriginalMessage));
      problem = parsed.success ? parsed.data : undefined;
    } catch {
      problem = undefined;
    }
    code = problem?.code ?? code;
    detail = problem?.detail ?? e.OriginalMessage;
  }
  return new MmdoError(code, `endpoint ${endpoint}: ${detail}`, status, { endpoint, status });
}

/**
 * Splits `count` tiles into requests whose request and expected response both fit the payload limit.
 * Throws when even one tile does not fit (use smaller tiles, or ask the endpoint for scores instead of features).
 */
export function tilesPerRequest(tileBytes: number, responseBytesPerTile: number, limit = PAYLOAD_LIMIT_BYTES): number {
  const headroom = 64 * 1024; // JSON headers and alignment
  const perTile = Math.max(tileBytes, responseBytesPerTile);
  const n = Math.floor((limit - headroom) / perTile);
  if (n < 1) {
    throw new MmdoError('payload_too_large', `one tile needs ${perTile} bytes, over the ${limit}-byte endpoint payload limit: use smaller tiles`, 413, { perTile, limit });
  }
  return n;
}

function tileStack(tiles: readonly GreyImage[]): Float32Array {
  const plane = tiles[0]!.width * tiles[0]!.height;
  const out = new Float32Array(tiles.length * plane);
  tiles.forEach((t, i) => out.set(t.data, i * plane));
  return out;
}

async function inGroups<T>(count: number, size: number, concurrency: number, run: (start: number, n: number) => Promise<T>): Promise<T[]> {
  const starts: number[] = [];
  for (let s = 0; s < count; s += size) starts.push(s);
  const results: T[] = new Array(starts.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < starts.length; i = next++) results[i] = await run(starts[i]!, Math.min(size, count - starts[i]!));
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, starts.length) }, worker));
  return results;
}

function checkTiles(tiles: readonly GreyImage[]): { width: number; height: number } {
  const { width, height } = tiles[0]!;
  checkSize(tiles, width, height);
  return { width, height };
}

function checkSize(tiles: readonly GreyImage[], width: number, height: number): void {
  if (tiles.some((t) => t.width !== width || t.height !== height)) throw new MmdoError('bad_tile_size', 'tiles in one call must share a size', 422);
}

export interface SageMakerAdapterOptions {
  /** Requests in flight at once per call (the container batches concurrent requests into one run). */
  readonly concurrency?: number;
  readonly payloadLimit?: number;
}

/** The Backbone port on a SageMaker endpoint: feature maps of the patch and embedding layers. */
export class SageMakerBackbone implements Backbone {
  constructor(private readonly endpoint: SageMakerEndpoint, readonly descriptor: BackboneDescriptor, private readonly options: SageMakerAdapterOptions) {}

  static async create(endpoint: SageMakerEndpoint, options: SageMakerAdapterOptions = {}): Promise<SageMakerBackbone> {
    return new SageMakerBackbone(endpoint, (await endpoint.describe()).backbone, options);
  }

  async extract(tiles: readonly GreyImage[], only?: readonly string[]): Promise<FeatureMap[][]> {
    if (tiles.length === 0) return [];
    const { width, height } = checkTiles(tiles);
    const d = this.descriptor;
    const wanted = only ?? [...new Set([...d.patchLayers, d.embeddingLayer])];
    const layers = wanted.map((name) => {
      const layer = d.layers.find((l) => l.name === name);
      if (!layer) throw new MmdoError('backbone_invalid', `backbone ${d.id} has no output '${name}'`, 422);
      return layer;
    });
    const responsePerTile = layers.reduce((n, l) => n + 4 * l.channels * Math.ceil(height / l.stride) * Math.ceil(width / l.stride), 0);
    const per = tilesPerRequest(4 * width * height, responsePerTile, this.options.payloadLimit);
    const stack = tileStack(tiles);
    const plane = width * height;
    const groups = await inGroups(tiles.length, per, this.options.concurrency ?? 4, async (start, n) => {
      const body = encodeFrame({ op: 'extract', layers: layers.map((l) => l.name) }, [
        { name: 'tiles', shape: [n, height, width], data: stack.subarray(start * plane, (start + n) * plane) },
      ]);
      const frame = await this.endpoint.invoke(body);
      const result: FeatureMap[][] = [];
      for (let i = 0; i < n; i++) {
        result.push(layers.map(({ name, stride }) => {
          const t = requireTensor(frame, `features/${name}`, 'float32');
          const [, channels, h, w] = t.shape as [number, number, number, number];
          const size = channels * h * w;
          return { name, stride, channels, height: h, width: w, data: (t.data as Float32Array).subarray(i * size, (i + 1) * size) };
        }));
      }
      return result;
    });
    return groups.flat();
  }

  async dispose(): Promise<void> {}
}

/** The PatchScorer port on a SageMaker endpoint: the endpoint scores patches against the profile's memory bank. */
export class SageMakerPatchScorer implements PatchScorer {
  private readonly features: SageMakerBackbone;

  private constructor(private readonly endpoint: SageMakerEndpoint, readonly descriptor: BackboneDescriptor, private readonly options: SageMakerAdapterOptions) {
    this.features = new SageMakerBackbone(endpoint, descriptor, options);
  }

  static async create(endpoint: SageMakerEndpoint, options: SageMakerAdapterOptions = {}): Promise<SageMakerPatchScorer> {
    return new SageMakerPatchScorer(endpoint, (await endpoint.describe()).backbone, options);
  }

  extract(images: readonly GreyImage[], layers: readonly string[]): Promise<FeatureMap[][]> {
    return this.features.extract(images, layers);
  }

  async scoreTiles(scoring: ScoringTiles, profile: ProfileVersionRef): Promise<ScoredTiles> {
    if (scoring.count === 0) throw new MmdoError('no_tiles', 'nothing to score', 422);
    // The first tile gives the size every request is planned for, and goes into the first request (made once).
    const first = scoring.tile(0);
    const { width, height } = first.image;
    const embeddingLayer = this.descriptor.layers.find((l) => l.name === this.descriptor.embeddingLayer)!;
    // The profile may use any of the outputs: size the response for the finest one.
    const finest = Math.min(...this.descriptor.layers.map((l) => l.stride));
    const responsePerTile = 4 * (Math.ceil(height / finest) * Math.ceil(width / finest) + embeddingLayer.channels);
    const per = tilesPerRequest(4 * width * height, responsePerTile, this.options.payloadLimit);
    const parts = await inGroups(scoring.count, per, this.options.concurrency ?? 4, async (start, n) => {
      // One request's tiles at a time, made here (a large image's tiles are never all in memory at once).
      const group = Array.from({ length: n }, (_, i) => (start + i === 0 ? first : scoring.tile(start + i)));
      // Each tile's embedding averages only the cells inside the image (the rest is mirrored border).
      const inside = group.map(({ inside: r }) => [r.x0, r.y0, r.x1, r.y1]);
      const tiles = group.map((t) => t.image);
      checkSize(tiles, width, height);
      const body = encodeFrame({ op: 'extract', profile, inside }, [{ name: 'tiles', shape: [n, height, width], data: tileStack(tiles) }]);
      const frame = await this.endpoint.invoke(body);
      return { frame, scores: requireTensor(frame, 'scores', 'float32'), embedding: requireTensor(frame, 'embedding', 'float32') };
    });
    const [, rows, cols] = parts[0]!.scores.shape as [number, number, number];
    const embeddingDim = parts[0]!.embedding.shape[1]!;
    const scores = new Float32Array(scoring.count * rows * cols);
    const embeddings = new Float32Array(scoring.count * embeddingDim);
    let s = 0;
    let e = 0;
    for (const p of parts) {
      scores.set(p.scores.data as Float32Array, s);
      embeddings.set(p.embedding.data as Float32Array, e);
      s += p.scores.data.length;
      e += p.embedding.data.length;
    }
    const stride = parts[0]!.frame.header.scoreStride ?? finest;
    return { rows, cols, stride, scores, embeddings, embeddingDim };
  }
}

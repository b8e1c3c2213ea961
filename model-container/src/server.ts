import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MmdoError, ValidationError } from '../../lambdas/domain/errors.js';
import { InvocationRequestSchema, PAYLOAD_LIMIT_BYTES, type InvocationResponse } from '../../lambdas/adapters/aws/sagemaker-protocol.js';
import { decodeFrame, encodeFrame, requireTensor, TENSOR_CONTENT_TYPE, type Tensor } from '../../lambdas/domain/wire/tensor-frame.js';
import type { BankScorer } from './bank-scorer.js';
import { TileBatcher, type BatcherOptions } from './batcher.js';
import type { InferenceEngine } from './engine.js';

export interface ModelServerOptions {
  readonly engine: InferenceEngine;
  /** Patch scoring against memory banks; without it, requests naming a profile are refused. */
  readonly scorer?: BankScorer;
  readonly batching?: Partial<BatcherOptions>;
  /** Largest request and response body (SageMaker real-time: 6 MB). */
  readonly maxPayloadBytes?: number;
  readonly log?: (line: Record<string, unknown>) => void;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly batcher: TileBatcher;
  close(): Promise<void>;
}

const DEFAULT_BATCHING: BatcherOptions = { maxTiles: 8, delayMs: 4 };

/**
 * The SageMaker inference contract: GET /ping (200 once the model is loaded) and POST /invocations with an
 * application/x-mmdo-tensors frame (lambdas/domain/wire/tensor-frame.ts). Errors are RFC 9457 problem+json.
 */
export function createModelServer(options: ModelServerOptions): { server: Server; batcher: TileBatcher } {
  const { engine } = options;
  const limit = options.maxPayloadBytes ?? PAYLOAD_LIMIT_BYTES;
  const allLayers = engine.descriptor.layers.map((l) => l.name);
  const batcher = new TileBatcher((tiles, count, height, width, layers) => engine.run(tiles, count, height, width, layers), { ...DEFAULT_BATCHING, ...options.batching });
  const defaultLayers = [...new Set([...engine.descriptor.patchLayers, engine.descriptor.embeddingLayer])];
  const log = options.log ?? (() => {});
  const base = (): Omit<InvocationResponse, 'op'> => ({ backbone: { ...engine.descriptor, layers: [...engine.descriptor.layers], patchLayers: [...engine.descriptor.patchLayers] }, device: engine.device });

  async function invoke(body: Uint8Array): Promise<Uint8Array> {
    const frame = decodeFrame(body, InvocationRequestSchema);
    const request = frame.header;
    if (request.op === 'describe') return encodeFrame({ op: 'describe', ...base() }, []);
    const tiles = requireTensor(frame, 'tiles', 'float32');
    if (tiles.shape.length !== 3 || tiles.shape[0] === 0) throw new ValidationError('tensor tiles must be float32 [N,H,W] with N ≥ 1');
    const [count, height, width] = tiles.shape as [number, number, number];
    const unknown = (request.layers ?? []).filter((l) => !allLayers.includes(l));
    if (unknown.length) throw new ValidationError(`unknown layer(s) ${unknown.join(', ')}`, { available: allLayers });
    if (request.profile && !options.scorer) throw new MmdoError('scoring_unavailable', 'this server has no profile store configured (MMDO_ARTIFACT_BUCKET or MMDO_PROFILE_ROOT)', 501);
    const layers = request.layers ?? (request.profile ? [] : defaultLayers);
    if (layers.length === 0 && !request.profile) throw new ValidationError('the request asks for no layers and no profile: nothing to compute');
    const started = performance.now();
    // Only the outputs this request needs are computed (the profile's layers, which it chose at enrolment).
    const needed = request.profile ? [...(await options.scorer!.layersFor(request.profile)), ...layers] : layers;
    const outputs = await batcher.submit(tiles.data as Float32Array, count, height, width, needed);
    const timingsMs: Record<string, number> = { backbone: round(performance.now() - started) };
    const tensors: Tensor[] = layers.map((name) => {
      const out = outputs.get(name)!;
      return { name: `features/${name}`, shape: out.dims, data: out.data };
    });
    let scoreStride: number | undefined;
    if (request.profile) {
      const scoringStart = performance.now();
      if (request.inside && request.inside.length !== count) throw new ValidationError(`inside names ${request.inside.length} rectangles for ${count} tiles`);
      const inside = request.inside?.map(([x0, y0, x1, y1]) => ({ x0, y0, x1, y1 }));
      const scored = await options.scorer!.score(request.profile, outputs, count, inside);
      scoreStride = scored.stride;
      tensors.push({ name: 'scores', shape: [count, scored.rows, scored.cols], data: scored.scores });
      tensors.push({ name: 'embedding', shape: [count, scored.embeddingDim], data: scored.embeddings });
      timingsMs.score = round(performance.now() - scoringStart);
    }
    const response = encodeFrame({ op: 'extract', ...base(), ...(scoreStride ? { scoreStride } : {}), timingsMs }, tensors);
    if (response.byteLength > limit) {
      throw new MmdoError('response_too_large', `the response would be ${response.byteLength} bytes, over the ${limit}-byte payload limit: send fewer tiles per request or ask for fewer layers`, 413, { bytes: response.byteLength, limit });
    }
    log({ msg: 'invocation', tiles: count, width, height, profile: request.profile ?? null, ms: round(performance.now() - started), bytes: response.byteLength });
    return response;
  }

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => problem(res, error, log));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/ping') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', backbone: engine.descriptor.id, device: engine.device }));
      return;
    }
    // The second form is the SageMaker Runtime API path, so the AWS SDK can call this server directly through an
    // endpoint override (local runs and tests) exactly as it calls a real endpoint.
    if (req.method === 'POST' && (path === '/invocations' || /^\/endpoints\/[^/]+\/invocations$/.test(path ?? ''))) {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (type !== TENSOR_CONTENT_TYPE) throw new MmdoError('unsupported_media_type', `send ${TENSOR_CONTENT_TYPE}, not '${type}'`, 415);
      const body = await readBody(req, limit);
      const out = await invoke(body);
      res.writeHead(200, { 'content-type': TENSOR_CONTENT_TYPE, 'content-length': out.byteLength }).end(out);
      return;
    }
    throw new MmdoError('not_found', `${req.method} ${path} is not part of the inference contract (GET /ping, POST /invocations)`, 404);
  }

  return { server, batcher };
}

/** Starts the server on `host:port` (port 0: any free port). */
export async function startModelServer(options: ModelServerOptions & { host?: string; port?: number }): Promise<RunningServer> {
  const { server, batcher } = createModelServer(options);
  // SageMaker keeps connections open between invocations; its timeout must exceed the client's keep-alive.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${host}:${port}`,
    port,
    batcher,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new MmdoError('payload_too_large', `the request has ${declared} bytes, over the ${limit}-byte payload limit`, 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new MmdoError('payload_too_large', `the request is over the ${limit}-byte payload limit`, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function problem(res: ServerResponse, error: unknown, log: (line: Record<string, unknown>) => void): void {
  const known = error instanceof MmdoError;
  const status = known ? error.status : 500;
  const body = {
    type: `https://mmdo.dev/problems/${known ? error.code : 'internal_error'}`,
    title: known ? error.code.replace(/_/g, ' ') : 'internal error',
    status,
    detail: error instanceof Error ? error.message : String(error),
    code: known ? error.code : 'internal_error',
  };
  if (status >= 500) log({ msg: 'invocation failed', error: body.detail, stack: error instanceof Error ? error.stack : undefined });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify(body));
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

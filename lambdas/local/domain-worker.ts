import { Worker as Thread } from 'node:worker_threads';
import type { DomainOffload } from '../application/pipeline/deps.js';
import { MmdoError } from '../domain/errors.js';
import type { GreyImage } from '../domain/image/grey-image.js';
import type { AnalyseOptions, MicrostructureAnalysis } from '../domain/microstructure/index.js';
import type { DensityFeatures, DensityRequest } from '../application/density.js';
import { DEFAULT_OVERLAP_MAX_PIXELS } from '../application/pipeline/run-local.js';
import { intraOpThreads, type BackboneSource } from '../adapters/onnx/onnx-backbone.js';

/** Messages between a DomainWorker and its thread (domain-thread-main.ts). */
export type ToDomainThread =
  | { readonly id: number; readonly task: 'microstructure'; readonly image: GreyImage; readonly options: AnalyseOptions }
  | {
    readonly id: number; readonly task: 'density'; readonly image: GreyImage; readonly request: DensityRequest;
    readonly backbone: BackboneSource;
    /** Intra-op threads of the thread's session: as many as the runtime's own (small images: 256² 261 → 218 ms). */
    readonly threads: number;
  };
export type FromDomainThread =
  | { readonly id: number; readonly ok: true; readonly result: MicrostructureAnalysis | DensityFeatures }
  | { readonly id: number; readonly ok: false; readonly error: ThreadError };
export interface ThreadError {
  readonly name: string;
  readonly message: string;
  /** An MmdoError's code, status and details, so the failed report names the same code as in process. */
  readonly code?: string;
  readonly status?: number;
  readonly details?: Record<string, unknown>;
}

const THREAD_ENTRY = new URL('./domain-thread.mjs', import.meta.url);

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

export interface DomainWorkerOptions {
  /** The runtime's backbone: with it the thread also pools the density's views, on its own session of the same model. */
  readonly backbone?: BackboneSource;
  /**
   * Larger images' density stays in the caller's thread (default DEFAULT_OVERLAP_MAX_PIXELS): their stages run one at
   * a time, so nothing would overlap, and the thread would hold a copy of the image.
   */
  readonly densityMaxPixels?: number;
  /** The thread's entry module (tests). */
  readonly entry?: URL;
}

/**
 * One thread per local runtime that runs the stages' heavy domain work (the microstructure analysis and, given the
 * backbone, the density's views) while the runtime's own thread goes on with normalise, embed and the patch search,
 * so the two overlap on two cores. The stages call it through PipelineDeps.offload; the cloud leaves that out and
 * runs the same functions in process.
 *
 * Rasters go by structured clone (a SharedArrayBuffer-backed image is shared, not copied); the phase overlay comes
 * back transferred. Started on first use (or `warm`), it holds the process open only while work is in flight. A
 * thread that dies fails the work in flight with an error (the stage fails, the inspection ends in a failed
 * report) and the next call starts a new one.
 */
export class DomainWorker implements DomainOffload {
  private thread: Thread | undefined;
  private readonly pending = new Map<number, Pending>();
  private next = 1;
  private closed = false;

  private readonly entry: URL;
  readonly density?: DomainOffload['density'];

  constructor(options: DomainWorkerOptions = {}) {
    this.entry = options.entry ?? THREAD_ENTRY;
    const { backbone, densityMaxPixels = DEFAULT_OVERLAP_MAX_PIXELS } = options;
    const threads = intraOpThreads(); // the creating runtime's share of the cores (pipeline-pool.ts)
    if (backbone) {
      this.density = (image, request, backboneSha256, inProcess) => {
        if (backboneSha256 !== backbone.sha256 || image.width * image.height > densityMaxPixels) return inProcess();
        return this.post<DensityFeatures>((id) => ({ id, task: 'density', image: shareable(image), request, backbone, threads }));
      };
    }
  }

  /** Starts the thread now (it loads its modules while the caller decodes), if it is not running. */
  warm(): void {
    if (!this.closed) this.started();
  }

  microstructure(image: GreyImage, options: AnalyseOptions): Promise<MicrostructureAnalysis> {
    return this.post<MicrostructureAnalysis>((id) => ({ id, task: 'microstructure', image: shareable(image), options }));
  }

  private post<T>(message: (id: number) => ToDomainThread): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the domain thread is closed'));
    const thread = this.started();
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      thread.ref();
      try {
        thread.postMessage(message(id));
      } catch (error) {
        this.settle(id);
        reject(error as Error);
      }
    });
  }

  /** Stops the thread; work in flight fails. */
  async close(): Promise<void> {
    this.closed = true;
    const thread = this.thread;
    this.thread = undefined;
    this.failAll(new Error('the domain thread was closed during the work'));
    if (thread) {
      thread.removeAllListeners();
      await thread.terminate();
    }
  }

  /** Work in flight (tests). */
  get inFlight(): number {
    return this.pending.size;
  }

  private started(): Thread {
    if (this.thread) return this.thread;
    const thread = new Thread(this.entry, { stdout: false, stderr: false });
    thread.unref();
    thread.on('message', (message: FromDomainThread) => {
      const pending = this.settle(message.id);
      if (!pending) return;
      if (message.ok) pending.resolve(message.result);
      else pending.reject(errorFrom(message.error));
    });
    const lost = (error: Error) => {
      if (this.thread !== thread) return;
      this.thread = undefined;
      thread.removeAllListeners();
      thread.on('error', () => undefined);
      this.failAll(error);
    };
    thread.on('error', (error) => lost(new Error(`the domain thread failed: ${error.message}`)));
    thread.on('exit', (code) => lost(new Error(`the domain thread exited with code ${code} during the work`)));
    this.thread = thread;
    return thread;
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.thread?.unref();
    return pending;
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }
}

/** The image as a plain object (its data is cloned, or shared when it lives in a SharedArrayBuffer). */
function shareable(image: GreyImage): GreyImage {
  return { width: image.width, height: image.height, data: image.data };
}

/** The thread's error as thrown in process: an MmdoError keeps its code, status and details. */
function errorFrom(e: ThreadError): Error {
  if (e.code !== undefined) {
    const error = new MmdoError(e.code, e.message, e.status, e.details ?? {});
    if (e.name !== error.name) Object.defineProperty(error, 'name', { value: e.name, configurable: true, writable: true });
    return error;
  }
  return Object.assign(new Error(e.message), { name: e.name });
}

/** An error as the thread posts it. */
export function threadError(error: unknown): ThreadError {
  if (error instanceof MmdoError) return { name: error.name, message: error.message, code: error.code, status: error.status, details: JSON.parse(JSON.stringify(error.details ?? {})) as Record<string, unknown> };
  const e = error as { name?: unknown; message?: unknown };
  return { name: typeof e?.name === 'string' ? e.name : 'Error', message: typeof e?.message === 'string' ? e.message : String(error) };
}

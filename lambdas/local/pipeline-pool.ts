import { availableParallelism } from 'node:os';
import { Worker as Thread } from 'node:worker_threads';
import sharp from 'sharp';
import type { InspectionService, InspectRequest, ProgressListener } from '../application/contracts.js';
import { ReportSchema, type Report } from '../domain/report/report.js';
import type { IngestLimits } from '../ports/image-codec.js';

/** What a pipeline thread builds its own local runtime from (the same settings as the service's). */
export interface PipelineThreadConfig {
  readonly home: string;
  /** MMDO_BACKBONE as the service resolved it ('builtin' for the built-in filter bank). */
  readonly backbone: string;
  readonly env: Readonly<Record<string, string>>;
  readonly limits: IngestLimits;
  /**
   * ONNX Runtime intra-op threads of the thread's sessions (set by the pool: the cores shared among its threads, so
   * two threads each running the backbone do not queue four ORT threads on two cores); absent: the cores.
   */
  readonly ortThreads?: number;
  /**
   * Whether the thread's runtime runs the microstructure analysis on a domain thread of its own (set by the pool:
   * only while the pool has fewer threads than cores; with a thread per core every core already runs an inspection,
   * and the hand-over costs CPU that a saturated machine does not have). Absent: yes.
   */
  readonly domainThread?: boolean;
}

export interface PipelinePoolOptions extends PipelineThreadConfig {
  /** Threads (default: the machine's cores, at least 1). Each runs one inspection at a time. */
  readonly size?: number;
  /**
   * Pixels of the images inspected at once, all threads together (default: limits.maxPixels): a second large image
   * waits for the first rather than doubling the peak memory. One image always runs, whatever its size.
   */
  readonly maxInflightPixels?: number;
}

/** Messages between the pool and its threads. */
export type ToThread = { readonly type: 'inspect'; readonly task: number; readonly request: InspectRequest };
export type FromThread =
  | { readonly type: 'ready' }
  | { readonly type: 'failed-to-start'; readonly message: string }
  | { readonly type: 'progress'; readonly task: number; readonly stage: string; readonly fraction: number; readonly detail?: string }
  | { readonly type: 'done'; readonly task: number; readonly report: unknown }
  | { readonly type: 'error'; readonly task: number; readonly name: string; readonly message: string };

interface Task {
  readonly id: number;
  readonly request: InspectRequest;
  /** Pixels from the header (0 when it cannot be read: the thread will fail it quickly). */
  pixels: Promise<number>;
  pixelCount?: number;
  readonly progress: ProgressListener;
  resolve(report: Report): void;
  reject(error: Error): void;
}

interface Slot {
  thread: Thread;
  task: (Task & { pixelCount: number }) | undefined;
  ready: Promise<void>;
  isReady: boolean;
}

const THREAD_ENTRY = new URL('./pipeline-thread.mjs', import.meta.url);

/**
 * The local pipeline run off the event loop: a small pool of worker threads, each with its own local runtime
 * (sharp codec, ONNX backbone, memory-bank index, report and artifact stores on the same MMDO_HOME), each running
 * whole inspections (decode, normalise, embed, scoring, microstructure, rendering, the report write). The service's
 * thread keeps only HTTP, the queue and the inbox, so /healthz and report reads answer while a 64 MP image is being
 * inspected. An InspectionService like LocalPipeline: the worker (worker.ts) cannot tell them apart.
 *
 * A thread that dies mid-inspection (a native crash, out of memory) fails that inspection with an error (the queue
 * retries it, then records a failed report) and is replaced.
 */
export class PipelinePool implements InspectionService {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private nextTask = 1;
  private closing = false;

  private constructor(
    private readonly config: PipelineThreadConfig,
    private readonly maxInflightPixels: number,
  ) {}

  static async start(options: PipelinePoolOptions): Promise<PipelinePool> {
    const { size, maxInflightPixels, ...rest } = options;
    const count = Math.max(1, size ?? availableParallelism());
    const config: PipelineThreadConfig = {
      ...rest,
      ortThreads: rest.ortThreads ?? ortThreadsPerPipelineThread(count),
      domainThread: rest.domainThread ?? count < availableParallelism(),
    };
    const pool = new PipelinePool(config, maxInflightPixels ?? config.limits.maxPixels);
    for (let i = 0; i < count; i++) pool.slots.push(pool.spawn());
    try {
      await Promise.all(pool.slots.map((s) => s.ready));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Inspections running now and waiting for a thread. */
  get load(): { readonly running: number; readonly waiting: number } {
    return { running: this.slots.filter((s) => s.task).length, waiting: this.waiting.length };
  }

  inspect(request: InspectRequest, progress: ProgressListener = () => {}): Promise<Report> {
    if (this.closing) return Promise.reject(new Error('the pipeline pool is closed'));
    return new Promise<Report>((resolve, reject) => {
      const task: Task = { id: this.nextTask++, request, progress, resolve, reject, pixels: pixelsOf(request.bytes) };
      this.waiting.push(task);
      void task.pixels.then((n) => {
        task.pixelCount = n;
        this.dispatch();
      });
    });
  }

  /** Stops every thread; inspections still running fail with an error (the queue puts them back). */
  async close(): Promise<void> {
    this.closing = true;
    for (const task of this.waiting.splice(0)) task.reject(new Error('the pipeline pool closed before the inspection started'));
    await Promise.all(this.slots.map(async (slot) => {
      slot.task?.reject(new Error('the pipeline pool closed during the inspection'));
      slot.task = undefined;
      await slot.thread.terminate();
    }));
  }

  private spawn(): Slot {
    const thread = new Thread(THREAD_ENTRY, { workerData: this.config, stdout: false, stderr: false });
    const slot: Slot = { thread, task: undefined, ready: Promise.resolve(), isReady: false };
    slot.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromThread) => {
        if (message.type === 'ready') {
          thread.off('message', onMessage);
          resolve();
        } else if (message.type === 'failed-to-start') {
          reject(new Error(`a pipeline thread could not start: ${message.message}`));
        }
      };
      thread.on('message', onMessage);
      thread.once('exit', (code) => reject(new Error(`a pipeline thread exited (code ${code}) before it was ready`)));
    });
    slot.ready.then(() => {
      slot.isReady = true;
      this.dispatch();
    }, () => undefined);
    thread.on('message', (message: FromThread) => this.receive(slot, message));
    thread.on('error', (error) => this.lost(slot, error));
    thread.on('exit', (code) => this.lost(slot, new Error(`the pipeline thread exited with code ${code}`)));
    return slot;
  }

  /** Starts waiting inspections, oldest first, while a thread is free and the pixel budget allows. */
  private dispatch(): void {
    for (;;) {
      const head = this.waiting[0];
      if (!head || head.pixelCount === undefined) return;
      const slot = this.slots.find((s) => s.isReady && !s.task);
      if (!slot) return;
      const running = this.slots.filter((s) => s.task);
      const inflight = running.reduce((n, s) => n + s.task!.pixelCount, 0);
      if (running.length > 0 && inflight + head.pixelCount > this.maxInflightPixels) return;
      this.waiting.shift();
      const task = head as Task & { pixelCount: number };
      slot.task = task;
      const { request } = task;
      // The bytes move to the thread without a copy when they own their whole buffer.
      const owned = request.bytes.byteOffset === 0 && request.bytes.byteLength === request.bytes.buffer.byteLength && request.bytes.buffer instanceof ArrayBuffer;
      const bytes = owned ? request.bytes : request.bytes.slice();
      const message: ToThread = { type: 'inspect', task: task.id, request: { ...request, bytes } };
      slot.thread.postMessage(message, [bytes.buffer as ArrayBuffer]);
    }
  }

  private receive(slot: Slot, message: FromThread): void {
    const task = slot.task;
    if (!task || !('task' in message) || message.task !== task.id) return;
    switch (message.type) {
      case 'progress':
        try {
          task.progress(message.stage, message.fraction, message.detail);
        } catch {
          // a listener's problem is not the inspection's
        }
        return;
      case 'done':
        slot.task = undefined;
        try {
          task.resolve(ReportSchema.parse(message.report));
        } catch (error) {
          task.reject(error as Error);
        }
        break;
      case 'error':
        slot.task = undefined;
        task.reject(Object.assign(new Error(message.message), { name: message.name }));
        break;
    }
    this.dispatch();
  }

  /** A thread died: its inspection fails (the queue retries it) and a new thread takes its place. */
  private lost(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    const task = slot.task;
    slot.task = undefined;
    this.slots.splice(index, 1);
    slot.thread.removeAllListeners();
    slot.thread.on('error', () => undefined);
    task?.reject(new Error(`the pipeline thread running this inspection died: ${error.message}`));
    if (this.closing) return;
    const replacement = this.spawn();
    this.slots.push(replacement);
  }
}

/** Width × height from the header (libvips reads only the header, off this thread); 0 when unreadable. */
async function pixelsOf(bytes: Uint8Array): Promise<number> {
  try {
    const meta = await sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { limitInputPixels: false }).metadata();
    return (meta.width ?? 0) * (meta.height ?? 0);
  } catch {
    return 0;
  }
}

/** The settings a pipeline thread needs to build the runtime the service runs on (same home, backbone, limits). */
export function pipelineThreadConfig(
  runtime: { readonly config: { readonly home: string; readonly backbone?: string | undefined } },
  limits: IngestLimits,
  env: NodeJS.ProcessEnv = process.env,
): PipelineThreadConfig {
  const passed = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('MMDO_') && typeof e[1] === 'string'));
  return { home: runtime.config.home, backbone: runtime.config.backbone ?? 'builtin', env: { ...passed, MMDO_HOME: runtime.config.home }, limits };
}

/**
 * ONNX Runtime intra-op threads for each of `poolSize` pipeline threads: the cores shared out (at least 1). With
 * as many inspections in flight as threads, every core is busy anyway; more ORT threads per session only make the
 * sessions wait for each other's threads (4 uploads in flight on 2 cores: README, Benchmarks).
 */
export function ortThreadsPerPipelineThread(poolSize: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, poolSize)));
}

/** Threads (= inspections at once) by default: the cores, at most 4 (each holds an ONNX session and its buffers). */
export function defaultPipelineThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

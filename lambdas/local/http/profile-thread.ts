import { Worker as Thread } from 'node:worker_threads';
import type { EnrollmentService, EnrollRequest, EnrollResult, ProgressListener } from '../../application/contracts.js';
import type { ApplyFeedbackRequest, ApplyFeedbackResult } from '../../application/feedback/index.js';
import type { FeedbackApplier } from '../../application/profile-jobs.js';
import { MmdoError } from '../../domain/errors.js';
import type { IngestLimits } from '../../ports/image-codec.js';

/** What the thread builds its local runtime from (the service's home, backbone and limits). */
export interface ProfileThreadConfig {
  readonly home: string;
  readonly backbone: string;
  readonly env: Readonly<Record<string, string>>;
  readonly limits: IngestLimits;
}

export type ToProfileThread =
  | { readonly type: 'enrol'; readonly task: number; readonly request: EnrollRequest }
  | { readonly type: 'apply'; readonly task: number; readonly tenant: string; readonly request: ApplyFeedbackRequest };
export type FromProfileThread =
  | { readonly type: 'ready' }
  | { readonly type: 'failed-to-start'; readonly message: string }
  | { readonly type: 'progress'; readonly task: number; readonly stage: string; readonly fraction: number; readonly detail?: string }
  | { readonly type: 'done'; readonly task: number; readonly result: unknown }
  | { readonly type: 'error'; readonly task: number; readonly name: string; readonly message: string; readonly code?: string; readonly status?: number; readonly details?: Record<string, unknown> };

interface Task {
  readonly id: number;
  readonly progress: ProgressListener;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const THREAD_ENTRY = new URL('./profile-thread-entry.mjs', import.meta.url);

/**
 * Enrolment and feedback application off the service's event loop: one worker thread with its own local runtime
 * (started on first use, kept), running one job at a time (the service's runner sends one at a time). Decoding,
 * feature extraction, the coreset and the calibration scoring all happen there, so the HTTP API stays responsive
 * through an enrolment of hundreds of images. Errors keep their MmdoError code; a thread that dies fails its job and
 * is started again for the next.
 */
export class ProfileWorkThread implements EnrollmentService, FeedbackApplier {
  private thread: Thread | undefined;
  private ready: Promise<Thread> | undefined;
  private task: Task | undefined;
  private nextTask = 1;
  private closed = false;

  constructor(private readonly config: ProfileThreadConfig) {}

  enroll(request: EnrollRequest, progress: ProgressListener = () => {}): Promise<EnrollResult> {
    return this.run((task) => ({ type: 'enrol', task, request }), progress) as Promise<EnrollResult>;
  }

  apply(tenant: string, request: ApplyFeedbackRequest, progress: ProgressListener = () => {}): Promise<ApplyFeedbackResult> {
    return this.run((task) => ({ type: 'apply', task, tenant, request }), progress) as Promise<ApplyFeedbackResult>;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.task?.reject(new MmdoError('service_stopped', 'the service stopped during this job', 503));
    this.task = undefined;
    const thread = this.thread;
    this.thread = undefined;
    this.ready = undefined;
    await thread?.terminate();
  }

  private async run(message: (task: number) => ToProfileThread, progress: ProgressListener): Promise<unknown> {
    if (this.closed) throw new MmdoError('service_stopped', 'the service is stopping', 503);
    if (this.task) throw new Error('the profile thread runs one job at a time');
    const thread = await this.start();
    return new Promise((resolve, reject) => {
      const id = this.nextTask++;
      this.task = { id, progress, resolve, reject };
      let payload = message(id);
      const transfer: ArrayBuffer[] = [];
      if (payload.type === 'enrol') {
        // Enrolment images move to the thread without a copy when they own their whole buffer (else they are copied).
        const images = payload.request.images.map((image) => {
          const b = image.bytes;
          const owned = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer && !transfer.includes(b.buffer);
          const bytes = owned ? b : b.slice();
          transfer.push(bytes.buffer as ArrayBuffer);
          return { ...image, bytes };
        });
        payload = { ...payload, request: { ...payload.request, images } };
      }
      thread.postMessage(payload, transfer);
    });
  }

  private start(): Promise<Thread> {
    this.ready ??= new Promise<Thread>((resolve, reject) => {
      const thread = new Thread(THREAD_ENTRY, { workerData: this.config, stdout: false, stderr: false });
      this.thread = thread;
      const onMessage = (message: FromProfileThread) => {
        if (message.type === 'ready') resolve(thread);
        else if (message.type === 'failed-to-start') reject(new Error(`the profile thread could not start: ${message.message}`));
        else this.receive(message);
      };
      thread.on('message', onMessage);
      thread.on('error', (error) => this.lost(thread, error));
      thread.on('exit', (code) => {
        reject(new Error(`the profile thread exited (code ${code}) before it was ready`));
        this.lost(thread, new Error(`the profile thread exited with code ${code}`));
      });
    });
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  private receive(message: FromProfileThread): void {
    const task = this.task;
    if (!task || !('task' in message) || message.task !== task.id) return;
    if (message.type === 'progress') {
      try {
        task.progress(message.stage, message.fraction, message.detail);
      } catch {
        // a listener's problem is not the job's
      }
      return;
    }
    this.task = undefined;
    if (message.type === 'done') task.resolve(message.result);
    else if (message.type === 'error') {
      task.reject(message.code !== undefined ? new MmdoError(message.code, message.message, message.status ?? 500, message.details ?? {}) : Object.assign(new Error(message.message), { name: message.name }));
    }
  }

  private lost(thread: Thread, error: Error): void {
    if (thread !== this.thread) return;
    this.thread = undefined;
    this.ready = undefined;
    thread.removeAllListeners();
    thread.on('error', () => undefined);
    const task = this.task;
    this.task = undefined;
    task?.reject(new MmdoError('profile_thread_died', `the thread running this job died: ${error.message}`, 500));
  }
}

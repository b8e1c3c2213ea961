import type { Report } from '../domain/report/report.js';
import type { LocalServiceDeps } from './deps.js';
import type { ClaimedJob, SqliteJobQueue } from './job-queue.js';
import { failedReport, InspectionJobSchema, type InspectionJob } from './jobs.js';
import type { Log } from './log.js';
import type { UploadStore } from './uploads.js';

export interface WorkerOptions {
  readonly concurrency: number;
  /** How long a claim holds a job; progress renews it. A crashed worker's job is taken again after this. */
  readonly leaseMs: number;
  /** Runs allowed per job; a job whose runs keep crashing ends as a failed report with the last reason. */
  readonly maxAttempts: number;
  /** Wait before retrying a job whose run threw. */
  readonly retryDelayMs: number;
  /** Idle re-check interval (also picks up expired leases). */
  readonly pollMs: number;
  /**
   * Runs inside the transaction that records a job's end, on the queue's connection (e.g. the webhook outbox in the
   * queue's file), so a crash can never record the end without its announcement, or the reverse.
   */
  readonly announce?: (report: Report) => void;
}

const LOG_STAGES_AFTER_MS = 2000;

/** Called once a job has ended (completed or failed, with its report), e.g. to move an inbox file. */
export type SettledHook = (id: string, job: InspectionJob, report: Report) => Promise<void>;

/** Claims queued inspections and runs them through the InspectionService, recording the stage for GET. */
export class Worker {
  private stopping = false;
  private loops: Promise<void>[] = [];
  private wakers: (() => void)[] = [];
  /** Jobs being run now; at shutdown, those that do not finish in time are released for the next start. */
  private readonly inFlight = new Map<string, { abandoned: boolean }>();

  constructor(
    private readonly queue: SqliteJobQueue<InspectionJob>,
    private readonly uploads: UploadStore,
    private readonly deps: LocalServiceDeps,
    private readonly options: WorkerOptions,
    private readonly log: Log,
    private readonly onSettled: SettledHook,
  ) {}

  start(): void {
    const recovered = this.queue.recovered;
    if (recovered.length > 0) {
      this.log(`requeued ${recovered.length} job(s) a stopped service left running: ${recovered.slice(0, 5).join(', ')}${recovered.length > 5 ? ', ...' : ''}`);
    }
    for (let i = 0; i < this.options.concurrency; i++) this.loops.push(this.loop());
  }

  /** Something was enqueued: stop idling. */
  wake(): void {
    for (const wake of this.wakers.splice(0)) wake();
  }

  get busy(): number {
    return this.inFlight.size;
  }

  /** Stops claiming; lets running jobs finish for up to `graceMs`, then releases them to the queue. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wake();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
    const outcome = await Promise.race([Promise.all(this.loops).then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      for (const [id, state] of this.inFlight) {
        state.abandoned = true;
        this.queue.release(id, null, 0, false);
        this.log(`job ${id}: released unfinished at shutdown; it runs again at the next start`);
      }
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let job: ClaimedJob<InspectionJob> | undefined;
      try {
        job = this.queue.claimSync(this.options.leaseMs);
      } catch (error) {
        this.log(`queue claim failed (retrying): ${(error as Error).message}`);
      }
      if (!job) {
        await this.idle();
        continue;
      }
      await this.run(job).catch((error: unknown) => this.log(`job ${job.id}: could not record its outcome: ${(error as Error).message}`));
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.pollMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakers.push(done);
    });
  }

  private async run(claimed: ClaimedJob<InspectionJob>): Promise<void> {
    const { id, attempts, dedupeKey: key } = claimed;
    const parsed = InspectionJobSchema.safeParse(claimed.payload);
    if (!parsed.success) {
      this.queue.finish(id, 'failed', `the queued job is unreadable: ${parsed.error.message}`);
      this.log(`job ${id}: failed, its queue record is unreadable`);
      return;
    }
    const job = parsed.data;
    const state = { abandoned: false };
    this.inFlight.set(id, state);
    try {
      if (attempts > this.options.maxAttempts) {
        const last = this.queue.get(id)?.reason ?? 'the worker stopped while running it';
        await this.settle(id, key, job, failedReport(id, job, {
          code: 'attempts_exhausted',
          message: `Gave up after ${attempts - 1} attempts; last: ${last}`,
          stage: 'queue',
        }), true);
        return;
      }
      const content = await this.uploads.get(key);
      if (!content) {
        await this.settle(id, key, job, failedReport(id, job, { code: 'upload_missing', message: 'The stored upload is missing.', stage: 'queue' }), true);
        return;
      }
      this.log(`job ${id}: ${job.name} → profile '${job.profile}' (attempt ${attempts})`);
      const started = Date.now();
      const report = await this.deps.inspections.inspect(
        {
          tenant: job.tenant,
          name: job.name,
          bytes: content,
          profile: job.profile,
          reportId: id,
          ...(job.profileVersion !== undefined ? { profileVersion: job.profileVersion } : {}),
          ...(job.pixelSizeUm !== undefined ? { pixelSizeUm: job.pixelSizeUm } : {}),
          ...(job.metadata !== undefined ? { metadata: job.metadata } : {}),
        },
        this.progressListener(id, state),
      );
      if (state.abandoned) return;
      const seconds = ((Date.now() - started) / 1000).toFixed(2);
      this.log(
        report.status === 'completed'
          ? `job ${id}: completed in ${seconds} s, verdict ${report.scores?.verdict ?? '-'}, score ${report.scores?.score.toFixed(3) ?? '-'}, ${report.regions.length} region(s)`
          : `job ${id}: failed in ${seconds} s: ${report.failure?.code}: ${report.failure?.message}`,
      );
      await this.settle(id, key, job, report, false);
    } catch (error) {
      if (state.abandoned) return;
      const reason = error instanceof Error ? error.message : String(error);
      if (attempts < this.options.maxAttempts) {
        this.queue.release(id, reason, this.options.retryDelayMs);
        this.log(`job ${id}: attempt ${attempts} threw (${reason}); retrying`);
      } else {
        this.log(`job ${id}: attempt ${attempts} of ${this.options.maxAttempts} threw (${reason}); giving up`);
        await this.settle(id, key, job, failedReport(id, job, { code: 'pipeline_error', message: reason, stage: 'pipeline' }), true);
      }
    } finally {
      this.inFlight.delete(id);
    }
  }

  /**
   * Records the end state (and, in the same transaction, its announcement); `store` when the report was made here
   * rather than stored by the pipeline.
   */
  private async settle(id: string, key: string, job: InspectionJob, report: Report, store: boolean): Promise<void> {
    if (store) await this.deps.reports.put(report);
    const reason = report.status === 'completed' ? null : `${report.failure?.code ?? 'failed'}: ${report.failure?.message ?? 'no reason given'}`;
    const announce = this.options.announce;
    this.queue.finish(id, report.status === 'completed' ? 'completed' : 'failed', reason, announce ? () => announce(report) : undefined);
    // The outcome is recorded; clean-up problems are logged, never turned into a retry of a finished job.
    try {
      await this.uploads.delete(key);
      await this.onSettled(id, job, report);
    } catch (error) {
      this.log(`job ${id}: finished, but clean-up failed: ${(error as Error).message}`);
    }
  }

  /**
   * Stage changes are written at once, fractions within a stage at most every 250 ms. Stage changes are logged
   * only once a job has run for LOG_STAGES_AFTER_MS, so long work shows progress and short jobs stay one line.
   */
  private progressListener(id: string, state: { abandoned: boolean }) {
    const started = Date.now();
    let lastStage = '';
    let lastWrite = 0;
    return (stage: string, fraction: number, detail?: string): void => {
      if (state.abandoned) return;
      const now = Date.now();
      if (stage === lastStage && now - lastWrite < 250) return;
      if (stage !== lastStage && now - started >= LOG_STAGES_AFTER_MS) {
        this.log(`job ${id}: ${stage} ${Math.round(fraction * 100)}%${detail ? ` (${detail})` : ''}`);
      }
      lastStage = stage;
      lastWrite = now;
      this.queue.progress(id, stage, fraction, this.options.leaseMs);
    };
  }
}

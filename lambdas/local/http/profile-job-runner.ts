import type { SqliteProfileJobStore } from '../../adapters/local/store/profile-job-store.js';
import { runProfileJob, type ProfileJobDeps } from '../../application/profile-jobs.js';
import type { Log } from '../log.js';

/**
 * The local service's runner of profile jobs (enrolments, recalibrations): takes queued jobs one at a time, oldest
 * first, and runs each to its end (runProfileJob: a new version or a recorded failure). The heavy work goes to the
 * profile thread (profile-thread.ts) when the service has one, so the event loop only waits for it. At start, a
 * job a stopped service left running is recorded failed with the reason (it is not run again blindly).
 */
export class ProfileJobRunner {
  private stopping = false;
  private loopDone: Promise<void> | undefined;
  private waker: (() => void) | undefined;

  constructor(
    private readonly store: SqliteProfileJobStore,
    private readonly deps: Omit<ProfileJobDeps, 'jobs'>,
    private readonly log: Log,
    private readonly pollMs = 2000,
  ) {}

  start(): void {
    const failed = this.store.failAbandoned(new Date().toISOString(), {
      code: 'service_stopped',
      message: 'The service stopped while this job ran, so it did not finish; create a new one.',
    });
    if (failed.length > 0) this.log(`recorded ${failed.length} profile job(s) a stopped service left running as failed: ${failed.slice(0, 5).join(', ')}`);
    this.stopping = false;
    this.loopDone ??= this.loop();
  }

  wake(): void {
    this.waker?.();
  }

  /** Stops taking jobs; waits up to `graceMs` for the running one (after that it is left: the next start records it failed). */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wake();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loopDone, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const next = this.store.nextQueued();
      if (!next) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.pollMs);
          this.waker = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.waker = undefined;
        continue;
      }
      try {
        await runProfileJob({ ...this.deps, jobs: this.store }, next.tenant, next.id);
      } catch (error) {
        // The job's own errors end it failed; this is the store failing: log and go on after a pause.
        this.log(`profile job ${next.id}: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      }
    }
  }
}

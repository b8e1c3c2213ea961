import type Database from 'better-sqlite3';
import type { Report } from '../../../domain/report/report.js';
import { profileWebhookPayload, webhookPayloadFromReport, type ProfileEvent } from '../../../domain/webhooks/payload.js';
import { classifyResponse, DEFAULT_RETRY_POLICY, nextRetryDelayMs, type RetryPolicy } from '../../../domain/webhooks/retry.js';
import { sendWebhook } from '../../webhooks/http-sender.js';
import type { Resolver, TargetPolicy } from '../../webhooks/target-guard.js';
import { initWebhookTables, openWebhookDatabase } from './database.js';
import { SqliteWebhookOutbox, type AttemptResult, type DueDelivery } from './outbox.js';
import { SqliteWebhookSubscriptions } from './subscriptions.js';

export interface LocalWebhookOptions {
  /** The local service is development mode: loopback receivers are allowed, private networks are not. */
  readonly policy: TargetPolicy;
  readonly retry: RetryPolicy;
  /** Per attempt; a receiver should acknowledge fast and work later. */
  readonly timeoutMs: number;
  /** Deliveries sent at once. */
  readonly concurrency: number;
  /** A claimed delivery whose sender died is due again after this. */
  readonly leaseMs: number;
  /** Longest idle sleep (new deliveries wake the loop at once). */
  readonly pollMs: number;
  readonly resolve?: Resolver;
}

export const DEFAULT_LOCAL_WEBHOOK_OPTIONS: LocalWebhookOptions = {
  policy: { allowLoopback: true },
  retry: DEFAULT_RETRY_POLICY,
  timeoutMs: 10_000,
  concurrency: 4,
  leaseMs: 60_000,
  pollMs: 5_000,
};

type Log = (line: string) => void;

/** Finished deliveries stay listed (GET /v1/webhooks/{id}/deliveries) this long, then go at the next start. */
const HISTORY_MS = 30 * 86_400_000;

/**
 * Webhooks of the local service: the subscription store, the outbox and the loop that sends due deliveries.
 * `announce` is called when a report is stored; the loop signs and POSTs, retrying on the schedule.
 */
export class LocalWebhooks {
  readonly subscriptions: SqliteWebhookSubscriptions;
  readonly outbox: SqliteWebhookOutbox;
  private stopping = false;
  private loopDone: Promise<void> | undefined;
  private waker: (() => void) | undefined;

  private constructor(
    private readonly db: Database.Database,
    readonly options: LocalWebhookOptions,
    private readonly log: Log,
    /** False when the connection belongs to someone else (the job queue): close() leaves it open. */
    private readonly ownsDatabase = true,
  ) {
    this.subscriptions = new SqliteWebhookSubscriptions(db);
    this.outbox = new SqliteWebhookOutbox(db);
  }

  static open(file: string, options: LocalWebhookOptions, log: Log): LocalWebhooks {
    return new LocalWebhooks(openWebhookDatabase(file), options, log);
  }

  /**
   * Webhooks on a connection owned by someone else: the local service's job queue, so that a job's end and its
   * deliveries are one transaction (`announce` called inside the queue's `finish`). close() leaves the connection.
   */
  static attach(db: Database.Database, options: LocalWebhookOptions, log: Log): LocalWebhooks {
    return new LocalWebhooks(initWebhookTables(db), options, log, false);
  }

  /** Queues the report's event for every subscriber of its tenant and type; `apiBaseUrl` makes links absolute. */
  announce(report: Report, apiBaseUrl?: string): number {
    const added = this.outbox.enqueue(report.tenant, webhookPayloadFromReport(report, apiBaseUrl));
    // Inside a caller's transaction the rows are not committed yet: the loop's next claim (woken now or at its
    // poll) sees them once they are.
    if (added > 0) queueMicrotask(() => this.wake());
    return added;
  }

  /**
   * Queues a profile change (`profile.updated`) for every subscriber of its tenant to that type. Called inside the
   * transaction that records the change where there is one (a profile job's end), like `announce`.
   */
  announceProfile(event: ProfileEvent, apiBaseUrl?: string): number {
    const added = this.outbox.enqueue(event.tenant, profileWebhookPayload(event, apiBaseUrl));
    if (added > 0) queueMicrotask(() => this.wake());
    return added;
  }

  start(): void {
    this.outbox.prune(Date.now() - HISTORY_MS);
    this.stopping = false;
    this.loopDone ??= this.loop();
  }

  /** Stops claiming and waits for attempts in flight (each bounded by timeoutMs); unsent ones stay queued. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loopDone;
    this.loopDone = undefined;
  }

  close(): void {
    if (this.ownsDatabase && this.db.open) this.db.close();
  }

  wake(): void {
    this.waker?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let due: DueDelivery[] = [];
      try {
        due = this.outbox.claimDue(this.options.concurrency, this.options.leaseMs);
      } catch (error) {
        this.log(`webhooks: claim failed (retrying): ${(error as Error).message}`);
      }
      if (due.length === 0) {
        await this.idle();
        continue;
      }
      await Promise.all(due.map((delivery) => this.attempt(delivery)));
    }
  }

  private async attempt(delivery: DueDelivery): Promise<void> {
    const outcome = await sendWebhook(
      { url: delivery.url, secrets: delivery.secrets, messageId: delivery.messageId, body: delivery.body },
      { policy: this.options.policy, timeoutMs: this.options.timeoutMs, ...(this.options.resolve ? { resolve: this.options.resolve } : {}) },
    );
    const verdict = outcome.refused ? 'refused' : classifyResponse(outcome.status);
    let result: AttemptResult;
    if (verdict === 'delivered') result = { kind: 'delivered', status: outcome.status! };
    else if (verdict === 'refused') result = { kind: 'dead', error: outcome.error ?? 'target refused' };
    else if (verdict === 'gone') result = { kind: 'dead', status: 410, error: 'the receiver answered 410 Gone', disableSubscription: true };
    else {
      const delayMs = nextRetryDelayMs(this.options.retry, delivery.attempts);
      const error = outcome.error ?? `HTTP ${outcome.status}`;
      result = delayMs === undefined
        ? { kind: 'dead', error: `gave up after ${delivery.attempts} attempts; last: ${error}`, ...(outcome.status !== undefined ? { status: outcome.status } : {}) }
        : { kind: 'retry', delayMs, error, ...(outcome.status !== undefined ? { status: outcome.status } : {}) };
    }
    try {
      this.outbox.record(delivery.seq, result);
    } catch (error) {
      this.log(`webhooks: could not record ${delivery.messageId}: ${(error as Error).message}`);
      return;
    }
    if (result.kind === 'retry') this.log(`webhooks: ${delivery.messageId} to ${delivery.url} failed (${result.error}); attempt ${delivery.attempts + 1} in ${Math.round(result.delayMs / 1000)} s`);
    else if (result.kind === 'dead') this.log(`webhooks: ${delivery.messageId} to ${delivery.url} not delivered: ${result.error}`);
  }

  private idle(): Promise<void> {
    const next = this.outbox.nextDueAt();
    const wait = Math.max(0, Math.min(this.options.pollMs, next === undefined ? Infinity : next - Date.now()));
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waker = undefined;
        resolve();
      };
      const timer = setTimeout(done, wait);
      this.waker = done;
    });
  }
}

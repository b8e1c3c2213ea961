/**
 * When failed deliveries are tried again: the schedule Standard Webhooks senders use (after the first attempt:
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; about 28 h in all, so a receiver down for a day still gets the
 * event), each delay spread by ±`jitter` so a receiver coming back is not hit by every queued event at once.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

export interface RetryPolicy {
  /** Delay before attempt n+2 after attempt n+1 failed; its length is the number of retries. */
  readonly scheduleMs: readonly number[];
  /** 0..1: each delay is multiplied by a factor in [1 - jitter, 1 + jitter]. */
  readonly jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { scheduleMs: DEFAULT_RETRY_SCHEDULE_MS, jitter: 0.2 };

/**
 * The wait before the next attempt after `attemptsMade` attempts failed, or undefined when the schedule is used
 * up (the delivery is dead). `random` in [0, 1) is injectable for tests.
 */
export function nextRetryDelayMs(policy: RetryPolicy, attemptsMade: number, random: () => number = Math.random): number | undefined {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) throw new RangeError(`attemptsMade must be a positive integer, got ${attemptsMade}`);
  const base = policy.scheduleMs[attemptsMade - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (1 + policy.jitter * (2 * random() - 1)));
}

/** Total attempts a delivery gets: the first plus one per scheduled retry. */
export function maxAttempts(policy: RetryPolicy): number {
  return policy.scheduleMs.length + 1;
}

/**
 * What a receiver's answer means for the delivery. 2xx: delivered. 410 Gone: the receiver asks us to stop, so
 * the delivery ends without retries. Anything else (other statuses, redirects, which are never followed, network
 * errors and timeouts: `undefined`) is retried, since a misconfigured receiver (401 after a secret mix-up) is
 * usually fixed within the schedule.
 */
export function classifyResponse(status: number | undefined): 'delivered' | 'retry' | 'gone' {
  if (status !== undefined && status >= 200 && status < 300) return 'delivered';
  return status === 410 ? 'gone' : 'retry';
}

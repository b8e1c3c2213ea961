/** A durable work queue: a job survives restarts until it is completed or failed with a reason. */
export interface QueuedJob<T> {
  readonly id: string;
  readonly payload: T;
  readonly attempts: number;
}

export interface JobQueue<T> {
  /** Idempotent per `dedupeKey`: enqueuing the same key twice yields the same job. */
  enqueue(payload: T, dedupeKey: string): Promise<string>;
  /** Claims the next pending job (or one whose lease expired), or undefined when there is none. */
  claim(leaseMs: number): Promise<QueuedJob<T> | undefined>;
  complete(id: string): Promise<void>;
  fail(id: string, reason: string): Promise<void>;
}

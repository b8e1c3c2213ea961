import { join } from 'node:path';
import { importWebhookDatabase } from '../adapters/local/webhooks/database.js';
import { LocalWebhooks, type LocalWebhookOptions } from '../adapters/local/webhooks/dispatcher.js';
import { SqliteJobQueue } from './job-queue.js';
import type { Log } from './log.js';

export interface ServiceState<T> {
  /** The job queue; its owner holds the service lock until `close`. */
  readonly queue: SqliteJobQueue<T>;
  /** Subscriptions and the delivery outbox, in the queue's own file. */
  readonly webhooks: LocalWebhooks;
  close(): void;
}

/**
 * The local service's durable state in `<serviceDir>/queue.sqlite`: the job queue and the webhook outbox in one
 * SQLite file, so the transaction that records a job's end also writes its webhook deliveries (Worker option
 * `announce`), and a crash can never keep one without the other. Opening it takes the service lock (a second service
 * on the same MMDO_HOME is refused with `service_already_running`) and requeues the jobs a dead service left
 * running. A `webhooks.sqlite` left by an earlier version is imported once.
 */
export function openServiceState<T>(serviceDir: string, webhookOptions: LocalWebhookOptions, log: Log): ServiceState<T> {
  const queue = new SqliteJobQueue<T>(join(serviceDir, 'queue.sqlite'));
  try {
    const webhooks = LocalWebhooks.attach(queue.database, webhookOptions, log);
    const imported = importWebhookDatabase(queue.database, join(serviceDir, 'webhooks.sqlite'));
    if (imported > 0) log(`imported ${imported} webhook subscription(s) and delivery(ies) from webhooks.sqlite into queue.sqlite`);
    return {
      queue,
      webhooks,
      close() {
        webhooks.close();
        queue.close();
      },
    };
  } catch (error) {
    queue.close();
    throw error;
  }
}

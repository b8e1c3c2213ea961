import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LOCAL_WEBHOOK_OPTIONS, LocalWebhooks, type LocalWebhookOptions } from '../adapters/local/webhooks/dispatcher.js';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from '../ports/image-codec.js';
import { LOCAL_TENANT, type LocalServiceDeps } from './deps.js';
import { createApi } from './http/app.js';
import { Inbox } from './inbox.js';
import { Intake } from './intake.js';
import { SqliteJobQueue } from './job-queue.js';
import type { InspectionJob } from './jobs.js';
import type { Log } from './log.js';
import { UploadStore } from './uploads.js';
import { Worker, type WorkerOptions } from './worker.js';

export interface LocalServiceOptions {
  /** MMDO_HOME: the queue and pending uploads live in `<home>/service/`. */
  readonly home: string;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly defaultProfile: string;
  /** Folder an instrument drops files into, or null for no inbox. */
  readonly inbox: string | null;
  readonly inboxStabilityMs: number;
  readonly limits: IngestLimits;
  readonly worker: WorkerOptions;
  /** How long shutdown waits for a running job before releasing it to the queue. */
  readonly shutdownGraceMs: number;
  /** Signed result webhooks (subscriptions and outbox in `<home>/service/webhooks.sqlite`); defaults when omitted. */
  readonly webhooks?: Partial<LocalWebhookOptions>;
}

export const DEFAULT_PORT = 7433;

export function defaultServiceOptions(home: string): LocalServiceOptions {
  return {
    home,
    host: '127.0.0.1',
    port: DEFAULT_PORT,
    defaultProfile: 'demo',
    inbox: join(home, 'inbox'),
    inboxStabilityMs: 1000,
    limits: DEFAULT_INGEST_LIMITS,
    worker: { concurrency: 1, leaseMs: 5 * 60_000, maxAttempts: 3, retryDelayMs: 2000, pollMs: 1000 },
    shutdownGraceMs: 10_000,
  };
}

export interface RunningService {
  readonly url: string;
  readonly queue: SqliteJobQueue<InspectionJob>;
  stop(): Promise<void>;
}

/** Starts the queue, worker, inbox watcher and HTTP API; `stop` undoes it in the safe order. */
export async function startLocalService(deps: LocalServiceDeps, options: LocalServiceOptions, log: Log): Promise<RunningService> {
  const serviceDir = join(options.home, 'service');
  await mkdir(serviceDir, { recursive: true });
  const queue = new SqliteJobQueue<InspectionJob>(join(serviceDir, 'queue.sqlite'));
  const uploads = new UploadStore(join(serviceDir, 'uploads'));
  await uploads.init();

  const webhooks = LocalWebhooks.open(join(serviceDir, 'webhooks.sqlite'), { ...DEFAULT_LOCAL_WEBHOOK_OPTIONS, ...options.webhooks }, log);
  let url = '';

  let inbox: Inbox | undefined;
  const worker = new Worker(queue, uploads, deps, options.worker, log, async (id, job, report) => {
    webhooks.announce(report, url);
    await inbox?.settle(id, job, report);
  });
  const intake = new Intake(queue, uploads, () => worker.wake());
  if (options.inbox) {
    inbox = new Inbox(
      { dir: options.inbox, tenant: LOCAL_TENANT, profile: options.defaultProfile, maxBytes: options.limits.maxBytes, stabilityMs: options.inboxStabilityMs },
      intake,
      deps.reports,
      log,
    );
  }

  const app = createApi(deps, queue, intake, {
    tenant: LOCAL_TENANT,
    defaultProfile: options.defaultProfile,
    limits: options.limits,
    health: () => ({ queue: queue.counts(), workerBusy: worker.busy, inbox: options.inbox }),
    webhooks,
  }, log);

  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () => resolve(s as Server)) as Server;
      s.once('error', reject);
    });
  } catch (error) {
    queue.close();
    webhooks.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${options.port} on ${options.host} is already in use: choose another with --port or MMDO_PORT`);
    }
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  url = `http://${options.host}:${port}`;

  worker.start();
  webhooks.start();
  await inbox?.start();

  let stopped: Promise<void> | undefined;
  return {
    url,
    queue,
    stop: () =>
      (stopped ??= (async () => {
        await inbox?.stop();
        // Requests in flight get a moment to finish; idle keep-alive connections close at once.
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => server.closeAllConnections(), 2000);
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
          server.closeIdleConnections();
        });
        await worker.stop(options.shutdownGraceMs);
        await webhooks.stop();
        queue.close();
        webhooks.close();
      })()),
  };
}

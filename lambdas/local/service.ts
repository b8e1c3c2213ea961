import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LOCAL_WEBHOOK_OPTIONS, type LocalWebhookOptions } from '../adapters/local/webhooks/dispatcher.js';
import { SqliteApiStore } from '../adapters/local/store/api-store.js';
import { SqliteProfileJobStore } from '../adapters/local/store/profile-job-store.js';
import { FeedbackService } from '../application/feedback/index.js';
import type { FeedbackApplier } from '../application/profile-jobs.js';
import type { EnrollmentService } from '../application/contracts.js';
import { MmdoError } from '../domain/errors.js';
import type { ProfileEventSink } from '../ports/profile-jobs.js';
import type { FeedbackApi } from '../api/backend.js';
import { createApiApp } from '../api/app.js';
import { hostAllowList, type BrowserPolicy } from '../api/security.js';
import { Hono } from 'hono';
import { inspectionUsage } from '../application/metering/usage.js';
import type { Report } from '../domain/report/report.js';
import { presentedKey, UnauthorizedError, verifyKey } from '../application/tenancy/api-keys.js';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from '../ports/image-codec.js';
import type { Principal } from '../ports/partner-api.js';
import { LOCAL_TENANT, type LocalServiceDeps } from './deps.js';
import { localBackend } from './http/backend.js';
import { ProfileJobRunner } from './http/profile-job-runner.js';
import { UPLOAD_RECEIVER_PATH, uploadReceiver } from './http/upload-receiver.js';
import { mountWebPage } from './http/web-page.js';
import { Inbox } from './inbox.js';
import { Intake } from './intake.js';
import type { SqliteJobQueue } from './job-queue.js';
import { openServiceState } from './service-state.js';
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
  /**
   * API keys (MMDO_API_KEYS=required): off by default, every request is tenant `local`; required, every request
   * but /healthz and /v1/openapi.json needs a key and acts as the key's tenant, as in the cloud.
   */
  readonly apiKeys: 'off' | 'required';
  /** Host names answered (DNS rebinding guard; MMDO_ALLOWED_HOSTS adds more) and CORS origins (MMDO_CORS_ORIGINS; none by default). */
  readonly browser: BrowserPolicy;
  /** Images up to this many pixels are answered synchronously by POST /v1/detect. */
  readonly detectMaxPixels: number;
}

export const DEFAULT_PORT = 7433;

/**
 * `work/` (staged enrolment uploads) is scratch: files older than this are removed, at start and then every
 * WORK_SWEEP_MS, as the cloud's artifact bucket expires `work/` after 7 days (lib/stateful-stack.ts).
 */
export const WORK_EXPIRY_MS = 7 * 24 * 3600 * 1000;
/** How long an idle keep-alive connection stays open (see where the server starts). */
const KEEP_ALIVE_MS = 30_000;
const WORK_SWEEP_MS = 6 * 3600 * 1000;

export const DEFAULT_DETECT_MAX_PIXELS = 4 * 1024 * 1024;

/** Enrolments through the local API: up to this many images per job, each within the image limit, 4 GiB in all. */
export const LOCAL_ENROLMENT_MAX_IMAGES = 500;
export const LOCAL_ENROLMENT_MAX_TOTAL_BYTES = 4 * 1024 ** 3;

const list = (value: string | undefined) => (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);

export function defaultServiceOptions(home: string, env: NodeJS.ProcessEnv = process.env): LocalServiceOptions {
  const apiKeys = env.MMDO_API_KEYS ?? 'off';
  if (apiKeys !== 'off' && apiKeys !== 'required') throw new Error(`MMDO_API_KEYS must be 'off' or 'required', not '${apiKeys}'`);
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
    apiKeys,
    browser: { allowedHosts: ['127.0.0.1', 'localhost', '[::1]', ...list(env.MMDO_ALLOWED_HOSTS).map((h) => h.toLowerCase())], corsOrigins: list(env.MMDO_CORS_ORIGINS) },
    detectMaxPixels: DEFAULT_DETECT_MAX_PIXELS,
  };
}

/** With keys off, every caller is the single local tenant with every scope. */
const LOCAL_PRINCIPAL: Principal = { tenant: LOCAL_TENANT, scopes: ['admin'] };

async function authenticateKey(store: SqliteApiStore, authorization: string | undefined, apiKey: string | undefined): Promise<Principal> {
  const key = presentedKey({ authorization, 'x-api-key': apiKey });
  const principal = key ? await verifyKey(store, key) : undefined;
  if (!principal) throw new UnauthorizedError();
  return principal;
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
  const uploads = new UploadStore(join(serviceDir, 'uploads'));
  await uploads.init();
  // Queue, webhook outbox and the API's tables (keys, idempotency, usage) share one file: a job's end, its webhook
  // deliveries and its usage record commit in one transaction.
  const state = openServiceState<InspectionJob>(serviceDir, { ...DEFAULT_LOCAL_WEBHOOK_OPTIONS, ...options.webhooks }, log);
  const { queue, webhooks } = state;
  const store = new SqliteApiStore(queue.database);
  const profileJobs = new SqliteProfileJobStore(queue.database);
  let url = '';

  let inbox: Inbox | undefined;
  const announce = (report: Report) => {
    webhooks.announce(report, url);
    const usage = inspectionUsage(report);
    if (usage) store.recordSync(usage);
  };
  const worker = new Worker(queue, uploads, deps, { ...options.worker, announce }, log, async (id, job, report) => {
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

  // Enrolments and feedback applications: queued in the service state, run one at a time off the event loop when
  // the service has a profile thread (mmdo serve), else in this process.
  const { feedbackApi, applier, enrollment } = profileWorkOf(deps);
  const profileEvents: ProfileEventSink = { publish: async (event) => void webhooks.announceProfile(event, url) };
  const profileRunner = new ProfileJobRunner(profileJobs, {
    artifacts: deps.artifacts, profiles: deps.profiles, enrollment, feedback: applier, controls: store, usage: store, events: profileEvents, log,
  }, log);

  const backend = localBackend(deps, queue, intake, {
    limits: {
      maxImageBytes: options.limits.maxBytes, maxUploadBytes: options.limits.maxBytes, maxPixels: options.limits.maxPixels, detectMaxPixels: options.detectMaxPixels,
      enrolment: { maxImages: LOCAL_ENROLMENT_MAX_IMAGES, maxImageBytes: options.limits.maxBytes, maxTotalBytes: LOCAL_ENROLMENT_MAX_TOTAL_BYTES },
    },
    baseUrl: () => url,
    health: () => ({ ...(options.apiKeys === 'off' ? { tenant: LOCAL_TENANT } : {}), queue: queue.counts(), workerBusy: worker.busy, inbox: options.inbox }),
    webhooks,
    store,
    profileJobs,
    wakeProfileJobs: () => profileRunner.wake(),
    feedback: feedbackApi,
    profileEvents,
  });
  const app = createApiApp({
    backend,
    authenticate: options.apiKeys === 'off' ? async () => LOCAL_PRINCIPAL : (c) => authenticateKey(store, c.req.header('authorization'), c.req.header('x-api-key')),
    browser: options.browser,
    defaultProfile: options.defaultProfile,
    log,
  });
  mountWebPage(app); // the web page at `/` (web/bundle), same origin as the API

  // The API, and beside it the stand-in for the upload bucket that presigned uploads and instruments post to.
  const receiver = new Hono();
  receiver.use('*', hostAllowList(options.browser));
  receiver.route(UPLOAD_RECEIVER_PATH, uploadReceiver({ store, intake, profileJobs, artifacts: deps.artifacts, maxBytes: options.limits.maxBytes, maxPixels: options.limits.maxPixels, log }));
  const fetch = (request: Request, env: unknown) => (new URL(request.url).pathname === UPLOAD_RECEIVER_PATH ? receiver.fetch(request, env) : app.fetch(request, env));

  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      // Bodies left unread (a refused upload) are drained by the app, bounded, instead of the adapter's 500 ms cut-off,
      // so a client still sending gets its 413 rather than a reset.
      const s = serve({ fetch, hostname: options.host, port: options.port, autoCleanupIncoming: false }, () => resolve(s as Server)) as Server;
      s.once('error', reject);
    });
  } catch (error) {
    state.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${options.port} on ${options.host} is already in use: choose another with --port or MMDO_PORT`);
    }
    throw error;
  }
  // Idle keep-alive connections stay open 30 s (Node's default is 5 s). A client pool reuses a connection until the
  // server's advertised timeout minus a margin; a client whose thread was busy for a few seconds would otherwise send
  // on a connection the server has just closed and get a reset ("other side closed") for a request that never arrived.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  const { port } = server.address() as AddressInfo;
  url = `http://${options.host}:${port}`;

  worker.start();
  webhooks.start();
  profileRunner.start();
  await inbox?.start();
  const sweepWork = async () => {
    const removed = await deps.artifacts.expire?.('work', new Date(Date.now() - WORK_EXPIRY_MS)).catch((error: unknown) => {
      log(`work files: sweep failed: ${error instanceof Error ? error.message : String(error)}`);
      return 0;
    });
    if (removed) log(`work files: removed ${removed} older than ${WORK_EXPIRY_MS / 86_400_000} days (staged enrolment uploads)`);
  };
  await sweepWork();
  const workSweeper = setInterval(() => void sweepWork(), WORK_SWEEP_MS).unref();

  let stopped: Promise<void> | undefined;
  return {
    url,
    queue,
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(workSweeper);
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
        await profileRunner.stop(options.shutdownGraceMs);
        await webhooks.stop();
        state.close();
      })()),
  };
}

/** A runtime part this service was started without: its routes answer 501 with the reason. */
function notConfigured(what: string): never {
  throw new MmdoError('not_configured', `this service was started without ${what}`, 501);
}

/**
 * The feedback routes' service and where profile jobs run: `deps.profileWork` (a thread) when given, else the
 * runtime's own enrolment and feedback service in this process.
 */
function profileWorkOf(deps: LocalServiceDeps): { feedbackApi: FeedbackApi; applier: FeedbackApplier; enrollment: EnrollmentService } {
  const enrollment: EnrollmentService = deps.profileWork ?? deps.enrollment ?? { enroll: async () => notConfigured('an enrolment service') };
  const { profiles, feedback } = deps;
  if (!feedback || !profiles.describe) {
    const missing = async () => notConfigured('a feedback store');
    return { feedbackApi: { record: missing, ofReport: missing, queue: missing, labelled: missing }, applier: deps.profileWork ?? { apply: missing }, enrollment };
  }
  const service = new FeedbackService({
    reports: deps.reports, feedback, profiles: profiles as typeof profiles & { describe: NonNullable<typeof profiles.describe> }, artifacts: deps.artifacts, enrollment,
    ...(deps.rescorer ? { rescorer: deps.rescorer } : {}),
  });
  return { feedbackApi: service, applier: deps.profileWork ?? service, enrollment };
}

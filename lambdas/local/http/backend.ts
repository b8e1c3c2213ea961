import type { LocalWebhooks } from '../../adapters/local/webhooks/dispatcher.js';
import { checkTargetAddresses, WebhookTargetError } from '../../adapters/webhooks/target-guard.js';
import type { SqliteApiStore } from '../../adapters/local/store/api-store.js';
import { enrolledThumbnailKey } from '../../application/enrolled-images.js';
import { meterReport } from '../../application/metering/usage.js';
import type { Report } from '../../domain/report/report.js';
import type { ApiBackend, ApiLimits, CheckedUpload, FeedbackApi, InspectionView, WebhookAdmin } from '../../api/backend.js';
import type { SqliteProfileJobStore } from '../../adapters/local/store/profile-job-store.js';
import type { ProfileEventSink } from '../../ports/profile-jobs.js';
import { selfLink } from '../../api/app.js';
import { newSigningSecret, signPolicy } from '../../application/tenancy/upload-policy.js';
import type { LocalServiceDeps } from '../deps.js';
import { ENROLMENT_UPLOAD_MS, INSTRUMENT_CREDENTIALS_MS, UPLOAD_POLICY_SECRET, UPLOAD_RECEIVER_PATH } from './upload-receiver.js';
import type { Intake } from '../intake.js';
import type { JobCounts, SqliteJobQueue } from '../job-queue.js';
import type { InspectionJob } from '../jobs.js';

export interface LocalBackendOptions {
  readonly limits: ApiLimits;
  /** The service's own URL (its upload receiver stands in for the bucket). */
  readonly baseUrl: () => string;
  readonly health: () => { tenant?: string; queue: JobCounts; workerBusy: number; inbox: string | null };
  readonly webhooks: LocalWebhooks;
  readonly store: SqliteApiStore;
  readonly profileJobs: SqliteProfileJobStore;
  /** Wakes the service's profile-job runner (it takes queued jobs one at a time). */
  readonly wakeProfileJobs: () => void;
  readonly feedback: FeedbackApi;
  readonly profileEvents: ProfileEventSink;
}

/**
 * The API's backend on one machine: uploads go through the durable SQLite queue (Intake), /v1/detect runs the
 * pipeline in this process, reports, profiles and images come from the local stores, webhooks from the outbox.
 */
export function localBackend(deps: LocalServiceDeps, queue: SqliteJobQueue<InspectionJob>, intake: Intake, options: LocalBackendOptions): ApiBackend {
  const secret = () => options.store.signingSecret(UPLOAD_POLICY_SECRET, newSigningSecret);
  return {
    runtime: 'local',
    limits: options.limits,
    health: async () => options.health(),
    listProfiles: (tenant) => deps.profiles.list(tenant),
    profileControls: options.store,
    async submit(tenant, upload) {
      const accepted = await intake.submit({ tenant, ...jobFields(upload), content: upload.content, source: { kind: 'http' } });
      return { id: accepted.id, status: accepted.status };
    },
    async detect(tenant, upload) {
      const report = await deps.inspections.inspect({ tenant, bytes: upload.content, ...jobFields(upload) });
      await meterReport(options.store, report);
      return report;
    },
    async get(tenant, id): Promise<InspectionView | undefined> {
      const slot = id.startsWith('upl_') ? await options.store.getSlot(tenant, id) : undefined;
      if (slot && !slot.jobId) {
        return { kind: 'pending', id, status: 'awaiting_upload', stage: null, progress: null, attempts: 0, name: slot.name, profile: slot.profile, submittedAt: slot.createdAt };
      }
      const jobId = slot?.jobId ?? id;
      const report = await deps.reports.get(tenant, jobId);
      if (report) return { kind: 'report', report };
      const job = queue.get(jobId);
      if (!job || job.payload.tenant !== tenant) return undefined;
      if (job.status !== 'queued' && job.status !== 'running') return undefined;
      return {
        kind: 'pending', id: job.id, status: job.status, stage: job.stage, progress: job.progress, attempts: job.attempts,
        name: job.payload.name, profile: job.payload.profile, submittedAt: job.payload.submittedAt,
      };
    },
    list: (tenant, query) => deps.reports.list(tenant, query),
    async artifact(report, kind) {
      const key = report.artifacts[kind];
      return key ? await deps.artifacts.get(key) : undefined;
    },
    artifactLinks: async (report: Report) => Object.fromEntries(Object.keys(report.artifacts).map((k) => [k, `${selfLink(report.id)}/${k}.png`])),
    describeVersion(tenant, profile, version) {
      // The manifest alone where the store can read it (no memory bank loaded).
      const { describe } = deps.profiles;
      return describe ? describe.call(deps.profiles, tenant, profile, version) : deps.profiles.load(tenant, profile, version);
    },
    enrolledThumbnail: (tenant, profile, sha256) => deps.artifacts.get(enrolledThumbnailKey(tenant, profile, sha256)),
    webhooks: webhookAdmin(options.webhooks),
    uploads: options.store,
    async presignSlot(slot) {
      const fields = signPolicy(secret(), {
        tenant: slot.tenant, slot: slot.id, key: slot.key, minBytes: slot.bytes, maxBytes: slot.bytes, contentType: slot.contentType, expiresAt: slot.expiresAt,
      });
      return { method: 'POST', url: `${options.baseUrl()}${UPLOAD_RECEIVER_PATH}`, fields: { key: slot.key, 'Content-Type': slot.contentType, ...fields }, expiresAt: slot.expiresAt, maxBytes: slot.bytes };
    },
    async presignInstrument(instrument) {
      const expiresAt = new Date(Date.now() + INSTRUMENT_CREDENTIALS_MS).toISOString();
      const maxBytes = options.limits.maxUploadBytes;
      const fields = signPolicy(secret(), { tenant: instrument.tenant, instrument: instrument.id, keyPrefix: instrument.keyPrefix, minBytes: 1, maxBytes, contentType: 'image/', expiresAt });
      return { method: 'POST', url: `${options.baseUrl()}${UPLOAD_RECEIVER_PATH}`, fields: { key: `${instrument.keyPrefix}\${filename}`, ...fields }, expiresAt, maxBytes, keyPrefix: instrument.keyPrefix };
    },
    credentials: options.store,
    idempotency: options.store,
    usage: options.store,
    profileJobs: options.profileJobs,
    async presignEnrolmentImage(job, image) {
      const expiresAt = new Date(Date.now() + ENROLMENT_UPLOAD_MS).toISOString();
      const fields = signPolicy(secret(), {
        tenant: job.tenant, enrolment: job.id, index: image.index, key: image.key, minBytes: image.bytes, maxBytes: image.bytes, contentType: image.contentType, expiresAt,
      });
      return { method: 'POST', url: `${options.baseUrl()}${UPLOAD_RECEIVER_PATH}`, fields: { key: image.key, 'Content-Type': image.contentType, ...fields }, expiresAt, maxBytes: image.bytes };
    },
    uploadedEnrolmentImages: async (job) => new Set(job.uploaded ?? []),
    async runProfileJob() {
      options.wakeProfileJobs();
    },
    feedback: options.feedback,
    profileEvents: options.profileEvents,
  };
}

function jobFields(upload: CheckedUpload) {
  return {
    name: upload.name,
    profile: upload.profile,
    ...(upload.profileVersion !== undefined ? { profileVersion: upload.profileVersion } : {}),
    ...(upload.pixelSizeUm !== undefined ? { pixelSizeUm: upload.pixelSizeUm } : {}),
    ...(upload.metadata !== undefined ? { metadata: upload.metadata } : {}),
  };
}

function webhookAdmin(webhooks: LocalWebhooks): WebhookAdmin {
  return {
    async checkTarget(url) {
      try {
        await checkTargetAddresses(url, webhooks.options.policy, webhooks.options.resolve);
      } catch (error) {
        if (error instanceof WebhookTargetError) throw error;
        throw new WebhookTargetError(`The URL's host cannot be resolved: ${(error as Error).message}`, url);
      }
    },
    create: async (tenant, input) => webhooks.subscriptions.create(tenant, input),
    list: async (tenant) => webhooks.subscriptions.list(tenant),
    get: async (tenant, id) => webhooks.subscriptions.get(tenant, id),
    delete: async (tenant, id) => webhooks.subscriptions.delete(tenant, id),
    rotate: async (tenant, id, overlapMs) => webhooks.subscriptions.rotate(tenant, id, overlapMs),
    deliveries: async (tenant, id) => (webhooks.subscriptions.get(tenant, id) ? webhooks.outbox.list(tenant, id) : undefined),
  };
}

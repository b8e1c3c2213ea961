import type { FeedbackService } from '../application/feedback/index.js';
import type { ProfileSummary } from '../domain/profile/profile.js';
import type { ProfileDescription } from '../ports/inspection.js';
import type { Report } from '../domain/report/report.js';
import type { WebhookEventType } from '../domain/webhooks/payload.js';
import type { CredentialStore, IdempotencyStore, Instrument, ProfileControls, UploadRegistry, UploadSlot, UsageLedger } from '../ports/partner-api.js';
import type { EnrolmentImage, ProfileEventSink, ProfileJob, ProfileJobStore } from '../ports/profile-jobs.js';
import type { ReportPage, ReportQuery } from '../ports/stores.js';

/**
 * What the one API application (./app.ts) needs from a runtime. The routes, their schemas, authentication,
 * scopes, idempotency, limits and errors are the app's; where data lives and how an inspection runs is the
 * backend's: the local service's (SQLite queue and stores, lambdas/local/http/backend.ts) or the cloud's (S3, the
 * Step Functions workflow, DynamoDB; lambdas/handlers/support/api-backend.ts). Every call names the tenant, which
 * the app takes from the caller's credential.
 */
export interface ApiBackend {
  readonly runtime: 'local' | 'cloud';
  readonly limits: ApiLimits;
  health(): Promise<Record<string, unknown>>;
  /** The tenant's enrolled profiles and versions as stored (the app applies the controls). */
  listProfiles(tenant: string): Promise<ProfileSummary[]>;
  /** Active versions and deletions, decided through the API. */
  readonly profileControls: ProfileControls;
  /** Queues an inspection of uploaded bytes (already checked: header, limits, metadata). */
  submit(tenant: string, upload: CheckedUpload): Promise<{ id: string; status: 'queued' | 'running' | 'completed' | 'failed' }>;
  /** Runs the whole pipeline in this process and returns the stored report (completed or failed). */
  detect(tenant: string, upload: CheckedUpload): Promise<Report>;
  get(tenant: string, id: string): Promise<InspectionView | undefined>;
  list(tenant: string, query: ReportQuery): Promise<ReportPage>;
  /** An artifact of a stored report: its bytes (local) or a short-lived URL to fetch it from (cloud). */
  artifact(report: Report, kind: ArtifactKind): Promise<{ bytes: Uint8Array; contentType: string } | { url: string } | undefined>;
  /** Where a report's images can be fetched: API paths locally, presigned object URLs in the cloud. */
  artifactLinks(report: Report): Promise<Record<string, string>>;
  /** A profile version's record without its float arrays (its images, calibration, settings); NotFoundError without the version. */
  describeVersion(tenant: string, profile: string, version: number): Promise<ProfileDescription>;
  /** An enrolled image's thumbnail (application/enrolled-images.ts): bytes (local) or a short-lived URL (cloud); undefined when none is stored. */
  enrolledThumbnail(tenant: string, profile: string, sha256: string): Promise<{ bytes: Uint8Array; contentType: string } | { url: string } | undefined>;
  readonly webhooks: WebhookAdmin;
  /** Upload slots and instruments (stored by the app, presigned by the backend). */
  readonly uploads: UploadRegistry;
  /** Where and how to upload the slot's one object: a presigned S3 POST (cloud) or the local service's stand-in. */
  presignSlot(slot: UploadSlot): Promise<PresignedUpload>;
  /** Credentials that can only create objects under the instrument's key prefix, until they expire. */
  presignInstrument(instrument: Instrument): Promise<PresignedUpload>;
  readonly credentials: CredentialStore;
  readonly idempotency: IdempotencyStore;
  readonly usage: UsageLedger;
  /** Enrolments and recalibrations: stored here, run by the runtime's runner (a local thread; the cloud's profile-jobs function). */
  readonly profileJobs: ProfileJobStore;
  /** A presigned POST for one enrolment image: its staging key, exact size and content type. */
  presignEnrolmentImage(job: ProfileJob, image: EnrolmentImage): Promise<PresignedUpload>;
  /** Indexes of the job's images that are uploaded with their declared size. */
  uploadedEnrolmentImages(job: ProfileJob): Promise<ReadonlySet<number>>;
  /** Hands a queued job to the runner; returns once it is handed over (the job runs after). */
  runProfileJob(tenant: string, id: string): Promise<void>;
  /** Expert feedback: judgements, the review queue, the labelled set (applying it is a profile job). */
  readonly feedback: FeedbackApi;
  /** Announces a profile change a request made (activation, deletion) as `profile.updated`. */
  readonly profileEvents: ProfileEventSink;
}

export type FeedbackApi = Pick<FeedbackService, 'record' | 'ofReport' | 'queue' | 'labelled'>;

/** What an enrolment through the API may hold (the runtime's own limits; the README states them). */
export interface EnrolmentLimits {
  readonly maxImages: number;
  /** Per image, bytes. */
  readonly maxImageBytes: number;
  /** All images of one enrolment together, bytes. */
  readonly maxTotalBytes: number;
  /**
   * A job still `running` this long after it started is reported failed (`profile_job_interrupted`): its runner is
   * gone (the cloud function's time limit, or it ran out of memory). Absent: no limit (locally, a restart ends it).
   */
  readonly maxRunMs?: number;
}

/** An HTML-form style upload: POST multipart/form-data to `url` with `fields`, then the file as `file` (last). */
export interface PresignedUpload {
  readonly method: 'POST';
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly expiresAt: string;
  readonly maxBytes: number;
  /** Instruments: every key must start with this (`key` may end in `${filename}`). */
  readonly keyPrefix?: string;
}

/** The images stored beside a report; `micrograph` is the ingested image in 8-bit grey (reports since it existed). */
export const ARTIFACT_KINDS = ['heatmap', 'overlay', 'phases', 'micrograph'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export interface ApiLimits {
  /** Largest image accepted in a request body (bytes). */
  readonly maxImageBytes: number;
  /** Largest image accepted through an upload slot or instrument credentials (straight into storage). */
  readonly maxUploadBytes: number;
  /** Largest image accepted at all (pixels, from the header). */
  readonly maxPixels: number;
  /** Images up to this many pixels are answered synchronously by POST /v1/detect; larger ones are queued (202). */
  readonly detectMaxPixels: number;
  readonly enrolment: EnrolmentLimits;
}

/** An upload that passed the door checks. */
export interface CheckedUpload {
  readonly content: Uint8Array;
  readonly name: string;
  readonly profile: string;
  readonly profileVersion?: number;
  readonly pixelSizeUm?: number;
  readonly metadata?: Record<string, unknown>;
  readonly width: number;
  readonly height: number;
  /** Set when the client sent an Idempotency-Key: the same key never queues a second job. */
  readonly idempotencyKey?: string;
}

export type InspectionView =
  | { readonly kind: 'report'; readonly report: Report }
  | {
      readonly kind: 'pending';
      readonly id: string;
      readonly status: 'awaiting_upload' | 'queued' | 'running';
      readonly stage: string | null;
      readonly progress: number | null;
      readonly attempts: number;
      readonly name: string;
      readonly profile: string;
      readonly submittedAt: string;
    };

export interface WebhookSubscriptionView {
  readonly id: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly description?: string;
  readonly createdAt: string;
  readonly disabledReason?: string;
}

export interface WebhookDeliveryView {
  readonly messageId: string;
  readonly eventType: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Webhook subscriptions of a tenant (SQLite outbox locally, DynamoDB + SQS in the cloud). */
export interface WebhookAdmin {
  /** Throws webhook_target_refused (422) for a URL the runtime's SSRF policy refuses (checked after DNS). */
  checkTarget(url: string): Promise<void>;
  create(tenant: string, input: { url: string; events: readonly WebhookEventType[]; description?: string }): Promise<{ subscription: WebhookSubscriptionView; secret: string }>;
  list(tenant: string): Promise<WebhookSubscriptionView[]>;
  get(tenant: string, id: string): Promise<WebhookSubscriptionView | undefined>;
  delete(tenant: string, id: string): Promise<boolean>;
  /** A new signing secret; the old one signs beside it for `overlapMs`. Undefined when the tenant has no such subscription. */
  rotate(tenant: string, id: string, overlapMs: number): Promise<{ subscription: WebhookSubscriptionView; secret: string; previousSecretExpiresAt: string } | undefined>;
  /** The subscription's latest deliveries, newest first; undefined when the tenant has no such subscription. */
  deliveries(tenant: string, id: string): Promise<WebhookDeliveryView[] | undefined>;
}

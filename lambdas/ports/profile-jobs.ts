import type { ProfileEvent } from '../domain/webhooks/payload.js';

export type { ProfileEvent };

/**
 * Profile jobs of the partner API: work that makes profile versions and takes longer than a request. An
 * enrolment (images uploaded by presigned POSTs, then enrolled into a new or existing profile) or a recalibration
 * (expert feedback applied: confirmed normals enrolled, weights and thresholds recalibrated). Each ends `completed`
 * with the versions it made, or `failed` with the reason. Stored per tenant (SQLite locally, the API table in the
 * cloud); every status change is one conditional write, so two runners never both run a job.
 */
export const PROFILE_JOB_KINDS = ['enrolment', 'recalibration'] as const;
export type ProfileJobKind = (typeof PROFILE_JOB_KINDS)[number];

export const PROFILE_JOB_STATUSES = ['awaiting_upload', 'queued', 'running', 'completed', 'failed'] as const;
export type ProfileJobStatus = (typeof PROFILE_JOB_STATUSES)[number];

/** One image of an enrolment: declared up front (name, type, exact size), uploaded by a presigned POST to `key`. */
export interface EnrolmentImage {
  readonly index: number;
  readonly name: string;
  readonly contentType: string;
  readonly bytes: number;
  readonly pixelSizeUm?: number;
  /** Where the upload lands (`work/<tenant>/enrolments/<job id>/<index>`: staging, expired after 7 days in the cloud). */
  readonly key: string;
}

export interface EnrolmentOptions {
  readonly pixelSizeUm?: number;
  readonly calibrationFraction?: number;
  readonly coresetRatio?: number;
  readonly seed?: number;
  readonly suspectRate?: number;
  readonly falseAlarmRate?: number;
}

export interface RecalibrationOptions {
  readonly reviewer?: string;
  readonly dryRun: boolean;
  readonly enrolNormals: boolean;
}

/** A version a job made, and how. */
export interface JobVersion {
  readonly version: number;
  readonly source: 'enrolment' | 'feedback';
}

export interface ProfileJob {
  /** `enr_` or `rcl_` + 24 hex. */
  readonly id: string;
  readonly tenant: string;
  readonly kind: ProfileJobKind;
  readonly profile: string;
  readonly status: ProfileJobStatus;
  /** Enrolment: the request created the profile (POST /v1/profiles) rather than extending one. */
  readonly creates?: boolean;
  readonly images?: readonly EnrolmentImage[];
  readonly enrolment?: EnrolmentOptions;
  readonly recalibration?: RecalibrationOptions;
  /** Local: indexes of images the service's upload receiver took (the cloud lists the staging objects instead). */
  readonly uploaded?: readonly number[];
  readonly stage: string | null;
  readonly progress: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** What the job returned (the enrolment's or the recalibration's result, JSON). */
  readonly result?: Record<string, unknown>;
  readonly versions?: readonly JobVersion[];
  readonly failure?: { readonly code: string; readonly message: string };
}

export type NewProfileJob = Omit<ProfileJob, 'status' | 'stage' | 'progress' | 'updatedAt' | 'uploaded'> & { readonly status: 'awaiting_upload' | 'queued' };

export interface ProfileJobEnd {
  readonly status: 'completed' | 'failed';
  readonly at: string;
  readonly result?: Record<string, unknown>;
  readonly versions?: readonly JobVersion[];
  readonly failure?: { readonly code: string; readonly message: string };
}

export interface ProfileJobStore {
  create(job: NewProfileJob): Promise<void>;
  get(tenant: string, id: string): Promise<ProfileJob | undefined>;
  /** Local: records an uploaded image (idempotent). */
  markUploaded(tenant: string, id: string, index: number): Promise<void>;
  /** awaiting_upload → queued; false when the job is not awaiting its uploads (started already, or unknown). */
  queue(tenant: string, id: string, at: string): Promise<boolean>;
  /** queued → running (the one runner that gets true runs it). */
  claim(tenant: string, id: string, at: string): Promise<boolean>;
  /** running → completed / failed; false when it is not running (ended already). */
  finish(tenant: string, id: string, end: ProfileJobEnd): Promise<boolean>;
  /** Stage and progress of a running job (best effort). */
  progress(tenant: string, id: string, stage: string, fraction: number): Promise<void>;
}

/** Announces profile changes to webhook subscribers: the local outbox, or EventBridge in the cloud. */
export interface ProfileEventSink {
  publish(event: ProfileEvent): Promise<void>;
}

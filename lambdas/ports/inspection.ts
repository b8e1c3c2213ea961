import type { ProfileVersion } from '../domain/profile/profile.js';
import type { Report } from '../domain/report/report.js';
import type { DensityComponent } from '../domain/scoring/density.js';

/**
 * Ports of the inspection pipeline (lambdas/application/pipeline), run in process locally and step by step in the
 * cloud: adapters/local and adapters/aws implement them.
 */

/** An uploaded object version: what one inspection is about. */
export interface UploadedObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly etag?: string;
  readonly versionId?: string;
}

/** What an input source returns: the image's bytes and, when the source carries one, a raw synthesis sheet. */
export interface InputContent {
  readonly bytes: Uint8Array;
  /** Sheet fields from the source (cloud: object metadata and a sidecar file), validated by the pipeline. */
  readonly metadata?: Record<string, unknown>;
  /** A pixel size the uploader declared with the object (it counts as the caller's). */
  readonly pixelSizeUm?: number;
}

/** Reads an inspection's input (the upload bucket in the cloud; the request's bytes locally). */
export interface InputSource {
  /** Throws NotFoundError when the object version is gone. */
  read(input: UploadedObject): Promise<InputContent>;
}

/**
 * One inspection per object version: the first claimant of a key owns it; anyone else is a duplicate.
 * The owner is the triggering event's id, so a retry of the same event stays the owner.
 */
export interface InspectionClaims {
  claim(idempotencyKey: string, owner: string, reportId: string): Promise<'claimed' | 'duplicate'>;
}

/** Reports written at most once per id (a completed report is never replaced). */
export interface OnceReportStore {
  putOnce(report: Report): Promise<'written' | 'duplicate'>;
  get(tenant: string, id: string): Promise<Report | undefined>;
}

/** Where the end of an inspection is announced (EventBridge: Step Functions emits it in AWS). */
export interface ResultEvents {
  publish(detailType: string, detail: Record<string, unknown>): Promise<void>;
}

/** What a stage needs to know about a profile version without its float arrays (settings, thresholds, sizes). */
export type ProfileDescription = Omit<ProfileVersion, 'bank' | 'embeddings' | 'density'> & {
  readonly bank: { readonly dim: number; readonly count: number };
  readonly embeddings: { readonly dim: number; readonly ids: readonly string[] };
};

/** Profile versions as the stages read them (files locally, S3ProfileStore in the cloud). */
export interface ProfileCatalog {
  /** The version's settings and calibration (the latest ready version when omitted); NotFoundError when absent. */
  describe(tenant: string, name: string, version?: number): Promise<ProfileDescription>;
  /** The version's density component (kept in memory between calls: versions never change); NotFoundError without one. */
  density(tenant: string, name: string, version: number): Promise<DensityComponent>;
}

import type { ProfileVersion } from '../domain/profile/profile.js';
import type { Report } from '../domain/report/report.js';

/** Ports of the cloud inspection workflow (lambdas/application/cloud); lambdas/adapters/aws and the handlers implement them. */

/** An uploaded object version: what one inspection is about. */
export interface UploadedObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly etag?: string;
  readonly versionId?: string;
}

/** Reads an uploaded object version (S3 upload bucket). */
export interface UploadSource {
  /** The object's bytes and user metadata; throws NotFoundError when the version is gone. */
  get(upload: UploadedObject): Promise<{ bytes: Uint8Array; metadata: Record<string, string> }>;
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

/** What a step needs to know about a profile version without its float arrays (settings, thresholds, sizes). */
export type ProfileDescription = Omit<ProfileVersion, 'bank' | 'embeddings'> & {
  readonly bank: { readonly dim: number; readonly count: number };
  readonly embeddings: { readonly dim: number; readonly ids: readonly string[] };
};

/** Profile versions as the workflow steps read them (S3ProfileStore in the cloud). */
export interface ProfileCatalog {
  /** The version's settings and calibration (the latest ready version when omitted); NotFoundError when absent. */
  describe(tenant: string, name: string, version?: number): Promise<ProfileDescription>;
}

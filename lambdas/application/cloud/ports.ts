import type { Report } from '../../domain/report/report.js';
import type { UploadedObject } from '../../adapters/aws/s3-upload-events.js';

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

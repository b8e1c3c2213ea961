import type { Report } from '../domain/report/report.js';
import type { ProfileVersion, ProfileSummary } from '../domain/profile/profile.js';

/** Versioned profiles (memory bank + calibration). Saving never overwrites: it creates the next version. */
export interface ProfileStore {
  /** Stores the profile as the next version of its name and returns that version number. */
  saveNewVersion(tenant: string, profile: Omit<ProfileVersion, 'version'>): Promise<number>;
  /** Latest version when `version` is omitted; throws NotFoundError when absent. */
  load(tenant: string, name: string, version?: number): Promise<ProfileVersion>;
  list(tenant: string): Promise<ProfileSummary[]>;
}

export interface ReportQuery {
  readonly batch?: string;
  readonly since?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface ReportPage {
  readonly items: Report[];
  readonly cursor?: string;
}

/** Reports are keyed by tenant; one tenant can never read another's. */
export interface ReportStore {
  put(report: Report): Promise<void>;
  get(tenant: string, id: string): Promise<Report | undefined>;
  list(tenant: string, query?: ReportQuery): Promise<ReportPage>;
}

/** Binary artifacts (uploads, heatmaps, overlays) by key. Keys begin with the tenant. */
export interface ArtifactStore {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined>;
}

/**
 * Artifacts under a prefix removed once older than a date: what the cloud bucket's lifecycle rule does to `work/`
 * (staged enrolment uploads, step scratch), done by the store where no lifecycle rule exists (files).
 */
export interface ExpiringArtifacts {
  /** Removes the artifacts under `prefix` (whole key segments) last written before `olderThan`; returns how many. */
  expire(prefix: string, olderThan: Date): Promise<number>;
}

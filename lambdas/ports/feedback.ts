import type { FeedbackRecord, FeedbackTarget, RecalibrationRecord } from '../domain/feedback/feedback.js';

export type { FeedbackRecord, FeedbackTarget, RecalibrationRecord };

export interface FeedbackQuery {
  /** Only judgements of reports made with this profile (any version). */
  readonly profile?: string;
  /** Only judgements of this report. */
  readonly reportId?: string;
}

/**
 * Expert judgements, tenant-scoped, one per (tenant, report, target): a repeated judgement is the same record
 * (idempotent) and a later one of the same target replaces it; an older one arriving late never does.
 */
export interface FeedbackStore {
  /** 'written' when stored, 'stale' when a judgement of that target made later is already there. */
  put(record: FeedbackRecord): Promise<'written' | 'stale'>;
  get(tenant: string, reportId: string, target: FeedbackTarget): Promise<FeedbackRecord | undefined>;
  /** Ordered by report id, then target. */
  list(tenant: string, query?: FeedbackQuery): Promise<FeedbackRecord[]>;
  putRecalibration(tenant: string, record: RecalibrationRecord): Promise<void>;
  /** Oldest first. */
  listRecalibrations(tenant: string, profile: string): Promise<RecalibrationRecord[]>;
}

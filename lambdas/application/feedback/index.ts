import type { FeedbackRecord, RecalibrationRecord } from '../../domain/feedback/feedback.js';
import type { ReportStore } from '../../ports/stores.js';
import type { ProgressListener } from '../contracts.js';
import { applyFeedback, type ApplyFeedbackDeps, type ApplyFeedbackRequest, type ApplyFeedbackResult } from './apply.js';
import { labelledSet, type LabelledReport } from './labelled.js';
import { reviewQueue, type ReviewQueue, type ReviewQueueQuery } from './queue.js';
import { feedbackOf, recordFeedback, type FeedbackInput, type RecordedFeedback } from './record.js';

export { ApplyFeedbackRequestSchema, type ApplyFeedbackRequest, type ApplyFeedbackResult } from './apply.js';
export { FeedbackInputSchema, type FeedbackInput, type RecordedFeedback } from './record.js';
export { ReviewQueueQuerySchema, type ReviewQueue, type ReviewQueueItem, type ReviewQueueQuery } from './queue.js';
export type { LabelledReport } from './labelled.js';
export { pipelineRescorer, type Rescorer, type ScoreRequest } from './rescore.js';

/** What applying feedback needs, and reports listed too (the review queue, the labelled set). */
export interface FeedbackServiceDeps extends ApplyFeedbackDeps {
  readonly reports: Pick<ReportStore, 'get' | 'list'>;
}

/**
 * Expert feedback and active learning, one call per route: every method takes the tenant first, validates its
 * input with zod and throws MmdoError subclasses (NotFoundError 404, ValidationError 400, 409 for a failed report).
 */
export class FeedbackService {
  constructor(private readonly deps: FeedbackServiceDeps) {}

  /** POST /reports/{id}/feedback: judge a report or, with `regionId`, one of its regions. */
  record(tenant: string, reportId: string, input: FeedbackInput): Promise<RecordedFeedback> {
    return recordFeedback(this.deps, tenant, reportId, input);
  }

  /** GET /reports/{id}/feedback: the judgements of one report. */
  ofReport(tenant: string, reportId: string): Promise<FeedbackRecord[]> {
    return feedbackOf(this.deps, tenant, reportId);
  }

  /** GET /review-queue?profile=&limit=: unreviewed reports, most uncertain first. */
  queue(tenant: string, query: ReviewQueueQuery = {}): Promise<ReviewQueue> {
    return reviewQueue(this.deps, tenant, query);
  }

  /** GET /profiles/{name}/labels: the labelled (validation) set. */
  labelled(tenant: string, profile?: string): Promise<LabelledReport[]> {
    return labelledSet(this.deps, tenant, profile !== undefined ? { profile } : {});
  }

  /** POST /profiles/{name}/recalibrate: enrol confirmed normals, recalibrate, new version(s). */
  apply(tenant: string, request: ApplyFeedbackRequest, progress?: ProgressListener): Promise<ApplyFeedbackResult> {
    return applyFeedback(this.deps, tenant, request, progress);
  }

  /** GET /profiles/{name}/recalibrations: what each recalibration did (provenance). */
  recalibrations(tenant: string, profile: string): Promise<RecalibrationRecord[]> {
    return this.deps.feedback.listRecalibrations(tenant, profile);
  }
}

import { z } from 'zod';
import { MmdoError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { FEEDBACK_ACTIONS, LabelSchema, resolveLabel, type FeedbackRecord, type FeedbackTarget } from '../../domain/feedback/feedback.js';
import type { FeedbackStore } from '../../ports/feedback.js';
import type { ReportStore } from '../../ports/stores.js';

/** What a person sends to judge a report or one of its regions (HTTP body, CLI options). */
export const FeedbackInputSchema = z.object({
  action: z.enum(FEEDBACK_ACTIONS),
  /** A region id of the report; absent: the whole report. */
  regionId: z.number().int().nonnegative().optional(),
  /** Required by relabel; with confirm/reject it refines the label (a defect class) and must agree with it. */
  label: LabelSchema.optional(),
  reviewer: z.string().trim().min(1).max(200),
  note: z.string().max(2000).optional(),
});
export type FeedbackInput = z.input<typeof FeedbackInputSchema>;

export interface FeedbackDeps {
  readonly reports: Pick<ReportStore, 'get'>;
  readonly feedback: FeedbackStore;
  readonly now?: () => Date;
}

export interface RecordedFeedback {
  readonly feedback: FeedbackRecord;
  /** created: first judgement of this target; updated: it replaced another; unchanged: the same judgement again. */
  readonly outcome: 'created' | 'updated' | 'unchanged';
}

/**
 * Records a judgement of a report (or one of its regions) of this tenant. The report must exist for the tenant and
 * be completed (a failed report has no verdict to judge); the region must be one of its regions. Idempotent per
 * (report, target): the same judgement again changes nothing, a different one replaces the earlier one.
 */
export async function recordFeedback(deps: FeedbackDeps, tenant: string, reportId: string, input: FeedbackInput): Promise<RecordedFeedback> {
  const parsed = FeedbackInputSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(`invalid feedback: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  const body = parsed.data;
  const report = await deps.reports.get(tenant, reportId);
  if (!report) throw new NotFoundError('report', reportId);
  if (report.status !== 'completed' || !report.scores) {
    throw new MmdoError('report_not_reviewable', `report '${reportId}' failed (${report.failure?.code ?? 'no scores'}): there is no verdict to judge`, 409);
  }
  const target: FeedbackTarget = body.regionId === undefined ? { kind: 'report' } : { kind: 'region', regionId: body.regionId };
  if (target.kind === 'region' && !report.regions.some((r) => r.id === target.regionId)) {
    throw new NotFoundError('region', `${reportId}/${target.regionId}`);
  }
  const label = resolveLabel(body.action, target, report.scores.verdict, body.label);
  const record: FeedbackRecord = {
    tenant,
    reportId,
    target,
    action: body.action,
    label,
    reviewer: body.reviewer,
    ...(body.note !== undefined && body.note !== '' ? { note: body.note } : {}),
    at: (deps.now?.() ?? new Date()).toISOString(),
    profile: report.profile,
    sha256: report.input.sha256,
    verdict: report.scores.verdict,
    score: report.scores.score,
  };
  const earlier = await deps.feedback.get(tenant, reportId, target);
  if (earlier && sameJudgement(earlier, record)) return { feedback: earlier, outcome: 'unchanged' };
  const written = await deps.feedback.put(record);
  if (written === 'stale') {
    // A later judgement of the same target arrived meanwhile: it stands.
    const latest = await deps.feedback.get(tenant, reportId, target);
    return { feedback: latest ?? record, outcome: 'unchanged' };
  }
  return { feedback: record, outcome: earlier ? 'updated' : 'created' };
}

/** The judgements of one report (its own and its regions'), for the tenant. */
export async function feedbackOf(deps: FeedbackDeps, tenant: string, reportId: string): Promise<FeedbackRecord[]> {
  if (!(await deps.reports.get(tenant, reportId))) throw new NotFoundError('report', reportId);
  return deps.feedback.list(tenant, { reportId });
}

function sameJudgement(a: FeedbackRecord, b: FeedbackRecord): boolean {
  return a.action === b.action && a.label === b.label && a.reviewer === b.reviewer && (a.note ?? '') === (b.note ?? '');
}

import { isAnomalousLabel, reportLabel, type FeedbackRecord, type Label } from '../../domain/feedback/feedback.js';
import type { Report } from '../../domain/report/report.js';
import type { FeedbackStore } from '../../ports/feedback.js';
import type { ReportStore } from '../../ports/stores.js';

/** A report with an expert label: one example of the validation set. */
export interface LabelledReport {
  readonly report: Report;
  readonly label: Label;
  readonly anomalous: boolean;
  /** Where the label comes from: a judgement of the report, or a region confirmed as a real defect. */
  readonly source: 'report' | 'regions';
  readonly reviewers: string[];
  /** The latest judgement's time. */
  readonly at: string;
}

export interface LabelledSetDeps {
  readonly reports: Pick<ReportStore, 'get'>;
  readonly feedback: Pick<FeedbackStore, 'list'>;
}

/**
 * The labelled set of a tenant (of one profile, when asked): every completed report with an expert label
 * (domain/feedback/feedback.ts `reportLabel`: the report's own judgement, else `anomalous` when a region was confirmed
 * as a defect). Ordered by report id. This is the validation set recalibration chooses thresholds and weights on.
 */
export async function labelledSet(deps: LabelledSetDeps, tenant: string, options: { readonly profile?: string } = {}): Promise<LabelledReport[]> {
  const records = await deps.feedback.list(tenant, options.profile !== undefined ? { profile: options.profile } : {});
  const byReport = new Map<string, FeedbackRecord[]>();
  for (const r of records) byReport.set(r.reportId, [...(byReport.get(r.reportId) ?? []), r]);
  const out: LabelledReport[] = [];
  for (const [reportId, judged] of byReport) {
    const label = reportLabel(judged);
    if (label === undefined) continue;
    const report = await deps.reports.get(tenant, reportId);
    if (!report || report.status !== 'completed' || !report.scores) continue;
    out.push({
      report,
      label,
      anomalous: isAnomalousLabel(label),
      source: judged.some((r) => r.target.kind === 'report') ? 'report' : 'regions',
      reviewers: [...new Set(judged.map((r) => r.reviewer))],
      at: judged.map((r) => r.at).sort().at(-1)!,
    });
  }
  return out.sort((a, b) => (a.report.id < b.report.id ? -1 : a.report.id > b.report.id ? 1 : 0));
}

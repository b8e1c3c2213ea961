import { z } from 'zod';
import { ValidationError } from '../../domain/errors.js';
import { uncertaintyOf } from '../../domain/feedback/uncertainty.js';
import type { Verdict } from '../../domain/report/report.js';
import { fuse } from '../../domain/scoring/fusion.js';
import { verdictOf } from '../../domain/scoring/calibration.js';
import type { FeedbackStore } from '../../ports/feedback.js';
import type { ProfileCatalog } from '../../ports/inspection.js';
import type { ReportStore } from '../../ports/stores.js';
import { completedReports, componentsOf, DEFAULT_SCAN_LIMIT, latestSettings } from './reports.js';

export const ReviewQueueQuerySchema = z.object({
  /** Only reports of this profile. */
  profile: z.string().min(1).optional(),
  limit: z.number().int().min(1).max(500).default(20),
  /** Newest reports read at most. */
  scan: z.number().int().min(1).max(100_000).default(DEFAULT_SCAN_LIMIT),
});
export type ReviewQueueQuery = z.input<typeof ReviewQueueQuerySchema>;

export interface ReviewQueueItem {
  readonly reportId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly profile: { readonly name: string; readonly version: number };
  /** The fused score and verdict at the profile's current operating point and weights (see `reviewQueue`). */
  readonly score: number;
  readonly verdict: Verdict;
  readonly thresholds: { readonly suspect: number; readonly anomalous: number };
  readonly margin: number;
  readonly nearestThreshold: 'suspect' | 'anomalous';
  readonly disagreement: number;
  readonly uncertainty: number;
  readonly components: readonly { readonly name: string; readonly calibrated: number; readonly weight: number }[];
  readonly regions: number;
}

export interface ReviewQueue {
  readonly items: ReviewQueueItem[];
  /** Completed reports without any judgement (of the profile, when asked), and reports read. */
  readonly unreviewed: number;
  readonly scanned: number;
}

export interface ReviewQueueDeps {
  readonly reports: Pick<ReportStore, 'list'>;
  readonly feedback: Pick<FeedbackStore, 'list'>;
  readonly profiles: Pick<ProfileCatalog, 'describe'>;
}

/**
 * Unreviewed completed reports, most uncertain first (domain/feedback/uncertainty.ts states the rule). A report is
 * reviewed once it has any judgement (of the report or of one of its regions). Each report is judged at its
 * profile's current operating point: its stored components are fused again with the latest version's weights and
 * measured against that version's thresholds, so a recalibration reorders the queue at once (component values are
 * those the report was scored with; reports of a profile no longer stored keep their own score and thresholds).
 */
export async function reviewQueue(deps: ReviewQueueDeps, tenant: string, query: ReviewQueueQuery = {}): Promise<ReviewQueue> {
  const parsed = ReviewQueueQuerySchema.safeParse(query);
  if (!parsed.success) throw new ValidationError(`invalid review queue query: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const q = parsed.data;
  const [{ reports, scanned }, judged] = await Promise.all([
    completedReports(deps.reports, tenant, q.profile, q.scan),
    deps.feedback.list(tenant, q.profile !== undefined ? { profile: q.profile } : {}),
  ]);
  const reviewed = new Set(judged.map((f) => f.reportId));
  const settingsOf = latestSettings(deps.profiles, tenant);
  const items: ReviewQueueItem[] = [];
  for (const report of reports) {
    if (reviewed.has(report.id)) continue;
    const scores = report.scores!;
    const settings = await settingsOf(report.profile!.name);
    let score = scores.score;
    let thresholds = scores.thresholds;
    let components = scores.components.map((c) => ({ name: c.name, calibrated: c.calibrated, weight: c.weight }));
    if (settings) {
      const parts = componentsOf(report).filter((c) => settings.fusion.components.includes(c.name));
      try {
        const fused = fuse(parts, settings.fusion.weights, settings.operating.thresholds);
        score = fused.score;
        thresholds = settings.operating.thresholds;
        components = fused.components.map((c) => ({ name: c.name, calibrated: c.calibrated, weight: c.weight }));
      } catch {
        // No component with weight under the current settings: judge it as it was scored.
      }
    }
    const u = uncertaintyOf({ score, thresholds, components });
    items.push({
      reportId: report.id,
      name: report.input.name,
      createdAt: report.createdAt,
      profile: report.profile!,
      score,
      verdict: verdictOf(score, thresholds),
      thresholds: { ...thresholds },
      margin: u.margin,
      nearestThreshold: u.nearestThreshold,
      disagreement: u.disagreement,
      uncertainty: u.uncertainty,
      components,
      regions: report.regions.length,
    });
  }
  items.sort((a, b) => b.uncertainty - a.uncertainty || b.disagreement - a.disagreement || (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0) || (a.reportId < b.reportId ? -1 : 1));
  return { items: items.slice(0, q.limit), unreviewed: items.length, scanned };
}


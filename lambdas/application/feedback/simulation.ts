import { isFlagged } from '../../domain/feedback/feedback.js';
import { metricsAt } from '../../domain/feedback/recalibration.js';
import type { ProfileCatalog } from '../../ports/inspection.js';
import type { ReportStore } from '../../ports/stores.js';
import type { InspectionService } from '../contracts.js';
import type { ApplyFeedbackResult } from './apply.js';
import type { FeedbackService } from './index.js';
import type { Rescorer } from './rescore.js';

/**
 * The active-learning loop with a simulated expert who knows the ground truth: images of a pool are inspected
 * (reports), then each round the expert judges the top of the review queue and the profile is recalibrated from the
 * labels (confirmed normals enrolled); F1 at the operating threshold is measured after every round on a held-out
 * test set that is only ever scored (never inspected, so never queued, never judged).
 */
export interface SimulationImage {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly anomalous: boolean;
  /** The defect class (the expert names it when the image is anomalous). */
  readonly className?: string;
  readonly metadata?: Record<string, unknown>;
  readonly pixelSizeUm?: number;
}

export interface SimulationDeps {
  readonly inspections: InspectionService;
  readonly rescorer: Rescorer;
  readonly feedback: FeedbackService;
  readonly reports: Pick<ReportStore, 'get'>;
  readonly profiles: Pick<ProfileCatalog, 'describe'>;
}

export interface SimulationOptions {
  readonly tenant: string;
  /** An enrolled profile (the loop starts from its latest version). */
  readonly profile: string;
  readonly rounds: number;
  readonly reviewsPerRound: number;
  readonly reviewer?: string;
}

export interface TestMetrics {
  readonly f1: number;
  readonly precision: number;
  readonly recall: number;
  readonly falseAlarmRate: number;
  readonly images: number;
  readonly failed: number;
}

export interface RoundResult {
  /** 0: before any review. */
  readonly round: number;
  readonly version: number;
  readonly thresholds: { readonly suspect: number; readonly anomalous: number };
  readonly source: string;
  readonly weights: Readonly<Record<string, number>>;
  /** Labels so far, and this round's reviews: how many judged normal / anomalous, and how many verdicts were wrong. */
  readonly labels: number;
  readonly reviewed: { readonly normal: number; readonly anomalous: number; readonly wrongVerdicts: number };
  readonly enrolledNormals: number;
  readonly test: TestMetrics;
  readonly apply?: Pick<ApplyFeedbackResult, 'warnings' | 'f1' | 'enrolledVersion' | 'recalibrated'>;
  readonly seconds: number;
}

export type SimulationProgress = (message: string) => void;

/** The pool inspected, then `rounds` rounds of reviews and recalibration; one result per round (round 0 first). */
export async function runFeedbackSimulation(
  deps: SimulationDeps, data: { readonly pool: readonly SimulationImage[]; readonly test: readonly SimulationImage[] }, options: SimulationOptions,
  progress: SimulationProgress = () => {},
): Promise<RoundResult[]> {
  const { tenant, profile } = options;
  const reviewer = options.reviewer ?? 'simulated-expert';
  const truth = new Map<string, SimulationImage>();
  let started = performance.now();
  for (const [i, image] of data.pool.entries()) {
    const report = await deps.inspections.inspect({
      tenant, profile, name: image.name, bytes: image.bytes,
      ...(image.metadata ? { metadata: image.metadata } : {}), ...(image.pixelSizeUm ? { pixelSizeUm: image.pixelSizeUm } : {}),
    });
    if (report.status === 'completed') truth.set(report.id, image);
    if ((i + 1) % 25 === 0) progress(`inspected ${i + 1}/${data.pool.length} pool images`);
  }
  const results: RoundResult[] = [];
  let labels = 0;
  let enrolledNormals = 0;
  const measure = async (round: number, reviewed: RoundResult['reviewed'], apply?: ApplyFeedbackResult) => {
    const current = await deps.profiles.describe(tenant, profile);
    const test = await testMetrics(deps.rescorer, tenant, profile, current.version, data.test);
    results.push({
      round, version: current.version, thresholds: { ...current.settings.operating.thresholds }, source: current.settings.operating.source,
      weights: { ...current.settings.fusion.weights }, labels, reviewed, enrolledNormals, test,
      ...(apply ? { apply: { warnings: apply.warnings, f1: apply.f1, recalibrated: apply.recalibrated, ...(apply.enrolledVersion !== undefined ? { enrolledVersion: apply.enrolledVersion } : {}) } } : {}),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    });
    progress(`round ${round}: v${current.version}, ${labels} labels, test F1 ${test.f1.toFixed(3)} (precision ${test.precision.toFixed(3)}, recall ${test.recall.toFixed(3)})`);
  };
  await measure(0, { normal: 0, anomalous: 0, wrongVerdicts: 0 });
  for (let round = 1; round <= options.rounds; round++) {
    started = performance.now();
    const queue = await deps.feedback.queue(tenant, { profile, limit: options.reviewsPerRound });
    const reviewed = { normal: 0, anomalous: 0, wrongVerdicts: 0 };
    for (const item of queue.items) {
      const image = truth.get(item.reportId);
      const report = await deps.reports.get(tenant, item.reportId);
      if (!image || !report?.scores) continue;
      const right = isFlagged(report.scores.verdict) === image.anomalous;
      await deps.feedback.record(tenant, item.reportId, {
        action: right ? 'confirm' : 'reject',
        reviewer,
        ...(image.anomalous && image.className ? { label: image.className } : {}),
      });
      labels++;
      if (image.anomalous) reviewed.anomalous++;
      else reviewed.normal++;
      if (!right) reviewed.wrongVerdicts++;
    }
    if (queue.items.length === 0) break;
    const apply = await deps.feedback.apply(tenant, { profile, reviewer });
    enrolledNormals += apply.confirmedNormals.enrolled;
    await measure(round, reviewed, apply);
  }
  return results;
}

/** F1 at the operating threshold of a version (flagged = verdict suspect or anomalous) on images only scored. */
export async function testMetrics(rescorer: Rescorer, tenant: string, profile: string, version: number, images: readonly SimulationImage[]): Promise<TestMetrics> {
  const scores: number[] = [];
  const anomalous: boolean[] = [];
  let failed = 0;
  for (const image of images) {
    const scored = await rescorer.score({
      tenant, profile, version, name: image.name, bytes: image.bytes,
      ...(image.metadata ? { metadata: image.metadata } : {}), ...(image.pixelSizeUm ? { pixelSizeUm: image.pixelSizeUm } : {}),
    });
    if (!('components' in scored)) {
      failed++;
      continue;
    }
    // 1 = flagged at the version's own operating point (the verdict the fuse stage gave).
    scores.push(isFlagged(scored.verdict) ? 1 : 0);
    anomalous.push(image.anomalous);
  }
  const m = metricsAt(scores, anomalous, 0.5);
  return { f1: m.f1, precision: m.precision, recall: m.recall, falseAlarmRate: m.falseAlarmRate, images: scores.length, failed };
}

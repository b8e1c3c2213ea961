import { z } from 'zod';
import { ValidationError } from '../../domain/errors.js';
import type { RecalibrationRecord } from '../../domain/feedback/feedback.js';
import { chooseThresholds, learnFusionWeights, refuse, weightedMetricsAt, type LabelledScores, type Weights } from '../../domain/feedback/recalibration.js';
import type { ProfileVersion } from '../../domain/profile/profile.js';
import type { ScoringSettings } from '../../domain/profile/settings.js';
import type { ComponentInput } from '../../domain/scoring/fusion.js';
import type { FeedbackStore } from '../../ports/feedback.js';
import type { ProfileCatalog, ProfileDescription } from '../../ports/inspection.js';
import type { ArtifactStore, ProfileStore, ReportStore } from '../../ports/stores.js';
import type { EnrollmentService, ProgressListener } from '../contracts.js';
import { sourceKey } from '../enroll.js';
import { inputKey } from '../pipeline/run-local.js';
import { labelledSet, type LabelledReport } from './labelled.js';
import { componentsOf } from './reports.js';
import type { Rescorer } from './rescore.js';

type Operating = ScoringSettings['operating'];

export const ApplyFeedbackRequestSchema = z.object({
  profile: z.string().min(1),
  /** Who asked for it (kept in the provenance). */
  reviewer: z.string().trim().min(1).max(200).optional(),
  /** Compute and report, but enrol and save nothing. */
  dryRun: z.boolean().default(false),
  /** Enrol confirmed normals (default); false recalibrates only. */
  enrolNormals: z.boolean().default(true),
});
export type ApplyFeedbackRequest = z.input<typeof ApplyFeedbackRequestSchema>;

export interface ApplyFeedbackDeps {
  readonly reports: Pick<ReportStore, 'get'>;
  readonly feedback: FeedbackStore;
  readonly profiles: ProfileStore & Pick<ProfileCatalog, 'describe'>;
  /** Where the local runner kept each inspected image (`inputKey`): the confirmed normals' bytes. */
  readonly artifacts: Pick<ArtifactStore, 'get'>;
  readonly enrollment: EnrollmentService;
  /** Scores labelled images again when the bank changed; without it their stored scores stand in. */
  readonly rescorer?: Rescorer;
  readonly now?: () => Date;
}

export interface ApplyFeedbackResult {
  readonly profile: string;
  readonly fromVersion: number;
  /** The version enrolment made with the confirmed normals (absent when none were enrolled). */
  readonly enrolledVersion?: number;
  /** The profile's version after this: the recalibrated one, else the enrolled one, else `fromVersion`. */
  readonly version: number;
  /** Whether the settings changed (a recalibrated version was made, or would be on a dry run). */
  readonly recalibrated: boolean;
  readonly dryRun: boolean;
  readonly confirmedNormals: { readonly enrolled: number; readonly alreadyInProfile: number; readonly missingBytes: number };
  readonly labels: {
    readonly total: number; readonly normal: number; readonly anomalous: number;
    /**
     * Labels the choice was made on; of them: scored again against the version's bank, and stored scores of an older
     * bank (no rescorer or no stored image).
     */
    readonly used: number; readonly rescored: number; readonly stale: number;
    /** Left out: labelled images now in the bank (against their own patches they would score ~0). */
    readonly inBank: number;
    /** The profile's held-out calibration images, known normal, scored and added to the labelled normals. */
    readonly calibrationNormals: number;
  };
  readonly weights: {
    readonly before: Weights; readonly after: Weights; readonly prior: Weights; readonly learnt: boolean; readonly share: number;
    /** Components the labels switched off, and the fused score's AUROC on the labels with the prior and the chosen weights. */
    readonly switchedOff: string[]; readonly auroc?: { readonly prior: number; readonly chosen: number };
    readonly reason: string; readonly coefficients?: Record<string, number>;
  };
  readonly thresholds: { readonly before: Operating; readonly after: Operating; readonly chosen: boolean; readonly constrained: boolean; readonly reason: string };
  /** F1 at the operating threshold on the labels used (in-sample; normals weighted for those now in the bank), before and after. */
  readonly f1: { readonly before?: number; readonly after?: number };
  readonly warnings: string[];
  readonly record?: RecalibrationRecord;
}

interface Example extends LabelledScores {
  /** The labelled report; absent for a calibration image of the profile. */
  readonly labelled?: LabelledReport;
  /** stored: its report's scores (same bank); rescored; stale: its report's scores from an older bank; calibration. */
  readonly how: 'stored' | 'rescored' | 'stale' | 'calibration';
}

/**
 * Learns from the expert labels of a profile's reports and makes the next version(s):
 * 1. Confirmed normals (labelled normal, not yet in the profile) are enrolled with their kept bytes (`inputKey`):
 *    a new version whose bank (and, as enrolment splits new images, calibration) includes them.
 * 2. The labelled set is scored against the resulting version, held out from its bank: a labelled image now in the
 *    bank is left out (against its own patches it would score ~0); a report scored with the same bank keeps its
 *    components; the others are scored again (when a rescorer is given; else their stored scores stand in, with a
 *    warning). The profile's calibration images, held-out normals by construction, are scored and join the
 *    labelled normals (most confirmed normals go into the bank, so without them the normals would thin out).
 * 3. Fusion weights (`learnFusionWeights`) are chosen on it, then the operating thresholds on the re-fused scores
 *    (`chooseThresholds`; domain/feedback/recalibration.ts states both rules), F1 counted on the labelled reports with
 *    their normals weighted up for the labelled normals now in the bank (a random share of them: enrolment splits new
 *    images by hash), so the labels keep the balance of normal and anomalous the expert saw.
 * 4. If the settings changed, a further version with them (`settings.operating.source = 'feedback'`) is saved,
 *    and a recalibration record (labels used, date, before/after) is kept in the feedback store.
 */
export async function applyFeedback(deps: ApplyFeedbackDeps, tenant: string, request: ApplyFeedbackRequest, progress: ProgressListener = () => {}): Promise<ApplyFeedbackResult> {
  const parsed = ApplyFeedbackRequestSchema.safeParse(request);
  if (!parsed.success) throw new ValidationError(`invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const req = parsed.data;
  const now = deps.now ?? (() => new Date());
  const warnings: string[] = [];
  progress('labels', 0);
  const latest = await deps.profiles.load(tenant, req.profile);
  const labelled = await labelledSet(deps, tenant, { profile: req.profile });

  // 1. Confirmed normals into the profile.
  const inProfile = new Set((latest.sources ?? []).map((s) => s.sha256));
  const normals = new Map<string, LabelledReport>();
  for (const l of labelled) if (!l.anomalous && !normals.has(l.report.input.sha256)) normals.set(l.report.input.sha256, l);
  const fresh = [...normals.values()].filter((l) => !inProfile.has(l.report.input.sha256));
  const images: { name: string; bytes: Uint8Array; pixelSizeUm?: number; sha256: string }[] = [];
  let missingBytes = 0;
  for (const l of fresh) {
    const stored = await deps.artifacts.get(inputKey(tenant, l.report.input.sha256));
    if (!stored) {
      missingBytes++;
      continue;
    }
    const declared = l.report.input.pixelSizeSource === 'caller' ? l.report.input.pixelSizeUm : undefined;
    images.push({ name: l.report.input.name, bytes: stored.bytes, sha256: l.report.input.sha256, ...(declared ? { pixelSizeUm: declared } : {}) });
  }
  if (missingBytes > 0) warnings.push(`${missingBytes} confirmed normal(s) cannot be enrolled: their images are no longer stored`);
  let enrolledVersion: number | undefined;
  let enrolledHashes: string[] = [];
  if (images.length > 0 && req.enrolNormals && !req.dryRun) {
    progress('enrol', 0.1, `${images.length} confirmed normal(s)`);
    try {
      enrolledVersion = (await deps.enrollment.enroll({ tenant, profile: req.profile, images: images.map(({ sha256: _sha, ...image }) => image) })).version;
      enrolledHashes = images.map((i) => i.sha256);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      warnings.push(`confirmed normals not enrolled: ${error.message}`);
    }
  }
  const base = enrolledVersion !== undefined ? await deps.profiles.load(tenant, req.profile, enrolledVersion) : latest;

  // 2. The labelled set scored against the base version.
  progress('score', 0.5, `${labelled.length} label(s)`);
  const { examples, inBank } = await scoreExamples(deps, tenant, base, labelled, warnings);
  const fromLabels = examples.filter((e) => e.labelled);
  const rescored = fromLabels.filter((e) => e.how === 'rescored').length;
  const stale = fromLabels.filter((e) => e.how === 'stale').length;
  const calibrationNormals = examples.length - fromLabels.length;
  if (stale > 0) warnings.push(`${stale} label(s) scored with an older bank (their stored scores; no rescorer or no stored image)`);

  // 3. Weights, then thresholds on the re-fused scores.
  const { settings } = base;
  const fused = settings.fusion.components;
  const prior = await priorWeights(deps.feedback, tenant, req.profile, settings.fusion.weights);
  const learnt = learnFusionWeights(examples, prior, fused);
  const anomalous = examples.map((e) => e.anomalous);
  // In the F1 counts: labelled reports, their normals weighted up for those now in the bank (left out above, a
  // random share of them: enrolment splits by hash); calibration normals only bound the false-alarm rate.
  const heldOutNormals = fromLabels.filter((e) => !e.anomalous).length;
  const normalWeight = heldOutNormals > 0 ? (heldOutNormals + inBank) / heldOutNormals : 1;
  const f1Weights = examples.map((e) => (!e.labelled ? 0 : e.anomalous ? 1 : normalWeight));
  const fuseWith = (w: Weights) => examples.map((e) => refuse(e.components, w, settings.operating.thresholds, fused));
  const before = fuseWith(settings.fusion.weights);
  const after = fuseWith(learnt.weights);
  const weightsChanged = learnt.learnt && JSON.stringify(learnt.weights) !== JSON.stringify(settings.fusion.weights);
  const chosen = chooseThresholds(after, anomalous, settings.operating, { weightsChanged, weights: f1Weights });
  const newSettings: ScoringSettings = { ...settings, fusion: { ...settings.fusion, weights: learnt.weights }, operating: chosen.operating };
  const recalibrated = JSON.stringify(newSettings) !== JSON.stringify(settings);
  const anyLabels = fromLabels.length > 0;
  const f1Before = anyLabels ? weightedMetricsAt(before, anomalous, f1Weights, settings.operating.thresholds.suspect).f1 : undefined;
  const f1After = anyLabels ? weightedMetricsAt(after, anomalous, f1Weights, chosen.operating.thresholds.suspect).f1 : undefined;

  // 4. The recalibrated version and its provenance.
  let version = enrolledVersion ?? latest.version;
  if (recalibrated && !req.dryRun) {
    progress('save', 0.9);
    version = await deps.profiles.saveNewVersion(tenant, copyWithSettings(base, newSettings, now()));
  }
  const counts = { total: labelled.length, normal: labelled.filter((l) => !l.anomalous).length, anomalous: labelled.filter((l) => l.anomalous).length };
  const result: Omit<ApplyFeedbackResult, 'record'> = {
    profile: req.profile,
    fromVersion: latest.version,
    ...(enrolledVersion !== undefined ? { enrolledVersion } : {}),
    version,
    recalibrated,
    dryRun: req.dryRun,
    confirmedNormals: { enrolled: enrolledVersion !== undefined ? images.length : 0, alreadyInProfile: normals.size - fresh.length, missingBytes },
    labels: { ...counts, used: fromLabels.length, rescored, stale, inBank, calibrationNormals },
    weights: {
      before: { ...settings.fusion.weights }, after: learnt.weights, prior, learnt: learnt.learnt, share: learnt.share, switchedOff: learnt.switchedOff,
      ...(learnt.auroc ? { auroc: learnt.auroc } : {}), reason: learnt.reason,
      ...(learnt.fit ? { coefficients: Object.fromEntries([['intercept', learnt.fit.intercept], ...learnt.features.map((f, i) => [f, learnt.fit!.coefficients[i]!])]) } : {}),
    },
    thresholds: { before: settings.operating, after: chosen.operating, chosen: chosen.chosen, constrained: chosen.constrained, reason: chosen.reason },
    f1: { ...(f1Before !== undefined ? { before: f1Before } : {}), ...(f1After !== undefined ? { after: f1After } : {}) },
    warnings: [...warnings, ...(chosen.operating.warning && chosen.chosen ? [chosen.operating.warning] : [])],
  };
  if (req.dryRun || version === latest.version) return result;
  const record: RecalibrationRecord = {
    profile: req.profile,
    fromVersion: latest.version,
    ...(enrolledVersion !== undefined ? { enrolledVersion } : {}),
    version,
    at: now().toISOString(),
    ...(req.reviewer ? { reviewer: req.reviewer } : {}),
    labels: { ...counts, used: fromLabels.length, rescored },
    reportIds: fromLabels.map((e) => e.labelled!.report.id),
    confirmedNormals: enrolledHashes,
    before: { thresholds: { ...settings.operating.thresholds }, weights: { ...settings.fusion.weights }, ...(f1Before !== undefined ? { f1: f1Before } : {}) },
    after: { thresholds: { ...chosen.operating.thresholds }, weights: { ...learnt.weights }, ...(f1After !== undefined ? { f1: f1After } : {}) },
    prior,
    rules: { weights: learnt.reason, thresholds: chosen.reason },
    warnings: result.warnings,
  };
  await deps.feedback.putRecalibration(tenant, record);
  progress('done', 1);
  return { ...result, record };
}

/**
 * Components of each labelled image as the base version would score it (see `applyFeedback`, step 2), and of the
 * profile's calibration images. Two versions score alike when their backbone, features, scoring settings (fusion
 * and operating point aside), enrolled sources and calibration are the same.
 */
async function scoreExamples(deps: ApplyFeedbackDeps, tenant: string, base: ProfileVersion, labelled: readonly LabelledReport[], warnings: string[]): Promise<{ examples: Example[]; inBank: number }> {
  const descriptions = new Map<number, Promise<ProfileDescription | undefined>>();
  const describe = (version: number) => {
    let d = descriptions.get(version);
    if (!d) {
      d = deps.profiles.describe(tenant, base.name, version).catch(() => undefined);
      descriptions.set(version, d);
    }
    return d;
  };
  const baseFingerprint = scoringFingerprint(base);
  const baseBank = new Set((base.sources ?? []).filter((s) => s.role === 'bank').map((s) => s.sha256));
  const examples: Example[] = [];
  let inBank = 0;
  let failures = 0;
  const rescore = async (name: string, bytes: Uint8Array, metadata: Record<string, unknown> | null | undefined, pixelSizeUm: number | undefined): Promise<ComponentInput[] | undefined> => {
    if (!deps.rescorer) return undefined;
    const scored = await deps.rescorer.score({
      tenant, profile: base.name, version: base.version, name, bytes, metadata: metadata ?? null, ...(pixelSizeUm ? { pixelSizeUm } : {}),
    });
    if ('components' in scored) return scored.components.map((c) => ({ name: c.name, raw: c.raw, calibrated: c.calibrated }));
    failures++;
    return undefined;
  };
  const seen = new Set<string>();
  for (const l of labelled) {
    const { report } = l;
    const sha = report.input.sha256;
    seen.add(sha);
    if (baseBank.has(sha)) {
      inBank++;
      continue;
    }
    const made = await describe(report.profile!.version);
    const stored = componentsOf(report);
    if (made !== undefined && scoringFingerprint(made) === baseFingerprint) {
      examples.push({ components: stored, anomalous: l.anomalous, labelled: l, how: 'stored' });
      continue;
    }
    const bytes = deps.rescorer ? await deps.artifacts.get(inputKey(tenant, sha)) : undefined;
    const declared = report.input.pixelSizeSource === 'caller' ? report.input.pixelSizeUm : undefined;
    const components = bytes ? await rescore(report.input.name, bytes.bytes, report.metadata, declared) : undefined;
    examples.push(components ? { components, anomalous: l.anomalous, labelled: l, how: 'rescored' } : { components: stored, anomalous: l.anomalous, labelled: l, how: 'stale' });
  }
  // The profile's held-out calibration images: normal, never in its bank.
  for (const src of base.sources ?? []) {
    if (src.role !== 'calibration' || seen.has(src.sha256) || !deps.rescorer) continue;
    const stored = await deps.artifacts.get(sourceKey(tenant, base.name, src.sha256));
    const components = stored ? await rescore(src.name, stored.bytes, null, src.pixelSizeUm) : undefined;
    if (components) examples.push({ components, anomalous: false, how: 'calibration' });
  }
  if (failures > 0) warnings.push(`${failures} image(s) could not be scored again (labelled ones keep their stored scores)`);
  return { examples, inBank };
}

/**
 * The prior of the weights: the base version's weights, unless feedback set them (a recalibration record's result),
 * in which case the prior that recalibration used. So applying again with the same labels changes nothing, and the
 * defaults (or weights a person or a tuner chose) stay the prior however often labels are applied.
 */
async function priorWeights(feedback: Pick<FeedbackStore, 'listRecalibrations'>, tenant: string, profile: string, weights: Weights): Promise<Weights> {
  const records = await feedback.listRecalibrations(tenant, profile);
  const same = (a: Readonly<Record<string, number>>) => Object.keys(weights).every((k) => Math.abs((a[k] ?? NaN) - weights[k as keyof Weights]) < 1e-12);
  const made = [...records].reverse().find((r) => same(r.after.weights) && r.prior);
  return made?.prior ? ({ ...weights, ...made.prior } as Weights) : { ...weights };
}

/** What decides a version's component scores: everything but the fusion weights and the operating point. */
export function scoringFingerprint(p: Pick<ProfileDescription, 'backbone' | 'features' | 'settings' | 'sources' | 'calibration' | 'pixelSizeUm' | 'bank'>): string {
  const { fusion: _fusion, operating: _operating, forecast: _forecast, nearest: _nearest, ...scoring } = p.settings;
  return JSON.stringify({
    backbone: p.backbone,
    features: p.features,
    pixelSizeUm: p.pixelSizeUm,
    scoring,
    sources: (p.sources ?? []).map((s) => `${s.sha256}:${s.role}`).sort(),
    bank: p.bank.count,
    // Every component's calibration (image scores, novelty distances, consistency baseline...).
    calibration: p.calibration,
  });
}

/** The same bank, embeddings and calibration with other settings, as the next version (nothing else carried over). */
function copyWithSettings(base: ProfileVersion, settings: ScoringSettings, at: Date): Omit<ProfileVersion, 'version'> {
  const copy: Record<string, unknown> = { ...base, settings, createdAt: at.toISOString() };
  delete copy.version;
  // Provenance of another tool (a tuner's) describes the version it made, not this one.
  delete copy.provenance;
  return copy as unknown as Omit<ProfileVersion, 'version'>;
}


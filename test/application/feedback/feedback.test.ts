import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalRuntime, type LocalRuntime } from '../../../lambdas/adapters/local/runtime.js';
import { SqliteFeedbackStore } from '../../../lambdas/adapters/local/store/feedback-store.js';
import { SqliteReportStore } from '../../../lambdas/adapters/local/store/report-store.js';
import { FeedbackService } from '../../../lambdas/application/feedback/index.js';
import { labelledSet } from '../../../lambdas/application/feedback/labelled.js';
import { reviewQueue } from '../../../lambdas/application/feedback/queue.js';
import { recordFeedback } from '../../../lambdas/application/feedback/record.js';
import { inputKey } from '../../../lambdas/application/pipeline/run-local.js';
import { NotFoundError } from '../../../lambdas/domain/errors.js';
import { DEFAULT_FUSION_WEIGHTS } from '../../../lambdas/domain/profile/settings.js';
import { REPORT_SCHEMA_VERSION, type Report, type Verdict } from '../../../lambdas/domain/report/report.js';
import type { ProfileDescription } from '../../../lambdas/ports/inspection.js';
import { drawCrack, drawVoid, grainTexture, toPng } from '../../e2e/textures.js';
import { testSettings } from '../../support/profiles.js';

let n = 0;
/** A completed report with patch and novelty components (calibrated values given), fused with the default weights. */
function report(over: { id?: string; tenant?: string; profile?: string; score: number; patch?: number; novelty?: number; verdict?: Verdict; status?: 'completed' | 'failed'; regions?: number }): Report {
  n++;
  const patch = over.patch ?? over.score;
  const novelty = over.novelty ?? over.score;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    id: over.id ?? `r${n}`,
    tenant: over.tenant ?? 'acme',
    createdAt: new Date(Date.UTC(2026, 11, 1, 10, 0, n)).toISOString(),
    status: over.status ?? 'completed',
    input: { name: `img${n}.png`, sha256: n.toString(16).padStart(64, '0'), bytes: 10, warnings: [] },
    metadata: null,
    backbone: null,
    profile: { name: over.profile ?? 'cathode', version: 1 },
    scores: over.status === 'failed' ? null : {
      score: over.score,
      verdict: over.verdict ?? (over.score >= 0.9 ? 'anomalous' : over.score >= 0.5 ? 'suspect' : 'normal'),
      thresholds: { suspect: 0.5, anomalous: 0.9 },
      components: [
        { name: 'patch', raw: patch, calibrated: patch, weight: 0.6, contribution: 0.5 },
        { name: 'novelty', raw: novelty, calibrated: novelty, weight: 0.25, contribution: 0.5 },
      ],
    },
    regions: Array.from({ length: over.regions ?? 0 }, (_, id) => ({ id, bbox: { x: 1, y: 1, width: 4, height: 4 }, areaPx: 16, peakScore: 2, meanScore: 1, centroid: { x: 3, y: 3 } })),
    artifacts: {},
    timingsMs: {},
    ...(over.status === 'failed' ? { failure: { code: 'corrupt_image', message: 'bad', stage: 'ingest' } } : {}),
  };
}

describe('feedback use cases on stored reports', () => {
  let reports: SqliteReportStore;
  let feedback: SqliteFeedbackStore;
  const at = (minute: number) => () => new Date(Date.UTC(2026, 11, 2, 9, minute));
  beforeEach(() => {
    reports = new SqliteReportStore(':memory:');
    feedback = new SqliteFeedbackStore(':memory:');
  });
  afterEach(() => {
    reports.close();
    feedback.close();
  });

  test('recording: the report must exist for the tenant and be completed; idempotent per (report, target)', async () => {
    await reports.put(report({ id: 'a', score: 0.7, regions: 2 }));
    await reports.put(report({ id: 'f', score: 0, status: 'failed' }));
    const deps = { reports, feedback, now: at(1) };
    const first = await recordFeedback(deps, 'acme', 'a', { action: 'confirm', reviewer: 'ada', label: 'crack' });
    expect(first).toMatchObject({ outcome: 'created', feedback: { label: 'crack', verdict: 'suspect', target: { kind: 'report' }, profile: { name: 'cathode', version: 1 } } });
    expect((await recordFeedback({ ...deps, now: at(2) }, 'acme', 'a', { action: 'confirm', reviewer: 'ada', label: 'crack' })).outcome).toBe('unchanged');
    const changed = await recordFeedback({ ...deps, now: at(3) }, 'acme', 'a', { action: 'reject', reviewer: 'ada', note: 'dust on the lens' });
    expect(changed).toMatchObject({ outcome: 'updated', feedback: { label: 'normal', note: 'dust on the lens' } });
    const regionJudged = await recordFeedback(deps, 'acme', 'a', { action: 'reject', regionId: 1, reviewer: 'ada' });
    expect(regionJudged.feedback).toMatchObject({ target: { kind: 'region', regionId: 1 }, label: 'normal' });
    expect((await feedback.list('acme', { reportId: 'a' })).map((r) => [r.target.kind, r.label])).toEqual([['region', 'normal'], ['report', 'normal']]);

    await expect(recordFeedback(deps, 'acme', 'missing', { action: 'confirm', reviewer: 'ada' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(recordFeedback(deps, 'other-tenant', 'a', { action: 'confirm', reviewer: 'ada' })).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(recordFeedback(deps, 'acme', 'f', { action: 'confirm', reviewer: 'ada' })).rejects.toMatchObject({ code: 'report_not_reviewable', status: 409 });
    await expect(recordFeedback(deps, 'acme', 'a', { action: 'confirm', regionId: 7, reviewer: 'ada' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(recordFeedback(deps, 'acme', 'a', { action: 'relabel', reviewer: 'ada' })).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/relabel needs a label/) });
    await expect(recordFeedback(deps, 'acme', 'a', { action: 'relabel', label: 'no;way', reviewer: 'ada' })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(recordFeedback(deps, 'acme', 'a', { action: 'confirm', reviewer: ' ' })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(recordFeedback(deps, 'acme', 'a', { action: 'approve' as 'confirm', reviewer: 'ada' })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  test('the queue: unreviewed completed reports of the profile, closest to a threshold first; disagreement breaks ties', async () => {
    const stored = [
      report({ id: 'far', score: 0.05 }),
      report({ id: 'near-suspect', score: 0.48 }),
      report({ id: 'near-anomalous', score: 0.93 }),
      report({ id: 'mid', score: 0.3 }),
      // Same fused score as 'mid' but patch would flag it while novelty would not: more uncertain.
      report({ id: 'mid-split', score: 0.3, patch: 0.55, novelty: 0.0 }),
      report({ id: 'reviewed', score: 0.5 }),
      report({ id: 'other-profile', score: 0.5, profile: 'separator' }),
      report({ id: 'failed', score: 0, status: 'failed' }),
    ];
    for (const r of stored) await reports.put(r);
    await recordFeedback({ reports, feedback }, 'acme', 'reviewed', { action: 'confirm', reviewer: 'ada' });
    const missing = { describe: async (): Promise<ProfileDescription> => { throw new NotFoundError('profile', 'cathode'); } };
    const q = await reviewQueue({ reports, feedback, profiles: missing }, 'acme', { profile: 'cathode' });
    expect(q.items.map((i) => i.reportId)).toEqual(['near-suspect', 'near-anomalous', 'mid-split', 'mid', 'far']);
    expect(q.unreviewed).toBe(5);
    expect(q.items[0]).toMatchObject({ margin: expect.closeTo(0.02, 12), nearestThreshold: 'suspect', verdict: 'normal' });
    expect(q.items[2]!.disagreement).toBeGreaterThan(0);
    expect((await reviewQueue({ reports, feedback, profiles: missing }, 'acme', { limit: 2 })).items.map((i) => i.reportId)).toEqual(['other-profile', 'near-suspect']);
    expect((await reviewQueue({ reports, feedback, profiles: missing }, 'nobody')).items).toEqual([]);
    await expect(reviewQueue({ reports, feedback, profiles: missing }, 'acme', { limit: 0 })).rejects.toMatchObject({ code: 'validation_failed' });

    // At the profile's current operating point (recalibrated to 0.3 / 0.9, patch-only weights) the order changes.
    const recalibrated = testSettings({
      fusion: { components: ['patch', 'novelty', 'consistency', 'reproducibility'], weights: { ...DEFAULT_FUSION_WEIGHTS, patch: 1, novelty: 0, consistency: 0, reproducibility: 0 } },
      operating: { thresholds: { suspect: 0.3, anomalous: 0.9 }, source: 'feedback', falseAlarmRate: 0.01, suspectRate: 0.05, calibrationSize: 20 },
    });
    const current = { describe: async () => ({ settings: recalibrated }) as unknown as ProfileDescription };
    const now = await reviewQueue({ reports, feedback, profiles: current }, 'acme', { profile: 'cathode' });
    expect(now.items[0]).toMatchObject({ reportId: 'mid', score: 0.3, thresholds: { suspect: 0.3, anomalous: 0.9 }, verdict: 'suspect' });
    expect(now.items.find((i) => i.reportId === 'mid-split')).toMatchObject({ score: 0.55, verdict: 'suspect' });
  });

  test('the labelled set: a report\'s own label, else anomalous from a confirmed region; a false alarm alone labels nothing', async () => {
    for (const r of [report({ id: 'l1', score: 0.2 }), report({ id: 'l2', score: 0.95, regions: 2 }), report({ id: 'l3', score: 0.7, regions: 1 }), report({ id: 'l4', score: 0.6, profile: 'separator' })]) await reports.put(r);
    const deps = { reports, feedback };
    await recordFeedback(deps, 'acme', 'l1', { action: 'reject', reviewer: 'ada', label: 'void' });
    await recordFeedback(deps, 'acme', 'l2', { action: 'confirm', regionId: 1, reviewer: 'bo' });
    await recordFeedback(deps, 'acme', 'l3', { action: 'reject', regionId: 0, reviewer: 'bo' });
    await recordFeedback(deps, 'acme', 'l4', { action: 'reject', reviewer: 'bo' });
    const set = await labelledSet(deps, 'acme', { profile: 'cathode' });
    expect(set.map((l) => [l.report.id, l.label, l.anomalous, l.source])).toEqual([['l1', 'void', true, 'report'], ['l2', 'anomalous', true, 'regions']]);
    expect((await labelledSet(deps, 'acme')).map((l) => l.report.id)).toEqual(['l1', 'l2', 'l4']);
    expect(await labelledSet(deps, 'other')).toEqual([]);
  });
});

describe('recalibration from feedback (local runtime, built-in backbone)', () => {
  let home: string;
  let runtime: LocalRuntime;
  let service: FeedbackService;
  const SIZE = 96;
  const normal = (seed: number) => toPng(grainTexture(SIZE, seed));
  const defect = (seed: number) => {
    const image = grainTexture(SIZE, seed);
    if (seed % 2) drawCrack(image, 10, 20, 80, 70, 2);
    else drawVoid(image, 48, 48, 14);
    return toPng(image);
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'mmdo-feedback-'));
    runtime = await createLocalRuntime({ home, backboneOverride: 'builtin' });
    service = new FeedbackService({
      reports: runtime.reports, feedback: runtime.feedback, profiles: runtime.profiles, artifacts: runtime.artifacts,
      enrollment: runtime.enrollment, rescorer: runtime.rescorer, now: () => new Date('2026-12-03T08:00:00Z'),
    });
  });
  afterAll(async () => {
    await runtime.close();
    await rm(home, { recursive: true, force: true });
  });

  test('apply enrols the confirmed normals, then saves a version with thresholds and weights from the labels and its provenance', async () => {
    // Half the first normals held out for calibration: with the new ones, enough held-out normals to choose thresholds on.
    const images = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(async (s) => ({ name: `bank${s}.png`, bytes: await normal(s) })));
    await runtime.enrollment.enroll({ tenant: 'local', profile: 'fb', images, seed: 2, calibrationFraction: 0.5 });
    const truth = new Map<string, boolean>();
    for (let i = 0; i < 6; i++) {
      const good = await runtime.inspections.inspect({ tenant: 'local', profile: 'fb', name: `good${i}.png`, bytes: await normal(100 + i) });
      const bad = await runtime.inspections.inspect({ tenant: 'local', profile: 'fb', name: `bad${i}.png`, bytes: await defect(200 + i) });
      truth.set(good.id, false).set(bad.id, true);
    }
    const queue = await service.queue('local', { profile: 'fb', limit: 50 });
    expect(queue.items).toHaveLength(12);
    for (const item of queue.items) {
      const anomalous = truth.get(item.reportId)!;
      const report = (await runtime.reports.get('local', item.reportId))!;
      const right = (report.scores!.verdict !== 'normal') === anomalous;
      await service.record('local', item.reportId, { action: right ? 'confirm' : 'reject', reviewer: 'sim', ...(anomalous ? { label: 'crack' } : {}) });
    }
    expect((await service.queue('local', { profile: 'fb' })).items).toEqual([]);
    expect(await service.labelled('local', 'fb')).toHaveLength(12);

    const dry = await service.apply('local', { profile: 'fb', dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, fromVersion: 1, version: 1 });
    expect((await runtime.profiles.list('local'))[0]!.latestVersion).toBe(1);

    const applied = await service.apply('local', { profile: 'fb', reviewer: 'lead' });
    expect(applied).toMatchObject({
      fromVersion: 1, enrolledVersion: 2, version: 3, recalibrated: true,
      confirmedNormals: { enrolled: 6, alreadyInProfile: 0, missingBytes: 0 },
      labels: { total: 12, normal: 6, anomalous: 6, stale: 0 },
    });
    const v2 = await runtime.profiles.load('local', 'fb', 2);
    // Enrolment splits the new normals as it splits any new images: most into the bank (left out of the choice:
    // they would score ~0 against themselves), a held-out share into calibration (scored again, like the anomalies).
    const joinedBank = v2.sources!.filter((s) => s.role === 'bank' && !images.some((i) => i.name === s.name)).length;
    const calibration = v2.sources!.filter((s) => s.role === 'calibration').length;
    expect(joinedBank).toBeGreaterThanOrEqual(4);
    expect(applied.labels).toMatchObject({ inBank: joinedBank, used: 12 - joinedBank, rescored: 12 - joinedBank, calibrationNormals: calibration - (6 - joinedBank) });
    const v3 = await runtime.profiles.load('local', 'fb', 3);
    // The confirmed normals joined the profile (their bytes were kept at inputKey when inspected).
    const normals = [...truth].filter(([, a]) => !a).map(([id]) => id);
    for (const id of normals) {
      const sha = (await runtime.reports.get('local', id))!.input.sha256;
      expect(await runtime.artifacts.get(inputKey('local', sha))).toBeDefined();
      expect(v2.sources!.map((s) => s.sha256)).toContain(sha);
    }
    expect(v2.sources).toHaveLength(14);
    expect(v2.settings.operating.source).not.toBe('feedback'); // enrolment keeps its own operating point
    // v3: v2's bank and calibration with the recalibrated operating point and weights.
    expect(v3.bank.count).toBe(v2.bank.count);
    expect(v3.sources).toEqual(v2.sources);
    expect(v3.settings.operating).toMatchObject({ source: 'feedback', calibrationSize: calibration, thresholds: applied.thresholds.after.thresholds });
    expect(v3.settings.fusion.weights).toEqual(applied.weights.after);
    expect(applied.weights.learnt).toBe(true);
    expect(applied.weights.prior).toEqual(v2.settings.fusion.weights);
    expect(applied.f1.after).toEqual(expect.any(Number));
    const [record] = await service.recalibrations('local', 'fb');
    expect(record).toMatchObject({ fromVersion: 1, enrolledVersion: 2, version: 3, reviewer: 'lead', at: '2026-12-03T08:00:00.000Z', labels: { used: 12 - joinedBank } });
    expect(record!.reportIds).toHaveLength(12 - joinedBank);
    expect(record!.confirmedNormals).toHaveLength(6);

    // Inspection now decides at the new operating point.
    const after = await runtime.inspections.inspect({ tenant: 'local', profile: 'fb', name: 'later.png', bytes: await normal(300) });
    expect(after.profile).toEqual({ name: 'fb', version: 3 });
    expect(after.scores!.thresholds).toEqual(v3.settings.operating.thresholds);

    // The same labels again: nothing new to enrol or learn, so no new version.
    const again = await service.apply('local', { profile: 'fb' });
    expect(again).toMatchObject({ fromVersion: 3, version: 3, recalibrated: false, confirmedNormals: { enrolled: 0, alreadyInProfile: 6 } });
    expect((await runtime.profiles.list('local'))[0]!.latestVersion).toBe(3);
  });

  test('apply names an unknown profile', async () => {
    await expect(service.apply('local', { profile: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.apply('local', { profile: '' })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

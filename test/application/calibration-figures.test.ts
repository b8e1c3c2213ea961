import { calibrationFigures, componentCalibrations } from '../../lambdas/application/calibration-figures.js';
import type { LabelledReport } from '../../lambdas/application/feedback/labelled.js';
import type { ScoreCalibration } from '../../lambdas/domain/profile/profile.js';
import { DEFAULT_SCORING_SETTINGS } from '../../lambdas/domain/profile/settings.js';
import type { Report } from '../../lambdas/domain/report/report.js';
import type { ProfileDescription } from '../../lambdas/ports/inspection.js';

const CALIBRATION: ScoreCalibration = {
  normalImageScores: [0.1, 0.2], suspect: 0.5, anomalous: 0.8, pixelThreshold: 1,
  normalNoveltyScores: [1, 2, 3],
  normalConsistencyScores: [0, 0, 1, 3],
};

test("each component's normals and the raw scores its calibrated value is 0.5 and 0.9 at (hand-computed)", () => {
  const components = componentCalibrations(CALIBRATION, ['patch', 'consistency']);
  expect(components.map((c) => [c.name, c.fused, c.normals])).toEqual([
    ['patch', true, [0.1, 0.2]], ['novelty', false, [1, 2, 3]], ['density', false, []], ['consistency', true, [0, 0, 1, 3]],
  ]);
  const [patch, novelty, density, consistency] = components.map((c) => c.thresholds);
  // The patch score's stored thresholds.
  expect(patch).toEqual({ suspect: 0.5, anomalous: 0.8 });
  // Novelty [1, 2, 3]: mean 2, sd 1, 95th percentile 2.9 → suspect max(2 + 2, 2.9) = 4, anomalous max(2 + 4, 3 + 1) = 6.
  expect(novelty).toEqual({ suspect: 4, anomalous: 6 });
  // No density normals: no calibration.
  expect(density).toBeNull();
  // Consistency: 95th percentile of [0, 0, 1, 3] is 1 + 0.85 · 2 = 2.7; 1 − 2^−x is 0.5 at x = 1 and 0.9 at x = log2 10.
  expect(consistency!.suspect).toBeCloseTo(3.7, 12);
  expect(consistency!.anomalous).toBeCloseTo(2.7 + Math.log2(10), 12);
});

test("a version's figures: its operating point, the labelled reports it scored (others counted), the tuner's record", async () => {
  const operating = { ...DEFAULT_SCORING_SETTINGS.operating, source: 'extrapolated' as const, calibrationSize: 2, warning: 'too few' };
  const described = {
    name: 'p', version: 2, calibration: CALIBRATION,
    settings: { ...DEFAULT_SCORING_SETTINGS, operating, fusion: { ...DEFAULT_SCORING_SETTINGS.fusion, components: ['patch', 'novelty'] } },
    provenance: { tuner: 'mmdo tune (random)', metric: 'fused.auroc', value: 0.9, budget: 8, splitSeed: 1, date: '2026-01-01', params: {}, test: { 'fused.auroc': 0.85 } },
  } as unknown as ProfileDescription;
  const labelled = (id: string, version: number, anomalous: boolean, score: number): LabelledReport => ({
    report: {
      id, profile: { name: 'p', version }, input: { name: `${id}.png` },
      scores: { score, components: [{ name: 'patch', raw: score * 2 }, { name: 'novelty', raw: score * 3 }] },
    } as unknown as Report,
    label: anomalous ? 'crack' : 'normal', anomalous, source: 'report', reviewers: ['r'], at: '2026-01-01',
  });
  const asked: unknown[] = [];
  const figures = await calibrationFigures({
    describe: async (...args) => (asked.push(args), described),
    labelled: async () => [labelled('a', 2, false, 0.1), labelled('b', 1, true, 0.9), labelled('c', 2, true, 0.7), labelled('d', 2, true, 0.3)],
  }, 't', 'p', 2);
  expect(asked).toEqual([['t', 'p', 2]]);
  expect(figures).toMatchObject({ profile: 'p', version: 2, operating, tuning: { tuner: 'mmdo tune (random)', metric: 'fused.auroc', value: 0.9, test: { 'fused.auroc': 0.85 } } });
  expect(figures.components.filter((c) => c.fused).map((c) => c.name)).toEqual(['patch', 'novelty']);
  expect(figures.labelled).toEqual({
    items: [
      { reportId: 'a', name: 'a.png', label: 'normal', anomalous: false, score: 0.1, components: { patch: 0.2, novelty: 0.30000000000000004 } },
      { reportId: 'c', name: 'c.png', label: 'crack', anomalous: true, score: 0.7, components: { patch: 1.4, novelty: 2.0999999999999996 } },
      { reportId: 'd', name: 'd.png', label: 'crack', anomalous: true, score: 0.3, components: { patch: 0.6, novelty: 0.8999999999999999 } },
    ],
    otherVersions: 1,
  });
  // At the suspect threshold 0.5, among this version's labels: c flagged, d missed; a (normal) not flagged. b is
  // version 1's and counts in neither.
  expect(figures.atOperating.recall).toMatchObject({ hits: 1, of: 2, share: 0.5, confidence: 0.95 });
  expect(figures.atOperating.falseAlarms).toMatchObject({ hits: 0, of: 1, share: 0, lower: 0 });
  // Exact binomial bounds: 1 of 2 → [1 − 0.975^(1/2), 0.975^(1/2)]; 0 of 1 → upper 0.975.
  expect(figures.atOperating.recall!.lower).toBeCloseTo(1 - Math.sqrt(0.975), 6);
  expect(figures.atOperating.recall!.upper).toBeCloseTo(Math.sqrt(0.975), 6);
  expect(figures.atOperating.falseAlarms!.upper).toBeCloseTo(0.975, 6);
  // Without labels of a kind, no estimate.
  const unlabelled = await calibrationFigures({ describe: async () => described, labelled: async () => [labelled('a', 2, false, 0.6)] }, 't', 'p', 2);
  expect(unlabelled.atOperating).toEqual({ recall: null, falseAlarms: expect.objectContaining({ hits: 1, of: 1, upper: 1 }) });
});

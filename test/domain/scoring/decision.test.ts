import { DEFAULT_FUSION_WEIGHTS, fusionFromAhp, ScoringSettingsSchema, DEFAULT_SCORING_SETTINGS } from '../../../lambdas/domain/profile/settings.js';
import { matrixFromWeights } from '../../../lambdas/domain/decision/ahp.js';
import { decide, type CalibratedComponent } from '../../../lambdas/domain/scoring/decision.js';
import { calibrate, thresholdsFromNormals } from '../../../lambdas/domain/scoring/calibration.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

const THRESHOLDS = { suspect: 0.5, anomalous: 0.9 };
const normals = (n: number, seed: number) => {
  const r = createRandom(seed);
  return Array.from({ length: n }, () => 1 + 0.1 * r.normal());
};
const component = (name: 'patch' | 'novelty', raw: number, n: number, seed: number): CalibratedComponent => {
  const cal = normals(n, seed);
  return { name, raw, calibrated: calibrate(raw, thresholdsFromNormals(cal)), normals: cal };
};

describe('decide: the verdict and what explains it', () => {
  test('Shapley values sum to the fused score and contributions to 1, over many random component sets', () => {
    const r = createRandom(7);
    for (let t = 0; t < 50; t++) {
      const parts: CalibratedComponent[] = [
        { name: 'patch', raw: r.uniform(0, 3), calibrated: r.uniform(0, 1) },
        { name: 'novelty', raw: r.uniform(0, 3), calibrated: r.uniform(0, 1) },
        { name: 'consistency', raw: r.uniform(0, 3), calibrated: r.uniform(0, 1) },
      ];
      const d = decide(parts, DEFAULT_FUSION_WEIGHTS, THRESHOLDS, t);
      expect(d.components.reduce((s, c) => s + c.shapley, 0)).toBeCloseTo(d.score, 10);
      if (d.score > 0) expect(d.components.reduce((s, c) => s + c.contribution, 0)).toBeCloseTo(1, 10);
      for (const c of d.components) expect(c.shapley).toBeGreaterThanOrEqual(-1e-12); // the fusion is monotone
    }
  });

  test('a hand-computed case: patch lifts the score to its own level, and the sentence says so', () => {
    // Mean = (0.6·0.95 + 0.25·0.1 + 0.15·0)/1 = 0.595; patch ≥ 0.5 lifts the score to 0.95.
    const d = decide([
      { name: 'patch', raw: 3, calibrated: 0.95 },
      { name: 'novelty', raw: 0.2, calibrated: 0.1 },
      { name: 'consistency', raw: 0, calibrated: 0 },
    ], DEFAULT_FUSION_WEIGHTS, THRESHOLDS, 1);
    expect(d.score).toBeCloseTo(0.95, 12);
    expect(d.verdict).toBe('anomalous');
    // Coalitions: v({patch}) = 0.95 (lifted), v({novelty}) = 0.025, v({patch, novelty}) = 0.95 → φ_novelty = ½(0.025) + ½(0) = 0.0125.
    expect(d.components.find((c) => c.name === 'novelty')!.shapley).toBeCloseTo(0.0125, 12);
    expect(d.components.find((c) => c.name === 'patch')!.shapley).toBeCloseTo(0.9375, 12);
    expect(d.explanation).toBe('Anomalous (0.95): mostly the patch score (+0.94), supported by novelty (+0.01).');
    expect(d.uncertainty).toMatchObject({ lower: d.score, upper: d.score, componentsAgree: false });
    expect(d.uncertainty.disagreement).toBe('patch says suspect or worse; novelty, consistency say normal');
  });

  test('the interval comes from calibration: wide with 5 normals, narrow with 400, and reproducible by seed', () => {
    const few = decide([component('patch', 1.25, 5, 3)], DEFAULT_FUSION_WEIGHTS, THRESHOLDS, 11);
    const many = decide([component('patch', 1.25, 400, 3)], DEFAULT_FUSION_WEIGHTS, THRESHOLDS, 11);
    expect(few.uncertainty.upper - few.uncertainty.lower).toBeGreaterThan(3 * (many.uncertainty.upper - many.uncertainty.lower));
    expect(decide([component('patch', 1.25, 5, 3)], DEFAULT_FUSION_WEIGHTS, THRESHOLDS, 11).uncertainty).toEqual(few.uncertainty);
    expect(many.components[0]).toMatchObject({ calibrationSize: 400 });
  });

  test('conformal p-values, and "outside what the profile has seen" only beyond every calibration normal', () => {
    const cal = [1, 2, 3, 4];
    const inside = decide([{ name: 'patch', raw: 2.5, calibrated: 0.2, normals: cal }, { name: 'novelty', raw: 2.5, calibrated: 0.3, normals: cal }], DEFAULT_FUSION_WEIGHTS, THRESHOLDS, 2);
    expect(inside.components.map((c) => c.pValue)).toEqual([3 / 5, 3 / 5]);
    expect(inside.outOfDistribution).toEqual({ flagged: false });
    const beyond = decide([{ name: 'patch', raw: 2.5, calibrated: 0.2, normals: cal }, { name: 'novelty', raw: 9, calibrated: 0.3, normals: cal }], DEFAULT_FUSION_WEIGHTS, THRESHOLDS, 2);
    expect(beyond.components[1]!.pValue).toBe(1 / 5);
    expect(beyond.outOfDistribution.flagged).toBe(true);
    expect(beyond.verdict).toBe('normal'); // out of distribution is reported apart from the verdict
  });
});

describe('AHP fusion weights in the profile', () => {
  test('a consistent matrix gives its eigenvector as weights; the default weights round-trip', () => {
    const fusion = fusionFromAhp(['patch', 'novelty', 'consistency'], matrixFromWeights([0.6, 0.25, 0.15]));
    expect(fusion.weights.patch).toBeCloseTo(0.6, 10);
    expect(fusion.weights.novelty).toBeCloseTo(0.25, 10);
    expect(fusion.weights.consistency).toBeCloseTo(0.15, 10);
    expect(fusion.weights.reproducibility).toBe(0);
    expect(fusion.ahp!.consistencyRatio).toBeCloseTo(0, 10);
  });

  test('an inconsistent matrix (CR > 0.1) is refused with the pair named, at construction and when a profile is read', () => {
    const bad = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]];
    expect(() => fusionFromAhp(['patch', 'novelty', 'consistency'], bad)).toThrow(/inconsistent.*CR/);
    const settings = { ...DEFAULT_SCORING_SETTINGS, tiling: { tileSize: 512, overlap: 32 }, heatmapLow: 0, fusion: { ...DEFAULT_SCORING_SETTINGS.fusion, ahp: { components: ['patch', 'novelty', 'consistency'], matrix: bad, consistencyRatio: 0 } } };
    const parsed = ScoringSettingsSchema.safeParse(settings);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toMatch(/most inconsistent pair/);
  });
});

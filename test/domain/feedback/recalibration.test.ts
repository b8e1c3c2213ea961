import { chooseThresholds, learnFusionWeights, logisticRegression, metricsAt, MIN_LABELS_PER_CLASS, PRIOR_STRENGTH, refuse, weightedMetricsAt } from '../../../lambdas/domain/feedback/recalibration.js';
import { DEFAULT_FUSION_WEIGHTS, type ComponentName } from '../../../lambdas/domain/profile/settings.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

const logit = (p: number) => Math.log(p / (1 - p));
/** An operating point declared explicitly (the product's defaults may change): 5 % of normals flagged, 1 % anomalous. */
const OPERATING = { thresholds: { suspect: 0.5, anomalous: 0.9 }, source: 'default' as const, falseAlarmRate: 0.01, suspectRate: 0.05, calibrationSize: 0 };

describe('regularised logistic regression', () => {
  test('one binary feature, (almost) no penalty: the MLE is the logits of the two groups\' rates (hand-computed)', () => {
    // x = 0: 1 positive in 4 (rate 1/4); x = 1: 3 positives in 4 (rate 3/4).
    const x = [[0], [0], [0], [0], [1], [1], [1], [1]];
    const y = [1, 0, 0, 0, 1, 1, 1, 0];
    const fit = logisticRegression(x, y, 1e-9);
    expect(fit.converged).toBe(true);
    expect(fit.intercept).toBeCloseTo(logit(1 / 4), 6);
    expect(fit.coefficients[0]).toBeCloseTo(logit(3 / 4) - logit(1 / 4), 6); // ln 9
  });

  test('with the penalty the gradient of the penalised objective vanishes, and separable data stay finite', () => {
    const rng = createRandom(3);
    const x = Array.from({ length: 60 }, () => [rng.next(), rng.next(), rng.next()]);
    const y = x.map((r) => (r[0]! + 0.5 * r[1]! + 0.2 * rng.normal() > 0.8 ? 1 : 0));
    const lambda = 1;
    const fit = logisticRegression(x, y, lambda);
    const grad = [0, 0, 0, 0];
    x.forEach((r, i) => {
      const mu = 1 / (1 + Math.exp(-(fit.intercept + r.reduce((s, v, j) => s + v * fit.coefficients[j]!, 0))));
      grad[0] += mu - y[i]!;
      r.forEach((v, j) => { grad[j + 1] += (mu - y[i]!) * v; });
    });
    fit.coefficients.forEach((b, j) => { grad[j + 1] += lambda * b; });
    grad[0] += 1e-8 * fit.intercept;
    for (const g of grad) expect(Math.abs(g)).toBeLessThan(1e-8);
    expect(fit.coefficients[0]).toBeGreaterThan(fit.coefficients[1]!);
    expect(fit.coefficients[1]).toBeGreaterThan(Math.abs(fit.coefficients[2]!));
    const separable = logisticRegression([[0], [0.1], [0.9], [1]], [0, 0, 1, 1]);
    expect(separable.converged).toBe(true);
    expect(Number.isFinite(separable.coefficients[0])).toBe(true);
  });
});

/** Labelled reports whose anomalies show in patch only; novelty and consistency are noise. */
function patchOnlyExamples(n: number, seed = 1) {
  const rng = createRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const anomalous = i % 2 === 0;
    const c = (name: ComponentName, v: number) => ({ name, raw: v, calibrated: Math.min(1, Math.max(0, v)) });
    return {
      anomalous,
      components: [c('patch', (anomalous ? 0.45 : 0.25) + 0.1 * rng.normal()), c('novelty', 0.2 + 0.1 * rng.normal()), c('consistency', 0.2 + 0.1 * rng.normal())],
    };
  });
}

describe('fusion weights from labels', () => {
  const prior = { ...DEFAULT_FUSION_WEIGHTS };
  const fused = ['patch', 'novelty', 'consistency', 'reproducibility'] as const;

  test('with fewer than the minimum labels of a class the defaults stay', () => {
    const few = patchOnlyExamples(2 * MIN_LABELS_PER_CLASS - 2);
    const r = learnFusionWeights(few, prior, fused);
    expect(r.learnt).toBe(false);
    expect(r.weights).toEqual(prior);
    expect(r.reason).toMatch(/at least 5 of each/);
  });

  test('the informative component gains weight, shrunk toward the prior by n/(n + 20); the features keep their total, others their weight', () => {
    const examples = patchOnlyExamples(80);
    const r = learnFusionWeights(examples, prior, fused);
    expect(r.learnt).toBe(true);
    expect(r.features).toEqual(['patch', 'novelty', 'consistency']); // reproducibility is in no report
    expect(r.share).toBeCloseTo(40 / (40 + PRIOR_STRENGTH), 12);
    expect(r.weights.patch).toBeGreaterThan(prior.patch);
    expect(r.weights.novelty).toBeLessThan(prior.novelty);
    expect(r.weights.reproducibility).toBe(prior.reproducibility);
    expect(r.weights.patch + r.weights.novelty + r.weights.consistency).toBeCloseTo(prior.patch + prior.novelty + prior.consistency, 12);
    // Exactly the rule: share·(β⁺ᵢ/Σβ⁺)·mass + (1 − share)·prior.
    const beta = r.fit!.coefficients.map((b) => Math.max(0, b));
    const total = beta.reduce((s, b) => s + b, 0);
    expect(r.weights.patch).toBeCloseTo(r.share * (beta[0]! / total) * 1.0 + (1 - r.share) * prior.patch, 12);
  });

  test('a component high on every image lifts them all: the labels switch it off (weight 0)', () => {
    const examples = patchOnlyExamples(40, 5).map((e) => ({ ...e, components: e.components.map((c) => (c.name === 'consistency' ? { ...c, calibrated: 0.97 } : c)) }));
    const r = learnFusionWeights(examples, prior, fused);
    expect(r.learnt).toBe(true);
    expect(r.switchedOff).toContain('consistency');
    expect(r.weights.consistency).toBe(0);
    expect(r.weights.patch).toBeGreaterThan(0);
    // With the prior every fused score is lifted to 0.97: no ranking at all.
    expect(r.auroc!.prior).toBeCloseTo(0.5, 12);
    expect(r.auroc!.chosen).toBeGreaterThan(0.75);
    expect(r.reason).toMatch(/consistency switched off/);
  });

  test('labels that rank no better than the prior keep it', () => {
    const rng = createRandom(9);
    const noise = Array.from({ length: 30 }, (_, i) => ({
      anomalous: i % 2 === 0,
      components: (['patch', 'novelty', 'consistency'] as const).map((name) => ({ name, raw: 0, calibrated: 0.2 + 0.05 * rng.next() })),
    }));
    const r = learnFusionWeights(noise, prior, fused);
    if (r.learnt) expect(r.auroc!.chosen).toBeGreaterThan(r.auroc!.prior + 0.01 - 1e-12);
    else expect(r.weights).toEqual(prior);
  });

  test('re-fusing stored components follows the fusion rule', () => {
    const parts = [{ name: 'patch' as const, raw: 1, calibrated: 0.4 }, { name: 'novelty' as const, raw: 1, calibrated: 0.2 }];
    expect(refuse(parts, { patch: 0.5, novelty: 0.5 }, OPERATING.thresholds)).toBeCloseTo(0.3, 12);
    expect(refuse(parts, { patch: 1, novelty: 0 }, OPERATING.thresholds)).toBeCloseTo(0.4, 12);
    expect(refuse(parts, { patch: 0.5, novelty: 0.5 }, OPERATING.thresholds, ['patch'])).toBeCloseTo(0.4, 12);
  });
});

describe('operating thresholds from labels', () => {
  test('too few labels of a class: the current thresholds stay', () => {
    const r = chooseThresholds([0.1, 0.2, 0.8, 0.9], [false, false, true, true], OPERATING);
    expect(r.chosen).toBe(false);
    expect(r.operating).toEqual(OPERATING);
  });

  test('few normals: the F1-best midpoint (hand-computed), with a warning', () => {
    // Normals 0.10..0.35 and one at 0.62; anomalies 0.40..0.80 (sorted candidates are midpoints).
    const normals = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.62];
    const anomalies = [0.4, 0.45, 0.5, 0.55, 0.7, 0.8];
    const scores = [...normals, ...anomalies];
    const labels = [...normals.map(() => false), ...anomalies.map(() => true)];
    const r = chooseThresholds(scores, labels, OPERATING);
    // t in (0.35, 0.40]: TP 6, FP 1, FN 0 → F1 12/13; no other threshold does as well; midpoint 0.375.
    expect(r.chosen).toBe(true);
    expect(r.operating.thresholds.suspect).toBeCloseTo(0.375, 12);
    expect(r.metrics!.f1).toBeCloseTo(12 / 13, 12);
    expect(r.operating.source).toBe('feedback');
    expect(r.operating.calibrationSize).toBe(7);
    expect(r.operating.warning).toMatch(/7 held-out normals cannot resolve the declared suspect rate 0.05/);
    expect(r.operating.thresholds.anomalous).toBe(OPERATING.thresholds.anomalous);
    expect(r.constrained).toBe(false);
  });

  test('no change without a gain; among equally good thresholds the highest', () => {
    // F1 is 1 for every threshold in (0.3, 0.6]: the current 0.5 is among them and stays.
    const scores = [0.1, 0.15, 0.2, 0.25, 0.3, 0.6, 0.65, 0.7, 0.75, 0.8];
    const labels = scores.map((v) => v > 0.5);
    const kept = chooseThresholds(scores, labels, OPERATING);
    expect(kept).toMatchObject({ chosen: false, operating: OPERATING, metrics: { f1: 1 } });
    expect(kept.reason).toMatch(/already maximises F1/);
    // The same numbers on scores fused with new weights: re-validated by the labels, so now theirs.
    const revalidated = chooseThresholds(scores, labels, OPERATING, { weightsChanged: true });
    expect(revalidated).toMatchObject({ chosen: true, operating: { thresholds: OPERATING.thresholds, source: 'feedback', calibrationSize: 5 } });
    // From 0.9 the best F1 (1) is reached only at the midpoint 0.45: chosen.
    const moved = chooseThresholds(scores, labels, { ...OPERATING, thresholds: { suspect: 0.9, anomalous: 0.95 } });
    expect(moved.operating.thresholds.suspect).toBeCloseTo(0.45, 12);
    // Hand-computed: F1 is 2/3 both at 0.09 (TP 5, FP 5, FN 0) and at 0.33 (TP 4, FP 3, FN 1), less everywhere else: the higher.
    const tie = [0.05, 0.13, 0.21, 0.29, 0.37, 0.45, 0.53, 0.61, 0.69, 0.77, 0.85];
    const tieLabels = [false, true, false, false, true, true, true, false, true, false, false];
    expect(metricsAt(tie, tieLabels, 0.09).f1).toBeCloseTo(2 / 3, 12);
    expect(metricsAt(tie, tieLabels, 0.33).f1).toBeCloseTo(2 / 3, 12);
    const r = chooseThresholds(tie, tieLabels, { ...OPERATING, thresholds: { suspect: 0.95, anomalous: 0.97 } });
    expect(r.operating.thresholds.suspect).toBeCloseTo(0.33, 12);
    expect(r.metrics!.f1).toBeCloseTo(2 / 3, 12);
  });

  test('labels counted with weights: normals standing in for those now in the bank', () => {
    // Hand-computed at t = 0.5: TP 1 (0.6), FN 1 (0.4), FP 2 (the normal at 0.55, weight 2), TN 2 (0.3, weight 2).
    const m = weightedMetricsAt([0.6, 0.4, 0.55, 0.3], [true, true, false, false], [1, 1, 2, 2], 0.5);
    expect(m.f1).toBeCloseTo(2 / (2 + 2 + 1), 12);
    expect(m.falseAlarmRate).toBeCloseTo(0.5, 12);
    // Normals that count more push the F1-best threshold up.
    const scores = [0.3, 0.35, 0.42, 0.45, 0.5, 0.4, 0.47, 0.52, 0.55, 0.6];
    const labels = [false, false, false, false, false, true, true, true, true, true];
    const from = { ...OPERATING, thresholds: { suspect: 0.95, anomalous: 0.97 } };
    const plain = chooseThresholds(scores, labels, from);
    const weighted = chooseThresholds(scores, labels, from, { weights: labels.map((a) => (a ? 1 : 3)) });
    expect(weighted.operating.thresholds.suspect).toBeGreaterThan(plain.operating.thresholds.suspect);
    expect(weighted.metrics!.f1).toBeCloseTo(weightedMetricsAt(scores, labels, labels.map((a) => (a ? 1 : 3)), weighted.operating.thresholds.suspect).f1, 12);
  });

  test('enough normals: no threshold at or below the conformal bound of the declared suspect rate', () => {
    // 39 normals 0.01..0.39 and one at 0.6; anomalies at 0.45..0.95. α = 0.05, n = 40: k = ⌊0.05·41⌋ − 1 = 1, so the
    // bound is the 2nd largest normal score, 0.39: flagging the 0.6 normal is allowed (≤ α of normals), 0.39 is not.
    const normals = [...Array.from({ length: 39 }, (_, i) => (i + 1) / 100), 0.6];
    const anomalies = Array.from({ length: 11 }, (_, i) => 0.45 + i * 0.05);
    const scores = [...normals, ...anomalies];
    const labels = [...normals.map(() => false), ...anomalies.map(() => true)];
    const r = chooseThresholds(scores, labels, OPERATING);
    expect(r.constrained).toBe(true);
    expect(r.operating.thresholds.suspect).toBeGreaterThan(0.39);
    expect(r.operating.thresholds.suspect).toBeCloseTo(0.42, 12); // midpoint of 0.39 and 0.45: every anomaly, one normal
    expect(metricsAt(scores, labels, r.operating.thresholds.suspect).falseAlarmRate).toBeLessThanOrEqual(0.05);
    expect(r.operating.thresholds.anomalous).toBeGreaterThanOrEqual(r.operating.thresholds.suspect);
    // With a declared rate of 0.025 (39 normals resolve it; k = 0) the bound is the largest normal, 0.6: the threshold rises above it.
    const strict = chooseThresholds(scores, labels, { ...OPERATING, suspectRate: 0.025 });
    expect(strict.operating.thresholds.suspect).toBeGreaterThan(0.6);
    expect(metricsAt(scores, labels, strict.operating.thresholds.suspect).falseAlarmRate).toBe(0);
  });
});

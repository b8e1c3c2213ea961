import { isAnomalousLabel, LabelSchema, parseTargetKey, reportLabel, resolveLabel, targetKey } from '../../../lambdas/domain/feedback/feedback.js';
import { uncertaintyOf } from '../../../lambdas/domain/feedback/uncertainty.js';

const report = { kind: 'report' as const };
const region = { kind: 'region' as const, regionId: 4 };

describe('feedback labels', () => {
  test('confirm agrees with the verdict, reject says the opposite, relabel names the label', () => {
    expect(resolveLabel('confirm', report, 'normal')).toBe('normal');
    expect(resolveLabel('confirm', report, 'suspect')).toBe('anomalous');
    expect(resolveLabel('confirm', report, 'anomalous')).toBe('anomalous');
    expect(resolveLabel('reject', report, 'normal')).toBe('anomalous');
    expect(resolveLabel('reject', report, 'suspect')).toBe('normal');
    expect(resolveLabel('reject', report, 'normal', 'crack')).toBe('crack');
    expect(resolveLabel('relabel', report, 'normal', 'void')).toBe('void');
    expect(resolveLabel('relabel', report, 'anomalous', 'normal')).toBe('normal');
  });

  test('regions: confirm is a real defect, reject a false alarm', () => {
    expect(resolveLabel('confirm', region, 'normal')).toBe('anomalous');
    expect(resolveLabel('confirm', region, 'anomalous', 'crack')).toBe('crack');
    expect(resolveLabel('reject', region, 'anomalous')).toBe('normal');
  });

  test('a label that contradicts confirm/reject, or relabel without one, is refused', () => {
    expect(() => resolveLabel('confirm', report, 'normal', 'crack')).toThrow(/contradicts confirming a normal verdict/);
    expect(() => resolveLabel('reject', region, 'anomalous', 'crack')).toThrow(/contradicts rejecting a region/);
    expect(() => resolveLabel('relabel', report, 'normal')).toThrow(/relabel needs a label/);
  });

  test('labels: normal and anomalous in any case, defect classes as given, junk refused', () => {
    expect(LabelSchema.parse(' Normal ')).toBe('normal');
    expect(LabelSchema.parse('ANOMALOUS')).toBe('anomalous');
    expect(LabelSchema.parse('Blowhole')).toBe('Blowhole');
    expect(isAnomalousLabel('Blowhole')).toBe(true);
    expect(isAnomalousLabel('normal')).toBe(false);
    for (const bad of ['', '3d', 'a'.repeat(65), 'x;y']) expect(LabelSchema.safeParse(bad).success).toBe(false);
  });

  test('a report\'s label: its own judgement, else anomalous when a region was confirmed, else none', () => {
    expect(reportLabel([{ target: region, label: 'crack' }, { target: report, label: 'normal' }])).toBe('normal');
    expect(reportLabel([{ target: region, label: 'normal' }, { target: { kind: 'region', regionId: 5 }, label: 'crack' }])).toBe('anomalous');
    expect(reportLabel([{ target: region, label: 'normal' }])).toBeUndefined();
    expect(reportLabel([])).toBeUndefined();
  });

  test('targets as keys', () => {
    expect(targetKey(report)).toBe('report');
    expect(targetKey(region)).toBe('region:4');
    expect(parseTargetKey('region:4')).toEqual(region);
    expect(() => parseTargetKey('region:x')).toThrow();
  });
});

describe('uncertainty of a report (the review queue\'s order)', () => {
  const thresholds = { suspect: 0.5, anomalous: 0.9 };
  const agree = (score: number) => [{ name: 'patch', calibrated: score, weight: 0.6 }, { name: 'novelty', calibrated: score, weight: 0.4 }];

  test('margin to the nearest threshold; exp(−margin/0.1) when the components agree', () => {
    const u = uncertaintyOf({ score: 0.45, thresholds, components: agree(0.45) });
    expect(u.margin).toBeCloseTo(0.05, 12);
    expect(u.nearestThreshold).toBe('suspect');
    expect(u.disagreement).toBe(0);
    expect(u.uncertainty).toBeCloseTo(Math.exp(-0.5), 12);
    const high = uncertaintyOf({ score: 0.88, thresholds, components: agree(0.88) });
    expect(high.nearestThreshold).toBe('anomalous');
    expect(high.margin).toBeCloseTo(0.02, 12);
    expect(uncertaintyOf({ score: 0.5, thresholds, components: agree(0.5) }).uncertainty).toBe(1);
  });

  test('disagreement: the weight share voting against the fused decision halves the margin at most', () => {
    // Fused 0.3 (not flagged); patch (weight 0.6) at 0.55 would flag, novelty (0.4) would not: D = 0.6.
    const u = uncertaintyOf({ score: 0.3, thresholds, components: [{ name: 'patch', calibrated: 0.55, weight: 0.6 }, { name: 'novelty', calibrated: 0.0, weight: 0.4 }] });
    expect(u.disagreement).toBeCloseTo(0.6, 12);
    expect(u.effectiveMargin).toBeCloseTo(0.2 * (1 - 0.3), 12);
    expect(u.uncertainty).toBeCloseTo(Math.exp(-1.4), 12);
    // The same margin with agreeing components is less uncertain; a zero-weight component does not vote.
    expect(uncertaintyOf({ score: 0.3, thresholds, components: agree(0.3) }).uncertainty).toBeLessThan(u.uncertainty);
    expect(uncertaintyOf({ score: 0.3, thresholds, components: [...agree(0.3), { name: 'consistency', calibrated: 1, weight: 0 }] }).disagreement).toBe(0);
  });
});

import { operatingPoint } from '../../../lambdas/domain/scoring/operating.js';
import { calibrateConsistency } from '../../../lambdas/domain/scoring/calibration.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

const RATES = { suspectRate: 0.01, falseAlarmRate: 0.001 };

describe('the operating point from held-out normals', () => {
  test('with enough normals it is conformal: at most the declared share of fresh normals is flagged', () => {
    const r = createRandom(3);
    const draw = () => Math.min(1, Math.max(0, 0.2 + 0.08 * r.normal()));
    const calibration = Array.from({ length: 999 }, draw);
    const op = operatingPoint(calibration, RATES);
    expect(op).toMatchObject({ source: 'conformal', calibrationSize: 999, ...RATES });
    expect(op.warning).toBeUndefined();
    // k = ⌊0.01 · 1000⌋ − 1 = 9: the suspect threshold sits just above the 10th largest calibration score.
    const sorted = [...calibration].sort((a, b) => b - a);
    expect(op.thresholds.suspect).toBeGreaterThan(sorted[9]!);
    expect(op.thresholds.suspect).toBeLessThan(sorted[9]! + 1e-9);
    expect(calibration.filter((s) => s >= op.thresholds.suspect).length).toBe(9);
    // On 20,000 fresh normals from the same distribution the flagged share stays near 1 %.
    const fresh = Array.from({ length: 20000 }, draw);
    expect(fresh.filter((s) => s >= op.thresholds.suspect).length / fresh.length).toBeLessThan(0.015);
    expect(op.thresholds.anomalous).toBeGreaterThan(op.thresholds.suspect);
  });

  test('with too few normals it is extrapolated above every normal, with a warning that says how many are needed', () => {
    const op = operatingPoint([0.1, 0.12, 0.11, 0.15], RATES);
    expect(op.source).toBe('extrapolated');
    expect(op.warning).toMatch(/4 normal images.*1\.0 % needs 99 normals/);
    expect(op.thresholds.suspect).toBeGreaterThan(0.15);
    expect(op.thresholds.anomalous).toBeGreaterThan(op.thresholds.suspect);
    // Identical normals still leave a margin.
    const flat = operatingPoint([0.2, 0.2, 0.2], RATES);
    expect(flat.thresholds.suspect).toBeGreaterThan(0.2 + 0.02);
  });
});

describe('consistency against what normal images show', () => {
  test('severity beyond the normals counts: none of it is 0, one warning more is 0.5', () => {
    expect(calibrateConsistency(1, undefined)).toBe(0.5);
    expect(calibrateConsistency(0, [0, 0, 0])).toBe(0);
    const normals = Array.from({ length: 20 }, () => 1); // a rule that fires on every normal of this material
    expect(calibrateConsistency(1, normals)).toBe(0);
    expect(calibrateConsistency(2, normals)).toBe(0.5);
    expect(calibrateConsistency(5, normals)).toBeCloseTo(1 - 2 ** -4, 12);
  });
});

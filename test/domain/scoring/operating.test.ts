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

  test('a rate finer than the normals resolve is extrapolated from their upper tail: heavy tails keep close to the declared rate', () => {
    // Scores with an exponential tail, as fused scores of normals have (one component alone lifts them).
    const r = createRandom(7);
    const draw = () => 0.1 + 0.05 * -Math.log(1 - r.next());
    const fresh = Array.from({ length: 100_000 }, draw);
    const shares: number[] = [];
    for (let trial = 0; trial < 100; trial++) {
      const op = operatingPoint(Array.from({ length: 40 }, draw), RATES);
      expect(op.source).toBe('extrapolated');
      expect(op.warning).toMatch(/40 normal images: thresholds extrapolated from a fit of their upper tail .*0\.10 % needs 999 normals/);
      shares.push(fresh.filter((s) => s >= op.thresholds.anomalous).length / fresh.length);
    }
    // Declared 0.1 %; a normal fit (mean + 3.09 sd = 0.30 here) would let through exp(−4.09) ≈ 1.7 %.
    expect(shares.reduce((a, b) => a + b) / shares.length).toBeLessThan(0.004);
  });

  test('with too few normals it is extrapolated above every normal, with a warning that says how many are needed', () => {
    const op = operatingPoint([0.1, 0.12, 0.11, 0.15], RATES);
    expect(op.source).toBe('extrapolated');
    expect(op.warning).toMatch(/4 normal images: thresholds extrapolated from a normal fit .*1\.0 % needs 99 normals/);
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

import {
  anomalyLevel, anomalyLevelInterval, conformalCalibration, conformalPValue, conformalResolution, conformalThreshold,
  minimumCalibrationSize,
} from '../../../lambdas/domain/decision/conformal.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

const nine = [5, 3, 9, 1, 7, 2, 8, 4, 6]; // 1..9, unsorted on purpose

describe('conformal p-value', () => {
  it('is (1 + #{sᵢ ≥ s})/(n + 1), counting ties against the new score', () => {
    expect(conformalPValue(10, nine)).toBeCloseTo(1 / 10, 15);
    expect(conformalPValue(9, nine)).toBeCloseTo(2 / 10, 15); // the tie with 9 counts
    expect(conformalPValue(5, nine)).toBeCloseTo(6 / 10, 15); // 5..9
    expect(conformalPValue(4.5, nine)).toBeCloseTo(6 / 10, 15);
    expect(conformalPValue(0, nine)).toBe(1);
    expect(anomalyLevel(10, nine)).toBeCloseTo(0.9, 15);
    const cal = conformalCalibration(nine);
    expect(conformalPValue(5, cal)).toBe(conformalPValue(5, nine));
    expect(conformalPValue(1, [])).toBe(1);
    expect(() => conformalCalibration([1, NaN])).toThrow(RangeError);
  });

  it('has resolution 1/(n + 1)', () => {
    expect(conformalResolution(9)).toBeCloseTo(0.1, 15);
    expect(conformalResolution(0)).toBe(1);
    expect(conformalPValue(Infinity, nine)).toBeCloseTo(conformalResolution(nine.length), 15);
  });

  it('is valid: a new normal score gets p ≤ α at most α of the time (seeded simulation)', () => {
    const random = createRandom(7);
    for (const [n, alpha] of [[49, 0.1], [19, 0.05]] as const) {
      let alarms = 0;
      const trials = 4000;
      for (let t = 0; t < trials; t++) {
        const normals = Array.from({ length: n }, () => random.logNormal(1, 0.5));
        if (conformalPValue(random.logNormal(1, 0.5), normals) <= alpha) alarms++;
      }
      // Exactly α for continuous scores when α(n + 1) is an integer; 4000 trials give sd ≈ 0.005.
      expect(Math.abs(alarms / trials - alpha)).toBeLessThan(0.015);
    }
  });
});

describe('conformalThreshold', () => {
  it('alarms exactly when p ≤ α and reports the achieved rate', () => {
    const cal = Array.from({ length: 19 }, (_, i) => i + 1); // 1..19
    const t = conformalThreshold(cal, 0.1);
    expect(t.resolvable).toBe(true);
    if (!t.resolvable) return;
    // k = ⌊0.1·20⌋ − 1 = 1: strictly above the 2nd largest (18)
    expect(t.threshold).toBe(18);
    expect(t.achievedAlpha).toBeCloseTo(0.1, 15);
    expect(conformalPValue(18, cal)).toBeGreaterThan(0.1);
    expect(conformalPValue(18.0001, cal)).toBeLessThanOrEqual(0.1);
    const t2 = conformalThreshold(cal, 0.12); // ⌊2.4⌋ − 1 = 1: same threshold, achieved 0.1 < 0.12
    expect(t2.resolvable && t2.achievedAlpha).toBeCloseTo(0.1, 15);
  });

  it('matches brute force on p-values, with ties, for many n and α', () => {
    const random = createRandom(3);
    for (let trial = 0; trial < 200; trial++) {
      const n = random.int(1, 60);
      const cal = Array.from({ length: n }, () => random.int(0, 10)); // many ties
      const alpha = random.uniform(0.005, 0.5);
      const t = conformalThreshold(cal, alpha);
      for (let s = -1; s <= 11; s += 0.5) {
        const alarm = conformalPValue(s, cal) <= alpha;
        expect(s > t.threshold).toBe(alarm);
      }
    }
  });

  it('warns when n is too small to resolve α (n ≥ 1/α − 1)', () => {
    expect(minimumCalibrationSize(0.1)).toBe(9);
    expect(minimumCalibrationSize(0.01)).toBe(99);
    expect(minimumCalibrationSize(0.3)).toBe(3); // 1/0.3 − 1 = 2.33
    const small = conformalThreshold(Array.from({ length: 8 }, (_, i) => i), 0.1);
    expect(small.resolvable).toBe(false);
    expect(small.threshold).toBe(Infinity);
    if (!small.resolvable) {
      expect(small.minimumN).toBe(9);
      expect(small.warning).toContain('at least 9 normal images');
    }
    const enough = conformalThreshold(Array.from({ length: 9 }, (_, i) => i), 0.1);
    // n = 9 just resolves 0.1: only a score strictly above every normal (max 8) gets p = 1/10
    expect(enough.resolvable && enough.threshold).toBe(8);
  });
});

describe('anomalyLevelInterval (Clopper-Pearson on the tail probability)', () => {
  it('matches the closed forms at m = 0 and m = n', () => {
    const cal = Array.from({ length: 10 }, (_, i) => i);
    const above = anomalyLevelInterval(100, cal, 0.9);
    expect(above.pValue).toBeCloseTo(1 / 11, 15);
    expect(above.level).toBeCloseTo(10 / 11, 15);
    expect(above.upper).toBe(1);
    // q_upper = 1 − 0.05^(1/10): the tail could still be 26 % with only 10 normals.
    expect(above.lower).toBeCloseTo(0.05 ** 0.1, 10);
    const below = anomalyLevelInterval(-1, cal, 0.9);
    expect(below.level).toBe(0);
    expect(below.lower).toBe(0);
    expect(below.upper).toBeCloseTo(1 - 0.05 ** 0.1, 10);
  });

  it('contains the level, narrows with n, and covers the true tail at least at the nominal rate', () => {
    const random = createRandom(11);
    let covered = 0;
    const trials = 600;
    for (let t = 0; t < trials; t++) {
      const cal = Array.from({ length: 30 }, () => random.next());
      const i = anomalyLevelInterval(0.8, cal, 0.9); // uniform normals: true level = 1 − P(U ≥ 0.8) = 0.8
      expect(i.lower).toBeLessThanOrEqual(i.level + 1e-12);
      expect(i.upper).toBeGreaterThanOrEqual(i.level - 1e-12);
      if (i.lower <= 0.8 && 0.8 <= i.upper) covered++;
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.89);
    const wide = anomalyLevelInterval(0.8, Array.from({ length: 20 }, (_, k) => k / 20));
    const narrow = anomalyLevelInterval(0.8, Array.from({ length: 2000 }, (_, k) => k / 2000));
    expect(narrow.upper - narrow.lower).toBeLessThan((wide.upper - wide.lower) / 5);
  });
});

import {
  crossValidateRidge, enoughHistory, fadeRateTarget, fitRidge, fitRidgeCv, retentionFromFadeRate, retentionInterval,
  ridgeLooMse, selectRidgeLambda,
} from '../../../lambdas/domain/decision/forecast.js';
import { studentTQuantile } from '../../../lambdas/domain/decision/special.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

describe('ridge regression', () => {
  it('is ordinary least squares at λ = 0 (exact line, zero residual)', () => {
    const m = fitRidge([[0], [1], [2], [3]], [1, 3, 5, 7], 0);
    expect(m.intercept).toBeCloseTo(1, 12);
    expect(m.coefficients[0]).toBeCloseTo(2, 12);
    expect(m.predict([10])).toBeCloseTo(21, 11);
    expect(m.residualVariance).toBeCloseTo(0, 20);
    expect(m.effectiveDf).toBeCloseTo(2, 12);
  });

  it('gives the textbook OLS prediction interval at λ = 0', () => {
    const x = [1, 2, 3, 4, 5, 6];
    const y = [1.1, 1.9, 3.2, 3.8, 5.3, 5.9];
    const m = fitRidge(x.map((v) => [v]), y, 0);
    // hand: x̄ = 3.5, Sxx = 17.5, b = Σ(x − x̄)(y − ȳ)/Sxx, s² = RSS/(n − 2), se = s√(1 + 1/n + (x₀ − x̄)²/Sxx)
    const yBar = y.reduce((a, b) => a + b) / 6;
    const b = x.reduce((s, v, i) => s + (v - 3.5) * (y[i] - yBar), 0) / 17.5;
    const rss = x.reduce((s, v, i) => s + (y[i] - (yBar + b * (v - 3.5))) ** 2, 0);
    const s2 = rss / 4;
    const x0 = 8;
    const se = Math.sqrt(s2 * (1 + 1 / 6 + (x0 - 3.5) ** 2 / 17.5));
    const t = studentTQuantile(0.975, 4);
    const p = m.predictInterval([x0], 0.95);
    expect(m.coefficients[0]).toBeCloseTo(b, 12);
    expect(m.residualDf).toBeCloseTo(4, 12);
    expect(p.mean).toBeCloseTo(yBar + b * (x0 - 3.5), 12);
    expect(p.se).toBeCloseTo(se, 12);
    expect(p.upper - p.mean).toBeCloseTo(t * se, 10);
    expect(p.mean - p.lower).toBeCloseTo(t * se, 10);
  });

  it('shrinks the standardised coefficient to Σzy/(Σz² + λ)', () => {
    const x = [[2], [4], [6], [8]];
    const y = [3, 4, 8, 9];
    // population sd of x = √5, z = (−3, −1, 1, 3)/√5, Σz² = 4, Σz(y − ȳ) = (−3·−3 − 1·−2 + 1·2 + 3·3)/√5 = 22/√5
    const lambda = 2;
    const m = fitRidge(x, y, lambda);
    const betaZ = 22 / Math.sqrt(5) / (4 + lambda);
    expect(m.coefficients[0]).toBeCloseTo(betaZ / Math.sqrt(5), 12);
    expect(m.intercept).toBeCloseTo(6 - (betaZ / Math.sqrt(5)) * 5, 12);
    expect(Math.abs(fitRidge(x, y, 20).coefficients[0])).toBeLessThan(Math.abs(m.coefficients[0]));
  });

  it('ignores a constant feature and refuses collinear features at λ = 0', () => {
    const m = fitRidge([[0, 5], [1, 5], [2, 5]], [1, 2, 3], 0);
    expect(m.coefficients[1]).toBe(0);
    expect(m.coefficients[0]).toBeCloseTo(1, 12);
    expect(() => fitRidge([[1, 2], [2, 4], [3, 6]], [1, 2, 3], 0)).toThrow(/collinear/);
    expect(fitRidge([[1, 2], [2, 4], [3, 6]], [1, 2, 3], 0.1).coefficients.every(Number.isFinite)).toBe(true);
  });
});

describe('choosing λ', () => {
  it('computes exact leave-one-out error without refitting (λ = 0 against brute force)', () => {
    const random = createRandom(12);
    const x = Array.from({ length: 15 }, () => [random.normal(), random.normal()]);
    const y = x.map(([a, b]) => 1 + 2 * a - b + 0.3 * random.normal());
    let brute = 0;
    for (let i = 0; i < x.length; i++) {
      const m = fitRidge(x.filter((_, j) => j !== i), y.filter((_, j) => j !== i), 0);
      brute += (y[i] - m.predict(x[i])) ** 2;
    }
    expect(ridgeLooMse(x, y, 0)).toBeCloseTo(brute / x.length, 10);
  });

  it('shrinks when features outnumber the signal and hardly at all on clean data', () => {
    const random = createRandom(13);
    // 12 rows, 8 noise features, one weak real effect: heavy shrinkage predicts better
    const noisy = Array.from({ length: 12 }, () => Array.from({ length: 8 }, () => random.normal()));
    const yNoisy = noisy.map((r) => 0.2 * r[0] + random.normal());
    expect(selectRidgeLambda(noisy, yNoisy).lambda).toBeGreaterThan(1);
    const clean = Array.from({ length: 30 }, () => [random.normal(), random.normal()]);
    const yClean = clean.map(([a, b]) => 3 * a - 2 * b + 0.01 * random.normal());
    expect(selectRidgeLambda(clean, yClean).lambda).toBeLessThan(0.01 * 30);
    expect(fitRidgeCv(clean, yClean).coefficients[0]).toBeCloseTo(3, 2);
  });

  it('cross-validates with near-nominal coverage on a linear model with Gaussian noise', () => {
    const random = createRandom(14);
    const x = Array.from({ length: 150 }, () => [random.normal(), random.uniform(0, 5), random.normal()]);
    const y = x.map(([a, b, c]) => 2 + a - 0.5 * b + 0.2 * c + 0.5 * random.normal());
    const cv = crossValidateRidge(x, y, { folds: 5, confidence: 0.8, seed: 3 });
    expect(cv.predictions).toHaveLength(150);
    expect(cv.coverage).toBeGreaterThan(0.72);
    expect(cv.coverage).toBeLessThan(0.88);
    expect(cv.rmse).toBeCloseTo(0.5, 1);
    expect(cv.r2).toBeGreaterThan(0.6);
  });
});

describe('enoughHistory', () => {
  const batches = (cycles: number[]): { lastCycle: number }[] => cycles.map((lastCycle) => ({ lastCycle }));

  it('needs max(8, 3 × features) batches whose history reaches the cycle', () => {
    expect(enoughHistory(batches(new Array(8).fill(300)), 2, 300)).toEqual({ enough: true, available: 8, required: 8 });
    const short = enoughHistory(batches([...new Array(10).fill(300), 100, 100]), 4, 300);
    expect(short).toMatchObject({ enough: false, available: 10, required: 12 });
    if (!short.enough) {
      expect(short.reason).toBe('only 10 of 12 batches have capacity history up to cycle 300; a forecast from 4 features needs at least 12');
    }
    expect(enoughHistory(batches(new Array(12).fill(299)), 1, 300).enough).toBe(false);
  });
});

describe('fade-rate target', () => {
  it('linearises exponential fade and maps intervals back to retention', () => {
    const k = 2e-3;
    const r = Math.exp(-k * 150);
    expect(fadeRateTarget(r, 150)).toBeCloseTo(Math.log(k), 12);
    expect(retentionFromFadeRate(Math.log(k), 150)).toBeCloseTo(r, 14);
    const interval = retentionInterval({ mean: Math.log(k), lower: Math.log(k) - 0.2, upper: Math.log(k) + 0.2, se: 0.1, confidence: 0.9 }, 150);
    expect(interval.retention).toBeCloseTo(r, 14);
    expect(interval.lower).toBeCloseTo(Math.exp(-k * Math.exp(0.2) * 150), 14);
    expect(interval.upper).toBeCloseTo(Math.exp(-k * Math.exp(-0.2) * 150), 14);
    expect(Number.isFinite(fadeRateTarget(1.01, 10))).toBe(true);
  });
});

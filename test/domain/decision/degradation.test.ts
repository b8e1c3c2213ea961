import {
  degradationFeatures, expectedLogFadeRate, retentionAt, simulateDegradation, SYNTHETIC_DEGRADATION_MODEL,
  SYNTHETIC_FADE_PARAMETERS, trueLinearModel,
} from '../../../lambdas/domain/decision/degradation.js';
import {
  crossValidateRidge, enoughHistory, fadeRateTarget, fitRidgeCv, retentionInterval,
} from '../../../lambdas/domain/decision/forecast.js';

describe('synthetic degradation model', () => {
  it('labels every output synthetic and is reproducible from its seed', () => {
    const a = simulateDegradation({ count: 5, seed: 3, lastCycle: [100, 300] });
    expect(a.synthetic).toBe(true);
    expect(a.model).toBe(SYNTHETIC_DEGRADATION_MODEL);
    expect(a.description).toMatch(/not measured data/);
    for (const b of a.batches) {
      expect(b).toMatchObject({ synthetic: true, model: SYNTHETIC_DEGRADATION_MODEL });
      expect(b.lastCycle).toBeGreaterThanOrEqual(100);
      expect(b.lastCycle).toBeLessThanOrEqual(300);
      expect(b.cycles[b.cycles.length - 1]).toBe(b.lastCycle);
      expect(b.retention.every((r) => r > 0 && r <= 1)).toBe(true);
    }
    expect(simulateDegradation({ count: 5, seed: 3, lastCycle: [100, 300] })).toEqual(a);
    expect(simulateDegradation({ count: 5, seed: 4, lastCycle: [100, 300] })).not.toEqual(a);
  });

  it('follows retention = exp(−k·c) with the documented effects of each metric', () => {
    const base = { porosity: 0.6, sulfurLoading: 4, particleSize: 5, crackDensity: 0 };
    expect(expectedLogFadeRate(base)).toBeCloseTo(Math.log(1.5e-3), 14);
    expect(expectedLogFadeRate({ ...base, porosity: 0.7 })).toBeCloseTo(Math.log(1.5e-3) - 0.3, 14);
    expect(expectedLogFadeRate({ ...base, sulfurLoading: 8 })).toBeCloseTo(Math.log(1.5e-3) + 0.8 * Math.log(2), 14);
    expect(expectedLogFadeRate({ ...base, crackDensity: 10 })).toBeCloseTo(Math.log(1.5e-3) + 0.25, 14);
    const { intercept, coefficients } = trueLinearModel();
    const m = { porosity: 0.52, sulfurLoading: 6.1, particleSize: 2.2, crackDensity: 17 };
    const linear = intercept + degradationFeatures(m).reduce((s, v, i) => s + v * coefficients[i], 0);
    expect(linear).toBeCloseTo(expectedLogFadeRate(m), 12);
    const batch = simulateDegradation({ count: 1, seed: 9 }).batches[0];
    // measurement noise is 0.3 %: each point within 5σ of the noiseless curve
    batch.cycles.forEach((c, i) => expect(Math.abs(batch.retention[i] / Math.exp(-batch.fadeRate * c) - 1)).toBeLessThan(0.015));
  });
});

describe('forecasting the synthetic model', () => {
  const cycle = 200;
  const dataset = (seed: number): { x: number[][]; y: number[] } => {
    const batches = simulateDegradation({ count: 200, seed }).batches;
    return {
      x: batches.map((b) => degradationFeatures(b.metrics)),
      y: batches.map((b) => fadeRateTarget(retentionAt(b, cycle)!, cycle)),
    };
  };

  it('recovers the model: out-of-fold R² high, 90 % intervals near nominal, coefficients close to the truth', () => {
    let covered = 0;
    let total = 0;
    for (const seed of [1, 2, 3]) {
      const { x, y } = dataset(seed);
      const cv = crossValidateRidge(x, y, { folds: 10, confidence: 0.9, seed });
      // ln k varies with variance ≈ 0.34 across batches; unexplained scatter is σ_b² = 0.01: R² ≈ 0.97
      expect(cv.r2).toBeGreaterThan(0.93);
      covered += cv.coverage * cv.predictions.length;
      total += cv.predictions.length;
    }
    expect(covered / total).toBeGreaterThan(0.86);
    expect(covered / total).toBeLessThan(0.94);
    const { x, y } = dataset(4);
    const model = fitRidgeCv(x, y);
    const truth = trueLinearModel();
    const tolerance = [0.3, 0.08, 0.05, 0.004]; // ≈ 3 standard errors for 200 batches
    model.coefficients.forEach((c, i) => expect(Math.abs(c - truth.coefficients[i])).toBeLessThan(tolerance[i]));
    expect(Math.sqrt(model.residualVariance)).toBeCloseTo(SYNTHETIC_FADE_PARAMETERS.batchSigma, 1);
  });

  it('forecasts a new batch only with enough history, with a retention interval that holds its outcome', () => {
    const history = simulateDegradation({ count: 30, seed: 5, lastCycle: [100, 400] }).batches;
    const check = enoughHistory(history, 4, 300);
    const usable = history.filter((b) => b.lastCycle >= 300);
    expect(check.available).toBe(usable.length);
    expect(check.enough).toBe(usable.length >= 12);
    const train = simulateDegradation({ count: 60, seed: 6 }).batches;
    const model = fitRidgeCv(train.map((b) => degradationFeatures(b.metrics)), train.map((b) => fadeRateTarget(retentionAt(b, 300)!, 300)));
    const fresh = simulateDegradation({ count: 40, seed: 7 }).batches;
    let inside = 0;
    for (const b of fresh) {
      const interval = retentionInterval(model.predictInterval(degradationFeatures(b.metrics), 0.9), 300);
      expect(interval.lower).toBeLessThan(interval.upper);
      if (retentionAt(b, 300)! >= interval.lower && retentionAt(b, 300)! <= interval.upper) inside++;
    }
    expect(inside / fresh.length).toBeGreaterThan(0.75);
  });
});

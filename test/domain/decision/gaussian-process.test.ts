import { expectedImprovement } from '../../../lambdas/domain/decision/bayes-opt.js';
import {
  fitGp, logMarginalLikelihood, matern52, optimizeHyperparameters, type GpHyperparameters,
} from '../../../lambdas/domain/decision/gaussian-process.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

describe('Matérn 5/2 ARD kernel', () => {
  it('has the closed form σ²(1 + √5r + 5r²/3)e^(−√5r) and ignores inputs with long length-scales', () => {
    const r = Math.hypot(0.3 / 0.5, 0.4 / 2);
    const expected = 1.7 * (1 + Math.sqrt(5) * r + (5 / 3) * r * r) * Math.exp(-Math.sqrt(5) * r);
    expect(matern52([0.1, 0.2], [0.4, 0.6], [0.5, 2], 1.7)).toBeCloseTo(expected, 14);
    expect(matern52([1, 2], [1, 2], [0.3, 0.3], 2.5)).toBe(2.5);
    expect(matern52([0, 0], [0, 5], [1, 1e9], 1)).toBeCloseTo(1, 12);
  });
});

describe('GP posterior', () => {
  const hyper: GpHyperparameters = { lengthScales: [0.7], signalVariance: 1, noiseVariance: 1e-10 };

  it('interpolates its training points (near-zero noise) with near-zero variance there', () => {
    const xs = [[0], [0.5], [1.3], [2], [3.1]];
    const ys = [0.3, -1, 2, 0.5, 1.1];
    const gp = fitGp(xs, ys, hyper);
    xs.forEach((x, i) => {
      const p = gp.predict(x);
      expect(p.mean).toBeCloseTo(ys[i], 6);
      expect(p.variance).toBeLessThan(1e-8);
    });
    // far from the data: the prior (mean 0, variance σ²)
    const far = gp.predict([50]);
    expect(far.mean).toBeCloseTo(0, 10);
    expect(far.variance).toBeCloseTo(1, 10);
    // with normalisation the far prediction reverts to the target mean instead
    const normalised = fitGp(xs, ys, hyper, { normalize: true });
    expect(normalised.predict([50]).mean).toBeCloseTo(ys.reduce((a, b) => a + b) / ys.length, 10);
    expect(normalised.predict([1.3]).mean).toBeCloseTo(2, 6);
  });

  it('recovers sin on [0, 2π] from 12 noisy samples with fitted hyperparameters', () => {
    const random = createRandom(21);
    const xs = Array.from({ length: 12 }, (_, i) => [(2 * Math.PI * (i + random.uniform(0.2, 0.8))) / 12]);
    const ys = xs.map(([x]) => Math.sin(x) + 0.01 * random.normal());
    const fitted = optimizeHyperparameters(xs, ys, { random: createRandom(1) });
    const gp = fitGp(xs, ys, fitted.hyper);
    let worst = 0;
    let inside = 0;
    const grid = Array.from({ length: 60 }, (_, i) => 0.3 + (i * (2 * Math.PI - 0.6)) / 59);
    for (const x of grid) {
      const p = gp.predict([x]);
      worst = Math.max(worst, Math.abs(p.mean - Math.sin(x)));
      if (Math.abs(p.mean - Math.sin(x)) <= 2 * Math.sqrt(p.variance) + 0.02) inside++;
    }
    expect(worst).toBeLessThan(0.05);
    expect(inside / grid.length).toBeGreaterThan(0.9);
  });
});

describe('log marginal likelihood', () => {
  it('matches the hand-computed value for two points', () => {
    // x = 0 and 1, y = (1, −1), ℓ = 0.5, σ² = 2, σₙ² = 0.1: r = 2,
    // K = [[2.1, k], [k, 2.1]], k = 2(1 + 2√5 + 20/3)e^(−2√5); yᵀK⁻¹y = (2.1 + 2.1 + 2k)/det, det = 2.1² − k².
    const k = 2 * (1 + 2 * Math.sqrt(5) + 20 / 3) * Math.exp(-2 * Math.sqrt(5));
    const det = 2.1 * 2.1 - k * k;
    const expected = -0.5 * (4.2 + 2 * k) / det - 0.5 * Math.log(det) - Math.log(2 * Math.PI);
    const h = { lengthScales: [0.5], signalVariance: 2, noiseVariance: 0.1 };
    expect(logMarginalLikelihood([[0], [1]], [1, -1], h)).toBeCloseTo(expected, 12);
    expect(fitGp([[0], [1]], [1, -1], h).logMarginalLikelihood).toBeCloseTo(expected, 12);
  });

  it('is increased by the hyperparameter fit, which also finds the irrelevant input', () => {
    const random = createRandom(4);
    const xs = Array.from({ length: 25 }, () => [random.next(), random.next()]);
    const ys = xs.map(([a]) => Math.sin(6 * a)); // the second input does nothing
    const start: GpHyperparameters = { lengthScales: [0.3, 0.3], signalVariance: 1, noiseVariance: 1e-4 };
    const before = logMarginalLikelihood(xs, ys, start, { normalize: true });
    const fitted = optimizeHyperparameters(xs, ys, { random: createRandom(2), normalize: true, initial: start });
    expect(fitted.logMarginalLikelihood).toBeGreaterThan(before + 1);
    expect(logMarginalLikelihood(xs, ys, fitted.hyper, { normalize: true })).toBeCloseTo(fitted.logMarginalLikelihood, 8);
    expect(fitted.hyper.lengthScales[1]).toBeGreaterThan(5 * fitted.hyper.lengthScales[0]);
  });
});

describe('expectedImprovement', () => {
  it('matches the hand-computed value', () => {
    // μ = 1, σ = 2, best = 0.5, ξ = 0.1: gain 0.4, z = 0.2, Φ(0.2) = 0.579259709439103, φ(0.2) = 0.391042693975456
    expect(expectedImprovement(1, 2, 0.5, 0.1)).toBeCloseTo(0.4 * 0.579259709439103 + 2 * 0.391042693975456, 12);
    // below the incumbent: only the σφ term and a negative gain
    expect(expectedImprovement(0, 1, 1, 0)).toBeCloseTo(-1 * 0.15865525393145707 + 0.24197072451914337, 12);
    expect(expectedImprovement(2, 0, 1, 0.5)).toBe(0.5);
    expect(expectedImprovement(0.5, 0, 1, 0)).toBe(0);
  });

  it('grows with the mean and with the uncertainty', () => {
    expect(expectedImprovement(1.2, 0.5, 1)).toBeGreaterThan(expectedImprovement(1.1, 0.5, 1));
    expect(expectedImprovement(0.8, 0.6, 1)).toBeGreaterThan(expectedImprovement(0.8, 0.3, 1));
  });
});

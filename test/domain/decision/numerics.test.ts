import { cholesky, choleskySolve, choleskyWithJitter, inverseSpd, logDetFromCholesky } from '../../../lambdas/domain/decision/linalg.js';
import { nelderMead } from '../../../lambdas/domain/decision/nelder-mead.js';
import {
  betaQuantile, logGamma, normalCdf, normalPdf, normalQuantile, regularizedBeta, studentTCdf, studentTQuantile,
} from '../../../lambdas/domain/decision/special.js';

describe('special functions', () => {
  it('match published values of Γ, Φ, Φ⁻¹ and Student t quantiles', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 11);
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 11);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 13);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 15);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalPdf(0)).toBeCloseTo(0.3989422804014327, 15);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 10);
    expect(normalQuantile(0.05)).toBeCloseTo(-1.6448536269514722, 10);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228138851986274, 9);
    expect(studentTQuantile(0.95, 3)).toBeCloseTo(2.353363434801823, 9);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706204736174698, 7);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.228138851986274, 9);
    expect(studentTCdf(2.228138851986274, 10)).toBeCloseTo(0.975, 12);
  });

  it('gives the Beta CDF and quantile of closed-form cases', () => {
    // Beta(2, 3) is the 2nd smallest of 4 uniforms: P(X ≤ x) = 1 − (1 − x)⁴ − 4x(1 − x)³.
    const exact = (x: number): number => 1 - (1 - x) ** 4 - 4 * x * (1 - x) ** 3;
    for (const x of [0.05, 0.4, 0.77, 0.99]) expect(regularizedBeta(x, 2, 3)).toBeCloseTo(exact(x), 13);
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    // Beta(1, n) quantile: 1 − (1 − p)^(1/n); Beta(n, 1): p^(1/n).
    expect(betaQuantile(0.95, 1, 10)).toBeCloseTo(1 - 0.05 ** 0.1, 12);
    expect(betaQuantile(0.05, 10, 1)).toBeCloseTo(0.05 ** 0.1, 12);
    expect(betaQuantile(0.5, 3, 3)).toBeCloseTo(0.5, 12);
  });
});

describe('linear algebra', () => {
  const a = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
  it('factorises, solves and inverts a symmetric positive definite matrix', () => {
    const l = cholesky(a, 3)!;
    // L Lᵀ = A
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += l[i * 3 + k] * l[j * 3 + k];
        expect(s).toBeCloseTo(a[i * 3 + j], 12);
      }
    }
    const x = choleskySolve(l, 3, [1, 2, 3]);
    for (let i = 0; i < 3; i++) expect(a[i * 3] * x[0] + a[i * 3 + 1] * x[1] + a[i * 3 + 2] * x[2]).toBeCloseTo(i + 1, 12);
    // det A = 4(15 − 1) − 2(6 − 0.6) + 0.6(2 − 3) = 56 − 10.8 − 0.6 = 44.6
    expect(Math.exp(logDetFromCholesky(l, 3))).toBeCloseTo(44.6, 10);
    const inv = inverseSpd(a, 3);
    expect(inv[0] * a[0] + inv[1] * a[3] + inv[2] * a[6]).toBeCloseTo(1, 12);
  });

  it('refuses an indefinite matrix and rescues a singular one with jitter', () => {
    expect(cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toBeNull();
    const singular = Float64Array.from([1, 1, 1, 1]);
    const { jitter } = choleskyWithJitter(singular, 2);
    expect(jitter).toBeGreaterThan(0);
    expect(jitter).toBeLessThan(1e-6);
  });
});

describe('nelderMead', () => {
  it('finds the Rosenbrock minimum and respects a projection', () => {
    const rosenbrock = (x: Float64Array): number => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2;
    const free = nelderMead(rosenbrock, [-1.2, 1], { maxEvaluations: 2000 });
    expect(free.x[0]).toBeCloseTo(1, 3);
    expect(free.x[1]).toBeCloseTo(1, 3);
    const boxed = nelderMead(rosenbrock, [0, 0], { project: (x) => x.map((v) => Math.min(0.5, Math.max(-2, v))), maxEvaluations: 2000 });
    expect(boxed.x[0]).toBeLessThanOrEqual(0.5);
    expect(boxed.x[0]).toBeCloseTo(0.5, 3);
    expect(boxed.x[1]).toBeCloseTo(0.25, 3);
  });
});

import {
  ahpWeights, analyseAhp, matrixFromWeights, pairwiseMatrixProblem, principalEigenvector, RANDOM_INDEX,
} from '../../../lambdas/domain/decision/ahp.js';
import { MmdoError } from '../../../lambdas/domain/errors.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

describe('AHP principal eigenvector', () => {
  // The classic 3×3 example (judgements 3, 5, 3 on Saaty's scale); published weights 0.637, 0.258, 0.105, CR 0.033.
  const a = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]];

  it('matches the hand-computed eigenpair of a 3×3 reciprocal matrix', () => {
    // For a reciprocal 3×3 matrix det(A − λI) = (1 − λ)³ − 3(1 − λ) + r + 1/r with r = a₁₂a₂₃/a₁₃, whose largest
    // root is λ = 1 + r^(1/3) + r^(−1/3). The eigenvector is orthogonal to the first two rows of A − λI: their cross product.
    const r = (3 * 3) / 5;
    const lambda = 1 + Math.cbrt(r) + 1 / Math.cbrt(r);
    const r1 = [1 - lambda, 3, 5];
    const r2 = [1 / 3, 1 - lambda, 3];
    const cross = [r1[1] * r2[2] - r1[2] * r2[1], r1[2] * r2[0] - r1[0] * r2[2], r1[0] * r2[1] - r1[1] * r2[0]];
    const sum = cross[0] + cross[1] + cross[2];
    const expected = cross.map((v) => v / sum);
    const result = analyseAhp(a, { labels: ['patch', 'novelty', 'consistency'] });
    expect(result.lambdaMax).toBeCloseTo(lambda, 10);
    result.weights.forEach((w, i) => expect(w).toBeCloseTo(expected[i], 10));
    // published figures
    expect(result.weights.map((w) => Number(w.toFixed(3)))).toEqual([0.637, 0.258, 0.105]);
    expect(result.consistencyIndex).toBeCloseTo((lambda - 3) / 2, 10);
    expect(result.randomIndex).toBe(0.58);
    expect(result.consistencyRatio).toBeCloseTo((lambda - 3) / 2 / 0.58, 10);
    expect(result.consistencyRatio).toBeCloseTo(0.033, 3);
    expect(result.accepted).toBe(true);
    expect(result.reason).toBeUndefined();
  });

  it('converges to A w = λ w on a random reciprocal 7×7 matrix', () => {
    const random = createRandom(5);
    const n = 7;
    const m = Array.from({ length: n }, () => new Array<number>(n).fill(1));
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const v = random.pick([1 / 9, 1 / 5, 1 / 3, 1, 2, 3, 5, 7, 9]);
        m[i][j] = v;
        m[j][i] = 1 / v;
      }
    }
    const { weights, lambdaMax } = principalEigenvector(m);
    expect(weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
    expect(lambdaMax).toBeGreaterThan(n);
    for (let i = 0; i < n; i++) {
      const aw = m[i].reduce((s, v, j) => s + v * weights[j], 0);
      expect(aw).toBeCloseTo(lambdaMax * weights[i], 9);
    }
  });

  it("uses Saaty's random index table", () => {
    expect(RANDOM_INDEX).toEqual([0, 0, 0.58, 0.9, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49]);
  });
});

describe('consistent matrices from weights', () => {
  it('round-trips the default fusion weights with CR 0', () => {
    const names = ['patch', 'novelty', 'consistency'] as const;
    const defaults = { patch: 0.6, novelty: 0.25, consistency: 0.15 }; // the product's default fusion weights
    const m = matrixFromWeights(names.map((k) => defaults[k]));
    expect(m[0][1]).toBeCloseTo(0.6 / 0.25, 14);
    const w = ahpWeights(names, m);
    expect(w.patch).toBeCloseTo(0.6, 12);
    expect(w.novelty).toBeCloseTo(0.25, 12);
    expect(w.consistency).toBeCloseTo(0.15, 12);
    const analysis = analyseAhp(m);
    expect(analysis.lambdaMax).toBeCloseTo(3, 12);
    expect(analysis.consistencyRatio).toBeCloseTo(0, 12);
    // unnormalised weights give the same matrix
    expect(matrixFromWeights([6, 2.5, 1.5])[1][2]).toBeCloseTo(2.5 / 1.5, 14);
  });

  it('gives CR 0 for every 1×1 and 2×2 matrix', () => {
    expect(analyseAhp([[1]]).weights).toEqual([1]);
    const two = analyseAhp([[1, 9], [1 / 9, 1]]);
    expect(two.consistencyRatio).toBe(0);
    expect(two.weights[0]).toBeCloseTo(0.9, 12);
    expect(two.accepted).toBe(true);
  });
});

describe('rejection', () => {
  it('rejects CR > 0.1 naming the most inconsistent pair', () => {
    const m = matrixFromWeights([0.4, 0.3, 0.2, 0.1]);
    m[1][2] = 1 / 5; // b vs c reversed and exaggerated (consistent would be 1.5)
    m[2][1] = 5;
    const result = analyseAhp(m, { labels: ['porosity', 'loading', 'cracks', 'size'] });
    expect(result.accepted).toBe(false);
    expect(result.consistencyRatio).toBeGreaterThan(0.1);
    expect(result.mostInconsistentPair).toMatchObject({ i: 1, j: 2, labelI: 'loading', labelJ: 'cracks', judged: 0.2 });
    expect(result.reason).toContain('loading vs cracks');
    expect(result.reason).toContain('judged 1/5');
    expect(() => ahpWeights(['a', 'b', 'c', 'd'], m)).toThrow(MmdoError);
    // the same matrix passes under a looser limit
    expect(analyseAhp(m, { maxConsistencyRatio: 0.25 }).accepted).toBe(true);
  });

  it('rejects invalid matrices with a reason', () => {
    expect(pairwiseMatrixProblem([])).toContain('empty');
    expect(pairwiseMatrixProblem([[1, 2], [0.5]])).toContain('row 2');
    expect(pairwiseMatrixProblem([[1, -2], [-0.5, 1]])).toContain('positive');
    expect(pairwiseMatrixProblem([[1, 2], [2, 1]])).toContain('not reciprocal');
    expect(pairwiseMatrixProblem([[2, 1], [1, 1]])).toContain('diagonal');
    expect(pairwiseMatrixProblem([[1, 3], [0.333, 1]])).toBeNull(); // 1/3 typed as 0.333
    expect(pairwiseMatrixProblem(matrixFromWeights(new Array<number>(11).fill(1)))).toContain('at most 10');
    const bad = analyseAhp([[1, 2], [2, 1]]);
    expect(bad.accepted).toBe(false);
    expect(bad.reason).toContain('invalid pairwise-comparison matrix');
  });
});

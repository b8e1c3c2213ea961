import { createOptimizer, runOptimizer, type OptimizerMethod } from '../../../lambdas/domain/decision/bayes-opt.js';
import type { Params, SearchSpace } from '../../../lambdas/domain/decision/search-space.js';
import { braninSpace, mixedObjective, mixedSpace, negBranin } from './bo-problems.js';

function meanBest(method: OptimizerMethod, space: SearchSpace, objective: (p: Params) => number, budget: number, seeds: number[]): number {
  return seeds.reduce((s, seed) => {
    const state = runOptimizer(createOptimizer(method, space, { budget, seed }), objective);
    return s + Math.max(...state.history.map((o) => o.value));
  }, 0) / seeds.length;
}

describe('Bayesian optimisation vs random search at equal budget', () => {
  it('finds a better Branin value on average over 5 seeds (20 evaluations)', () => {
    const seeds = [1, 2, 3, 4, 5];
    const bo = meanBest('bayes', braninSpace, negBranin, 20, seeds);
    const random = meanBest('random', braninSpace, negBranin, 20, seeds);
    expect(bo).toBeGreaterThan(random);
    expect(-bo - 0.397887).toBeLessThan(0.5); // close to the global minimum on average
  });

  it('finds a better value on a mixed continuous/log/integer/categorical problem (25 evaluations, 4 seeds)', () => {
    const seeds = [1, 2, 3, 4];
    const bo = meanBest('bayes', mixedSpace, mixedObjective, 25, seeds);
    const random = meanBest('random', mixedSpace, mixedObjective, 25, seeds);
    expect(bo).toBeGreaterThan(random + 0.3);
    expect(bo).toBeGreaterThan(-0.2); // picks cmc and gets near the optimum
  });
});

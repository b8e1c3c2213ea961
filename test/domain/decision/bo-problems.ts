import type { Params, SearchSpace } from '../../../lambdas/domain/decision/search-space.js';

/** Test problems shared by the Bayesian-optimisation tests (maximised). */

/** Branin-Hoo (minimum 0.397887 at three points), negated: the optimisers maximise. */
export function negBranin(p: Params): number {
  const x1 = p.x1 as number;
  const x2 = p.x2 as number;
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return -((x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10);
}

export const braninSpace: SearchSpace = {
  parameters: [{ kind: 'continuous', name: 'x1', low: -5, high: 10 }, { kind: 'continuous', name: 'x2', low: 0, high: 15 }],
};

/** A mixed recipe problem: continuous, log-scale, integer and categorical; maximum 0 at x 0.7, rate 10^0.5, k 7, cmc. */
export const mixedSpace: SearchSpace = {
  parameters: [
    { kind: 'continuous', name: 'x', low: -2, high: 2 },
    { kind: 'continuous', name: 'rate', low: 0.01, high: 100, scale: 'log' },
    { kind: 'integer', name: 'k', low: 0, high: 10 },
    { kind: 'categorical', name: 'binder', choices: ['pvdf', 'cmc', 'paa'] },
  ],
};
const binderPenalty: Record<string, number> = { pvdf: 1.5, cmc: 0, paa: 3 };
export function mixedObjective(p: Params): number {
  return -((p.x as number - 0.7) ** 2 + (Math.log10(p.rate as number) - 0.5) ** 2 + 0.05 * ((p.k as number) - 7) ** 2
    + binderPenalty[p.binder as string]);
}

import {
  bestSoFar, createOptimizer, createOptimizerState, observe, parseOptimizerState, restoreOptimizer, runOptimizer,
  serializeOptimizerState, suggest, withPrior,
} from '../../../lambdas/domain/decision/bayes-opt.js';
import { braninSpace, mixedObjective, mixedSpace, negBranin } from './bo-problems.js';

describe('ask/tell state', () => {
  it('resumes from serialised state with exactly the proposals of an uninterrupted run', () => {
    const options = { budget: 12, seed: 42, initialPoints: 5 };
    const uninterrupted = runOptimizer(createOptimizer('bayes', mixedSpace, options), mixedObjective);

    const first = createOptimizer('bayes', mixedSpace, options);
    for (let i = 0; i < 7; i++) {
      const p = first.ask();
      first.tell(p, mixedObjective(p));
    }
    const json = serializeOptimizerState(first.state());
    const resumed = restoreOptimizer(JSON.parse(JSON.stringify(JSON.parse(json))));
    expect(resumed.ask()).toEqual(uninterrupted.history[7].params);
    const finished = runOptimizer(resumed, mixedObjective);
    expect(finished.history).toEqual(uninterrupted.history);
    expect(suggest(parseOptimizerState(json))).toEqual(uninterrupted.history[7].params);
  });

  it('keeps the same proposal until told, respects the budget and validates observations', () => {
    const opt = createOptimizer('random', braninSpace, { budget: 2, seed: 3 });
    const p = opt.ask();
    expect(opt.ask()).toBe(p);
    opt.tell(p, negBranin(p));
    expect(opt.ask()).not.toEqual(p);
    opt.tell(opt.ask(), -1);
    expect(opt.done()).toBe(true);
    expect(() => opt.ask()).toThrow(/budget/);
    const state = createOptimizerState('bayes', braninSpace, { budget: 5, seed: 1 });
    expect(() => observe(state, { x1: 11, x2: 0 }, 1)).toThrow(RangeError);
    expect(() => observe(state, { x1: 1, x2: 0 }, NaN)).toThrow(RangeError);
    expect(() => parseOptimizerState('{"version":2}')).toThrow();
  });

  it('reports a non-decreasing best-so-far curve and the best observation', () => {
    const opt = createOptimizer('random', braninSpace, { budget: 15, seed: 8 });
    const state = runOptimizer(opt, negBranin);
    const curve = bestSoFar(state.history);
    expect(curve).toHaveLength(15);
    for (let i = 1; i < curve.length; i++) expect(curve[i]).toBeGreaterThanOrEqual(curve[i - 1]);
    expect(opt.best()?.value).toBe(curve[14]);
    expect(opt.bestSoFar()).toEqual(curve);
  });

  it('models prior observations without spending budget, keeps them through serialisation, and random ignores them', () => {
    const options = { budget: 6, seed: 5, initialPoints: 1 };
    // A good known point (near the optimum) and a poor one: the GP models them, so BO's next step is not the cold one.
    const good = { x: 0.6, rate: 3, k: 7, binder: 'cmc' };
    const prior = [{ params: good, value: mixedObjective(good) }, { params: { x: -2, rate: 0.01, k: 0, binder: 'paa' }, value: mixedObjective({ x: -2, rate: 0.01, k: 0, binder: 'paa' }) }];
    let bayes = withPrior(createOptimizerState('bayes', mixedSpace, options), prior);
    bayes = observe(bayes, suggest(bayes), mixedObjective(suggest(bayes)));
    expect(bayes.history).toHaveLength(1);
    const step = suggest(bayes);
    const cold = createOptimizerState('bayes', mixedSpace, options);
    const coldStep = suggest(observe(cold, bayes.history[0].params, bayes.history[0].value));
    expect(coldStep).not.toEqual(step);
    // Through JSON: same prior, same proposal; the budget counts the history only; the curve leaves the prior out.
    const back = parseOptimizerState(serializeOptimizerState(bayes));
    expect(back.prior).toEqual(prior);
    expect(suggest(back)).toEqual(step);
    expect(bestSoFar(back.history)).toEqual([bayes.history[0].value]);
    const random = createOptimizerState('random', mixedSpace, options);
    expect(suggest(withPrior(random, prior))).toEqual(suggest(random));
    expect(() => withPrior(bayes, prior)).toThrow(/before the search/);
    expect(() => withPrior(cold, [{ params: { x: 5, rate: 1, k: 1, binder: 'cmc' }, value: 0 }])).toThrow(RangeError);
  });
});

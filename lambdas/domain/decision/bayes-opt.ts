import { z } from 'zod';
import { createRandom, type Random } from '../synth/random.js';
import { fitGp, optimizeHyperparameters, type GpModel } from './gaussian-process.js';
import { nelderMead } from './nelder-mead.js';
import {
  assertSearchSpace, canonicalPoint, decodePoint, designPoint, encodeParams, encodedDimension, latinHypercube, paramsFromDesign,
  type Params, type SearchSpace,
} from './search-space.js';
import { normalCdf, normalPdf } from './special.js';

// Bound once: hot loops then skip a global lookup per call (slow inside jest's vm realm, free elsewhere).
const { ceil, floor, imul, max, min, sqrt } = Math;

/**
 * Ask/tell optimisation of an expensive objective (e.g. a process recipe's measured quality) over a mixed search
 * space, MAXIMISING the value (tell −cost to minimise). Two methods share one interface, state and budget:
 *  - 'bayes': `initialPoints` Latin-hypercube points, then each proposal maximises expected improvement under a
 *    GP (Matérn 5/2 ARD, hyperparameters refitted by maximum likelihood on every step) fitted to all observations;
 *  - 'random': independent uniform proposals (the baseline BO has to beat).
 * Observations known before the search (e.g. the configuration in use today) can be given as `prior`: the GP
 * models them with the history, they spend no budget and are not part of the history's best-so-far curve.
 * The state is plain JSON (space, seed, options, prior, history of (params, value)) and every proposal is a pure function
 * of it: step t draws from a generator seeded by (seed, t). So a run interrupted after any tell and restored from
 * its JSON proposes exactly what the uninterrupted run would have.
 */
export type OptimizerMethod = 'bayes' | 'random';

export interface Observation {
  readonly params: Params;
  readonly value: number;
}

export interface OptimizerOptions {
  /** Total evaluations allowed (ask refuses beyond it). */
  readonly budget: number;
  readonly seed: number;
  /** Space-filling points before the GP takes over (default max(5, 2 × parameters), at most the budget). */
  readonly initialPoints?: number;
  /** Exploration margin ξ of expected improvement, in standard deviations of the observed values (default 0.01). */
  readonly xi?: number;
  /** Random candidates scored by EI per proposal (default 512). */
  readonly candidates?: number;
  /** Best candidates refined by Nelder-Mead (default 3). */
  readonly refineStarts?: number;
  /** Nelder-Mead restarts of the GP hyperparameter fit (default 2). */
  readonly hyperStarts?: number;
}

export interface OptimizerState {
  readonly version: 1;
  readonly method: OptimizerMethod;
  readonly space: SearchSpace;
  readonly options: Required<OptimizerOptions>;
  /** Observations made before the search: modelled by 'bayes', ignored by 'random', outside the budget. */
  readonly prior: readonly Observation[];
  readonly history: readonly Observation[];
}

/** Expected improvement over `best` (maximisation): (μ − best − ξ)Φ(z) + σφ(z), z = (μ − best − ξ)/σ; σ = 0 → max(0, μ − best − ξ). */
export function expectedImprovement(mean: number, sd: number, best: number, xi = 0): number {
  const gain = mean - best - xi;
  if (!(sd > 0)) return max(0, gain);
  const z = gain / sd;
  return max(0, gain * normalCdf(z) + sd * normalPdf(z));
}

export function createOptimizerState(method: OptimizerMethod, space: SearchSpace, options: OptimizerOptions): OptimizerState {
  assertSearchSpace(space);
  if (!(Number.isInteger(options.budget) && options.budget >= 1)) throw new RangeError('budget must be a positive integer');
  const resolved: Required<OptimizerOptions> = {
    budget: options.budget,
    seed: floor(options.seed) >>> 0,
    initialPoints: min(options.budget, max(1, options.initialPoints ?? max(5, 2 * space.parameters.length))),
    xi: options.xi ?? 0.01,
    candidates: max(1, options.candidates ?? 512),
    refineStarts: max(0, options.refineStarts ?? 3),
    hyperStarts: max(1, options.hyperStarts ?? 2),
  };
  return { version: 1, method, space, options: resolved, prior: [], history: [] };
}

/** A new state with observations made before the search (validated like `observe`'s); only before the first proposal is told. */
export function withPrior(state: OptimizerState, prior: readonly Observation[]): OptimizerState {
  if (state.history.length > 0) throw new RangeError('prior observations must come before the search starts');
  let checked: OptimizerState = { ...state, history: [] };
  for (const o of prior) checked = observe(checked, o.params, o.value);
  return { ...state, prior: checked.history };
}

/** True when the budget is spent. */
export function isDone(state: OptimizerState): boolean {
  return state.history.length >= state.options.budget;
}

/** The generator of step t: a pure function of (seed, t). */
function stepRandom(seed: number, step: number): Random {
  return createRandom((seed ^ imul(step + 1, 0x9e3779b9)) >>> 0);
}

/** The next parameters to evaluate: a pure function of the state. */
export function suggest(state: OptimizerState): Params {
  if (isDone(state)) throw new RangeError(`the budget of ${state.options.budget} evaluations is spent`);
  const { space, options, history } = state;
  const t = history.length;
  if (state.method === 'random') {
    const random = stepRandom(options.seed, t);
    return paramsFromDesign(space, Array.from({ length: space.parameters.length }, () => random.next()));
  }
  if (t < options.initialPoints) {
    const design = latinHypercube(options.initialPoints, space.parameters.length, createRandom(options.seed));
    return paramsFromDesign(space, design[t]);
  }
  return proposeByExpectedImprovement(state, stepRandom(options.seed, t));
}

/** A new state with one more observation (params are validated against the space; value must be finite). */
export function observe(state: OptimizerState, params: Params, value: number): OptimizerState {
  if (!Number.isFinite(value)) throw new RangeError(`observed value must be finite, got ${value}`);
  encodeParams(state.space, params);
  const kept = Object.fromEntries(state.space.parameters.map((p) => [p.name, params[p.name]]));
  return { ...state, history: [...state.history, { params: kept, value }] };
}

/** The best observation so far (first on ties), or undefined before any. */
export function bestObservation(state: OptimizerState): Observation | undefined {
  let best: Observation | undefined;
  for (const o of state.history) if (!best || o.value > best.value) best = o;
  return best;
}

/** Best value after each evaluation (running maximum): the curve to compare optimisers at equal budget. */
export function bestSoFar(history: readonly Observation[]): number[] {
  const out: number[] = [];
  let best = -Infinity;
  for (const o of history) {
    best = max(best, o.value);
    out.push(best);
  }
  return out;
}

function proposeByExpectedImprovement(state: OptimizerState, random: Random): Params {
  const { space, options } = state;
  const history = [...state.prior, ...state.history];
  const xs = history.map((o) => encodeParams(space, o.params));
  const ys = history.map((o) => o.value);
  const fitted = optimizeHyperparameters(xs, ys, { random, normalize: true, starts: options.hyperStarts });
  const model: GpModel = fitGp(xs, ys, fitted.hyper, { normalize: true });
  const best = max(...ys);
  const mean = ys.reduce((s, y) => s + y, 0) / ys.length;
  const sdY = sqrt(ys.reduce((s, y) => s + (y - mean) ** 2, 0) / ys.length) || 1;
  const xi = options.xi * sdY;
  const ei = (u: ArrayLike<number>): number => {
    const p = model.predict(u);
    return expectedImprovement(p.mean, sqrt(p.variance), best, xi);
  };

  // Candidates: uniform over the space, plus local perturbations of the best observations (where EI tends to peak).
  const candidates: Float64Array[] = [];
  const p = space.parameters.length;
  const uniform = ceil(options.candidates * 0.75);
  for (let i = 0; i < uniform; i++) {
    candidates.push(encodeParams(space, paramsFromDesign(space, Array.from({ length: p }, () => random.next()))));
  }
  const leaders = history.map((o, i) => ({ o, i })).sort((a, b) => b.o.value - a.o.value || a.i - b.i).slice(0, 5);
  for (let i = uniform; i < options.candidates; i++) {
    const centre = designPoint(space, leaders[i % leaders.length].o.params);
    const v = centre.map((c, k) => (space.parameters[k].kind === 'categorical'
      ? (random.next() < 0.25 ? random.next() : c)
      : min(1, max(0, c + 0.05 * random.normal()))));
    candidates.push(encodeParams(space, paramsFromDesign(space, v)));
  }
  const scored = candidates.map((u) => ({ u, value: ei(u) })).sort((a, b) => b.value - a.value);

  // Local refinement of the best few in the cube; every evaluated point is canonical, so EI is that of a real setting.
  const dim = encodedDimension(space);
  const project = (x: Float64Array): Float64Array => canonicalPoint(space, x.map((v) => min(1, max(0, v))));
  let champion = scored[0];
  for (const start of scored.slice(0, options.refineStarts)) {
    const run = nelderMead((u) => -ei(u), start.u, { maxEvaluations: 20 * dim, project, step: 0.05, xTolerance: 1e-6 });
    if (-run.value > champion.value) champion = { u: run.x, value: -run.value };
  }
  // EI exactly 0 everywhere (e.g. a discrete space fully explored at the GP's resolution): explore at random.
  if (!(champion.value > 0)) return paramsFromDesign(space, Array.from({ length: p }, () => random.next()));
  return decodePoint(space, champion.u);
}

const ParamsSchema = z.record(z.string(), z.union([z.number(), z.string()]));
const ParameterSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('continuous'), name: z.string(), low: z.number(), high: z.number(), scale: z.enum(['linear', 'log']).optional() }),
  z.object({ kind: z.literal('integer'), name: z.string(), low: z.number().int(), high: z.number().int() }),
  z.object({ kind: z.literal('categorical'), name: z.string(), choices: z.array(z.string()).min(1) }),
]);
export const OptimizerStateSchema = z.object({
  version: z.literal(1),
  method: z.enum(['bayes', 'random']),
  space: z.object({ parameters: z.array(ParameterSpecSchema).min(1) }),
  options: z.object({
    budget: z.number().int().positive(),
    seed: z.number().int().nonnegative(),
    initialPoints: z.number().int().positive(),
    xi: z.number().nonnegative(),
    candidates: z.number().int().positive(),
    refineStarts: z.number().int().nonnegative(),
    hyperStarts: z.number().int().positive(),
  }),
  prior: z.array(z.object({ params: ParamsSchema, value: z.number() })).default([]),
  history: z.array(z.object({ params: ParamsSchema, value: z.number() })),
});

/** JSON text of a state (to persist between evaluations). */
export function serializeOptimizerState(state: OptimizerState): string {
  return JSON.stringify(state);
}

/** A state read back from JSON, validated (schema, space, every observation in the space). */
export function parseOptimizerState(json: string | unknown): OptimizerState {
  const raw = typeof json === 'string' ? JSON.parse(json) as unknown : json;
  const parsed = OptimizerStateSchema.parse(raw) as OptimizerState;
  assertSearchSpace(parsed.space);
  let state: OptimizerState = withPrior({ ...parsed, history: [] }, parsed.prior);
  for (const o of parsed.history) state = observe(state, o.params, o.value);
  return state;
}

/** A mutable convenience around the pure functions above. */
export interface Optimizer {
  readonly method: OptimizerMethod;
  /** The next parameters to evaluate (the same until told a result). */
  ask(): Params;
  tell(params: Params, value: number): void;
  done(): boolean;
  best(): Observation | undefined;
  bestSoFar(): number[];
  /** The current state (immutable plain data, JSON-serialisable). */
  state(): OptimizerState;
}

function wrap(initial: OptimizerState): Optimizer {
  let state = initial;
  let pending: { step: number; params: Params } | undefined;
  return {
    method: state.method,
    ask() {
      if (!pending || pending.step !== state.history.length) pending = { step: state.history.length, params: suggest(state) };
      return pending.params;
    },
    tell(params, value) {
      state = observe(state, params, value);
    },
    done: () => isDone(state),
    best: () => bestObservation(state),
    bestSoFar: () => bestSoFar(state.history),
    state: () => state,
  };
}

export function createOptimizer(method: OptimizerMethod, space: SearchSpace, options: OptimizerOptions): Optimizer {
  return wrap(createOptimizerState(method, space, options));
}

/** Resumes an optimiser from its serialised state. */
export function restoreOptimizer(json: string | unknown): Optimizer {
  return wrap(parseOptimizerState(json));
}

/** Runs a synchronous objective until the budget is spent; returns the final state. */
export function runOptimizer(optimizer: Optimizer, objective: (params: Params) => number): OptimizerState {
  while (!optimizer.done()) {
    const params = optimizer.ask();
    optimizer.tell(params, objective(params));
  }
  return optimizer.state();
}

import { ValidationError } from '../../domain/errors.js';
import {
  bestSoFar, createOptimizerState, isDone, observe, parseOptimizerState, suggest, withPrior, type OptimizerMethod, type OptimizerState,
} from '../../domain/decision/bayes-opt.js';
import type { SearchSpace } from '../../domain/decision/search-space.js';
import { defaultCalibrationNormals } from '../../domain/evaluation/split.js';
import type { ProfileVersion } from '../../domain/profile/profile.js';
import { DEFAULT_SCORING_SETTINGS } from '../../domain/profile/settings.js';
import type { Backbone } from '../../ports/backbone.js';
import type { ImageDecoder } from '../../ports/image-codec.js';
import type { VectorIndexFactory } from '../../ports/vector-index.js';
import type { ProgressListener } from '../contracts.js';
import { evaluate, type EvaluationResult, type EvaluationWorkspace } from '../evaluate/evaluate.js';
import type { EvaluationSource, ManifestItem } from '../evaluate/manifest.js';
import type { MethodName } from '../evaluate/methods.js';
import { resolveRecipe, type ProfileRecipe, type RecipeOverrides } from '../profile-builder.js';
import { MemoBackbone, TrialCache } from './caching.js';
import { allMetrics, metricNamed } from './metrics.js';
import { defaultTunables, overridesOf, pointOf, recipeAt, searchSpaceOf, settingValues } from './space.js';
import { evaluationRows, parseTuneManifest, tuneSplit, type TuneSplit } from './split.js';
import {
  fingerprintProblems, parseTuneState, recipeOf, sha256Of, TUNE_STATE_VERSION, type SplitPaths, type TestFigures, type Trial, type TuneState, type TuneStateStore,
} from './state.js';

export const SEARCHES: readonly OptimizerMethod[] = ['bayes', 'random'];

export interface TuneDeps {
  /** The labelled set (the whole manifest); the tuner decides what each evaluation may read of it. */
  readonly source: EvaluationSource;
  readonly decoder: ImageDecoder;
  readonly backbone: Backbone;
  readonly vectorIndexes: VectorIndexFactory;
  /** Evaluation's in-memory profile and scoring ports, built around the backbone given (the tuner's memo of it). */
  readonly workspace: (backbone: Backbone) => EvaluationWorkspace;
  readonly state: TuneStateStore;
  readonly now?: () => Date;
}

export interface TuneOptions {
  /** `METHOD.METRIC` of `mmdo evaluate` to maximise (metrics.ts). */
  readonly metric: string;
  /** Evaluations each search gets. */
  readonly budget: number;
  /** Latin-hypercube points before the GP proposes (default max(3, round(budget / 3))). */
  readonly initialPoints?: number;
  /** Seed of the split, the optimisers, the coreset and the projection. */
  readonly seed: number;
  readonly bankNormals: number;
  /** Absent: enough to resolve the suspect rate where the set allows, as `mmdo evaluate` (defaultCalibrationNormals). */
  readonly calibrationNormals?: number;
  readonly validationFraction: number;
  readonly validationSize?: number;
  /** Settings searched (space.ts TUNABLES names); default all, the operating threshold only for metrics measured at it. */
  readonly params?: readonly string[];
  /** The searches run side by side, interleaved (default bayes and random). */
  readonly searches?: readonly OptimizerMethod[];
  /**
   * Settings not searched come from this version (a profile being tuned) instead of the product defaults. Read when
   * a run starts; a continued run keeps the recipe it started from.
   */
  readonly previous?: Pick<ProfileVersion, 'features' | 'settings'>;
  /** Score the base recipe on the test split too, beside the winner (default true). */
  readonly compareDefaults?: boolean;
  /**
   * Byte budget of the memory of backbone outputs per tile (0: none). It pays only when trials share tiles, i.e.
   * when the settings searched leave the pixels the backbone sees alone (space.ts `changesTiles`).
   */
  readonly memoBytes?: number;
}

export interface TuneListener {
  event?(e: TuneEvent): void;
  /** Progress inside the evaluation running now. */
  progress?: ProgressListener;
}

export type TuneEvent =
  | { readonly kind: 'start'; readonly resumed: boolean; readonly done: number; readonly total: number; readonly split: TuneResult['split'] }
  | { readonly kind: 'trial-start'; readonly method: Trial['method']; readonly index: number; readonly budget: number; readonly settings: Trial['settings'] }
  | { readonly kind: 'trial'; readonly trial: Trial; readonly best: number; readonly budget: number }
  | { readonly kind: 'test-start'; readonly which: 'winner' | 'defaults'; readonly images: number }
  | { readonly kind: 'test'; readonly which: 'winner' | 'defaults'; readonly figures: TestFigures };

export interface SearchRun {
  readonly method: OptimizerMethod;
  readonly trials: readonly Trial[];
  /** Best value after each trial (running maximum). */
  readonly bestSoFar: readonly number[];
  readonly best?: Trial;
}

export interface TuneResult {
  readonly manifest: string;
  readonly backbone: { readonly id: string; readonly sha256: string };
  readonly metric: string;
  readonly budget: number;
  readonly initialPoints: number;
  readonly seed: number;
  readonly split: {
    readonly source: 'manifest' | 'seeded';
    readonly bank: number;
    readonly calibration: number;
    readonly validation: { readonly normal: number; readonly anomalous: number };
    readonly search: { readonly normal: number; readonly anomalous: number };
    readonly test: { readonly normal: number; readonly anomalous: number };
  };
  readonly space: SearchSpace;
  /** The base recipe (settings not searched, and the reference point) scored on the validation images. */
  readonly defaults: Trial;
  readonly searches: readonly SearchRun[];
  /** The best trial over all searches (the base recipe included), earliest on ties. */
  readonly winner: Trial;
  /** The winner's complete recipe, as overrides (enrolment takes these). */
  readonly recipe: RecipeOverrides;
  readonly test: TestFigures;
  readonly defaultsTest?: TestFigures;
  readonly cost: {
    /** Images each trial reads: bank + calibration + validation subset. */
    readonly imagesPerTrial: number;
    readonly trialSeconds: { readonly mean: number; readonly median: number; readonly min: number; readonly max: number };
    /** Seconds in trials and test evaluations, over all sessions of the run. */
    readonly workSeconds: number;
    readonly cache: { readonly decodeHits: number; readonly decodes: number; readonly memoTiles: number; readonly memoHits: number; readonly memoMegabytes: number };
  };
  readonly resumed: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly saved?: { readonly profile: string; readonly version: number };
}

/** Default number of Latin-hypercube points before the GP proposes. */
export function defaultInitialPoints(budget: number): number {
  return Math.min(budget, Math.max(3, Math.round(budget / 3)));
}

/**
 * `mmdo tune`: Gaussian-process Bayesian optimisation (domain/decision/bayes-opt.ts) and random search, side by
 * side at the same budget on the same split, over the profile settings in `params`, maximising one metric of
 * `mmdo evaluate` on validation images. Each trial is one run of `evaluate` (the product's own scoring) with an
 * explicit split in which the validation subset plays "test"; the test images are in no trial's view. After the
 * search the winner (and the base recipe, for comparison) is scored once on the test split. The state is stored
 * after every trial; calling again with the same options continues it.
 */
export async function tune(deps: TuneDeps, options: TuneOptions, listener: TuneListener = {}): Promise<TuneResult> {
  const now = deps.now ?? (() => new Date());
  const metric = metricNamed(options.metric);
  const searches = options.searches ?? SEARCHES;
  const names = options.params ?? defaultTunables(metric.atOperatingPoint);
  if (!(Number.isInteger(options.budget) && options.budget >= 1)) throw new ValidationError('the budget must be a positive integer');
  const d = deps.backbone.descriptor;
  const space = searchSpaceOf(names, d);
  const initialPoints = options.initialPoints ?? defaultInitialPoints(options.budget);

  const rows = await deps.source.readRows();
  const { items, validation: manifestValidation } = parseTuneManifest(rows);
  const suspectRate = (options.previous?.settings ?? DEFAULT_SCORING_SETTINGS).operating.suspectRate;
  const calibrationNormals = options.calibrationNormals ?? defaultCalibrationNormals(items, options.bankNormals, suspectRate);
  const fingerprint: TuneState['fingerprint'] = {
    manifest: deps.source.description,
    manifestRows: sha256Of(rows),
    backbone: d.sha256,
    seed: options.seed,
    bankNormals: options.bankNormals,
    calibrationNormals,
    validationFraction: options.validationFraction,
    validationSize: options.validationSize ?? null,
    metric: metric.name,
    initialPoints,
    params: names.join(','),
    space: sha256Of(space),
    searches: searches.join(','),
  };

  // The state: continued when one is stored (and matches), else a new split and fresh optimisers.
  const stored = await deps.state.read();
  let state: TuneState;
  const resumed = stored !== undefined;
  if (stored !== undefined) {
    state = parseTuneState(stored, 'in --out');
    const problems = fingerprintProblems(state.fingerprint, fingerprint);
    if (problems.length > 0) {
      throw new ValidationError(`the stored tuning state was made with other settings (${problems.join('; ')}); use another --out, or --restart to start over`);
    }
    const done = Math.max(0, ...searches.map((m) => state.trials.filter((t) => t.method === m).length));
    if (options.budget < done) throw new ValidationError(`the stored run already has ${done} trials per search: the budget cannot be ${options.budget}`);
    // A larger budget extends the run (proposals depend on the seed, the step and the history, not on the budget).
    const extended: TuneState['optimizers'] = Object.fromEntries(Object.entries(state.optimizers).map(([m, s]) => [m, { ...s, options: { ...s.options, budget: options.budget } }]));
    const grew = Object.values(state.optimizers).some((s) => s.options.budget !== options.budget);
    state = { ...state, optimizers: extended, ...(grew ? { final: undefined, saved: undefined } : {}) };
  } else {
    const split = tuneSplit(items, manifestValidation, { ...options, calibrationNormals });
    state = {
      version: TUNE_STATE_VERSION,
      fingerprint,
      base: resolveRecipe(deps.backbone, options.previous, { seed: options.seed }) as TuneState['base'],
      split: splitPaths(items, split),
      optimizers: Object.fromEntries(searches.map((m) => [m, createOptimizerState(m, space, { budget: options.budget, seed: options.seed, initialPoints }) as TuneState['optimizers'][string]])),
      trials: [],
      startedAt: now().toISOString(),
      workSeconds: 0,
    };
  }
  const split = indicesOf(items, state.split);
  const base = recipeOf(state);
  const save = async () => deps.state.write(JSON.stringify(state) + '\n');
  await save();

  const cache = new TrialCache(deps.source, deps.decoder);
  const memo = (options.memoBytes ?? 0) > 0 ? new MemoBackbone(deps.backbone, options.memoBytes!) : undefined;
  const backbone = memo ?? deps.backbone;
  const searchView = cache.view(evaluationRows(items, { bank: split.bank, calibration: split.calibration, test: split.search }), { keepDecoded: true, label: 'validation' });
  const count = (indices: readonly number[]) => ({ normal: indices.filter((i) => items[i]!.label === 0).length, anomalous: indices.filter((i) => items[i]!.label === 1).length });
  const splitSummary: TuneResult['split'] = {
    source: state.split.source, bank: split.bank.length, calibration: split.calibration.length,
    validation: count(split.validation), search: count(split.search), test: count(split.test),
  };
  const total = 1 + searches.length * options.budget;
  listener.event?.({ kind: 'start', resumed, done: state.trials.length, total, split: splitSummary });

  const run = (recipe: ProfileRecipe, source: EvaluationSource, methods: readonly MethodName[]) => evaluate(
    { source, decoder: cache.decoder, backbone, vectorIndexes: deps.vectorIndexes, workspace: () => deps.workspace(backbone) },
    { methods, bankNormals: 1, calibrationNormals: 1, seed: options.seed, recipe: overridesOf(recipe), worstMisses: 0 },
    listener.progress,
  );
  const bestOf = (method: Trial['method']) => Math.max(...state.trials.filter((t) => t.method === method && !t.error).map((t) => t.value), Number.NEGATIVE_INFINITY);

  /**
   * BO starts from what is known: the base recipe's point and value join its GP as a prior observation (no budget
   * spent; random search cannot use it). Skipped when a base value lies outside the space, or the search has begun.
   */
  const warmStart = async (defaults: Trial) => {
    const point = pointOf(base, names, d);
    const opt = state.optimizers.bayes && parseOptimizerState(state.optimizers.bayes);
    if (!point || !opt || opt.history.length > 0 || opt.prior.length > 0 || defaults.error) return;
    state = { ...state, optimizers: { ...state.optimizers, bayes: withPrior(opt, [{ params: point, value: defaults.value }]) as TuneState['optimizers'][string] } };
    await save();
  };

  let failuresInARow = 0;
  const trial = async (method: Trial['method'], index: number, params: Trial['params'], recipe: ProfileRecipe): Promise<Trial> => {
    const settings = settingValues(params, d);
    listener.event?.({ kind: 'trial-start', method, index, budget: options.budget, settings });
    const started = performance.now();
    let out: Trial;
    try {
      const { result } = await run(recipe, searchView, [metric.method]);
      const value = metric.read(result.methods);
      if (value === undefined) throw new ValidationError(`the evaluation gives no ${metric.name} on these images (pixel metrics need masks)`);
      out = { method, index, params, settings, value, metrics: allMetrics(result.methods), seconds: seconds(started) };
      failuresInARow = 0;
    } catch (error) {
      // The base recipe must evaluate; a proposal that cannot (e.g. out of memory) counts as the worst value, not as the end of the run.
      if (method === 'defaults' || ++failuresInARow >= 3) throw error;
      out = { method, index, params, settings, value: 0, metrics: {}, seconds: seconds(started), error: error instanceof Error ? error.message : String(error) };
    }
    return out;
  };
  /** The trial and its optimiser's new state are saved together: an interruption never leaves one without the other. */
  const record = async (t: Trial, optimizer?: OptimizerState) => {
    state = {
      ...state,
      trials: [...state.trials, t],
      ...(optimizer ? { optimizers: { ...state.optimizers, [t.method]: optimizer as TuneState['optimizers'][string] } } : {}),
      workSeconds: state.workSeconds + t.seconds,
    };
    await save();
    listener.event?.({ kind: 'trial', trial: t, best: bestOf(t.method), budget: options.budget });
  };

  // The base recipe first: the reference line, and what the searches have to beat.
  if (!state.trials.some((t) => t.method === 'defaults')) await record(await trial('defaults', 0, {}, base));
  await warmStart(state.trials.find((t) => t.method === 'defaults')!);

  // The searches, interleaved, so that an interruption leaves curves of (nearly) equal length.
  for (let step = 0; step < options.budget; step++) {
    for (const method of searches) {
      const opt: OptimizerState = parseOptimizerState(state.optimizers[method]);
      if (opt.history.length !== step || isDone(opt)) continue;
      const params = suggest(opt);
      const done = await trial(method, step, params, recipeAt(base, params, d));
      await record(done, observe(opt, params, done.value));
    }
  }

  // The winner, scored once on the test split (and the base recipe beside it).
  const defaults = state.trials.find((t) => t.method === 'defaults')!;
  const winner = pickWinner(state.trials);
  const winnerRecipe = winner.method === 'defaults' ? base : recipeAt(base, winner.params, d);
  const testView = cache.view(evaluationRows(items, { bank: split.bank, calibration: split.calibration, test: split.test }), { keepDecoded: false, label: 'test' });
  const score = async (which: 'winner' | 'defaults', recipe: ProfileRecipe): Promise<TestFigures> => {
    listener.event?.({ kind: 'test-start', which, images: split.test.length });
    const started = performance.now();
    const { result } = await run(recipe, testView, ['patch-knn', 'fused', 'centroid']);
    const figures = testFigures(result, seconds(started));
    state = { ...state, workSeconds: state.workSeconds + figures.seconds };
    listener.event?.({ kind: 'test', which, figures });
    return figures;
  };
  if (state.final && state.final.winner.method === winner.method && state.final.winner.index === winner.index) {
    // A finished run asked again for the base recipe's test figures: only those are measured.
    if (options.compareDefaults !== false && !state.final.defaultsTest) {
      state = { ...state, final: { ...state.final, defaultsTest: winner.method === 'defaults' ? state.final.test : await score('defaults', base) } };
      await save();
    }
  } else {
    const test = await score('winner', winnerRecipe);
    const defaultsTest = options.compareDefaults === false ? undefined : winner.method === 'defaults' ? test : await score('defaults', base);
    state = { ...state, final: { winner: { method: winner.method, index: winner.index }, test, ...(defaultsTest ? { defaultsTest } : {}) } };
    await save();
  }

  const trialSeconds = state.trials.filter((t) => t.method !== 'defaults').map((t) => t.seconds);
  const all = trialSeconds.length ? trialSeconds : [defaults.seconds];
  const sorted = [...all].sort((a, b) => a - b);
  return {
    manifest: deps.source.description,
    backbone: { id: d.id, sha256: d.sha256 },
    metric: metric.name,
    budget: options.budget,
    initialPoints,
    seed: options.seed,
    split: splitSummary,
    space,
    defaults,
    searches: searches.map((method) => {
      const trials = state.trials.filter((t) => t.method === method);
      return { method, trials, bestSoFar: bestSoFar(trials), ...(trials.length ? { best: pickWinner(trials) } : {}) };
    }),
    winner,
    recipe: overridesOf(winnerRecipe),
    test: state.final!.test,
    ...(state.final!.defaultsTest ? { defaultsTest: state.final!.defaultsTest } : {}),
    cost: {
      imagesPerTrial: split.bank.length + split.calibration.length + split.search.length,
      trialSeconds: { mean: all.reduce((a, b) => a + b, 0) / all.length, median: sorted[Math.floor((sorted.length - 1) / 2)]!, min: sorted[0]!, max: sorted.at(-1)! },
      workSeconds: state.workSeconds,
      cache: {
        decodeHits: cache.stats.decodeHits, decodes: cache.stats.decodes,
        memoTiles: memo?.stats.tiles ?? 0, memoHits: memo?.stats.hits ?? 0, memoMegabytes: Math.round((memo?.heldBytes ?? 0) / 2 ** 20),
      },
    },
    resumed,
    startedAt: state.startedAt,
    finishedAt: now().toISOString(),
    ...(state.saved ? { saved: state.saved } : {}),
  };
}

/** Records that the run's winner was saved as a profile version (so a re-run does not save it again). */
export async function recordSaved(store: TuneStateStore, saved: { profile: string; version: number }): Promise<void> {
  const text = await store.read();
  if (text === undefined) throw new ValidationError('no tuning state to record the saved profile in');
  await store.write(JSON.stringify({ ...parseTuneState(text, 'in --out'), saved }) + '\n');
}

/** The split a stored run uses (image paths by role). */
export async function storedSplit(store: TuneStateStore): Promise<SplitPaths> {
  const text = await store.read();
  if (text === undefined) throw new ValidationError('no tuning state');
  return parseTuneState(text, 'in --out').split;
}

/** The best trial that did not fail; the earliest on ties (the base recipe first, then in the order they ran). */
export function pickWinner(trials: readonly Trial[]): Trial {
  let best: Trial | undefined;
  for (const t of trials) if (!t.error && (!best || t.value > best.value)) best = t;
  if (!best) throw new ValidationError('no trial succeeded');
  return best;
}

function testFigures(result: EvaluationResult, secs: number): TestFigures {
  return {
    seconds: secs,
    images: { normal: result.split.testNormal, anomalous: result.split.testAnomalous },
    methods: result.methods.map((m) => ({
      method: m.method,
      metrics: allMetrics([m]),
      normalsFlagged: m.image.operating.fpr,
      confusion: { tp: m.image.operating.confusion.tp, fp: m.image.operating.confusion.fp, tn: m.image.operating.confusion.tn, fn: m.image.operating.confusion.fn },
      perClass: m.perClass.map((c) => ({ className: c.className, images: c.images, ...(c.imageAuroc !== undefined ? { imageAuroc: c.imageAuroc } : {}), flaggedAtOperating: c.flaggedAtOperating })),
    })),
  };
}

function splitPaths(items: readonly ManifestItem[], split: TuneSplit): SplitPaths {
  const paths = (indices: readonly number[]) => indices.map((i) => items[i]!.path);
  return {
    source: split.source, bank: paths(split.bank), calibration: paths(split.calibration),
    validation: paths(split.validation), search: paths(split.search), test: paths(split.test),
  };
}

/** The stored split as indices into this manifest (checked: every path still there, once). */
function indicesOf(items: readonly ManifestItem[], paths: SplitPaths): TuneSplit {
  const at = new Map<string, number>();
  items.forEach((it, i) => at.set(it.path, i));
  const resolve = (list: readonly string[]) => list.map((p) => {
    const i = at.get(p);
    if (i === undefined) throw new ValidationError(`the stored split names '${p}', which the manifest no longer has`);
    return i;
  });
  return {
    source: paths.source, bank: resolve(paths.bank), calibration: resolve(paths.calibration),
    validation: resolve(paths.validation), search: resolve(paths.search), test: resolve(paths.test),
  };
}

function seconds(started: number): number {
  return Math.round((performance.now() - started) / 10) / 100;
}

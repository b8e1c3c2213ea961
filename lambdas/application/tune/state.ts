import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../../domain/errors.js';
import { OptimizerStateSchema } from '../../domain/decision/bayes-opt.js';
import { PatchFeatureConfigSchema } from '../../domain/profile/features.js';
import { ScoringSettingsSchema } from '../../domain/profile/settings.js';
import type { ProfileRecipe } from '../profile-builder.js';

/**
 * A tuning run's state, written after every trial (to --out/tune-state.json by the CLI): re-running the same
 * command reads it and continues where it stopped. Everything a later proposal depends on is in here (the split,
 * both optimisers' states); the rest (per-trial metrics, times, the final test figures) is for the report.
 */
export const TUNE_STATE_VERSION = 1;

const ValueSchema = z.union([z.number(), z.string()]);

export const TrialSchema = z.object({
  /** Which search proposed it ('defaults': the base recipe, scored once as the reference). */
  method: z.enum(['bayes', 'random', 'defaults']),
  /** 0-based position in its search. */
  index: z.number().int().nonnegative(),
  /** The optimiser's point (ordinal settings as indices). */
  params: z.record(z.string(), ValueSchema),
  /** The settings it stands for. */
  settings: z.record(z.string(), ValueSchema),
  /** The objective on the validation images (0 when the trial failed). */
  value: z.number(),
  /** Every metric the evaluation gave for the objective's method. */
  metrics: z.record(z.string(), z.number()),
  seconds: z.number().nonnegative(),
  error: z.string().optional(),
});
export type Trial = z.infer<typeof TrialSchema>;

const SplitPathsSchema = z.object({
  source: z.enum(['manifest', 'seeded']),
  bank: z.array(z.string()),
  calibration: z.array(z.string()),
  validation: z.array(z.string()),
  search: z.array(z.string()),
  test: z.array(z.string()),
});
export type SplitPaths = z.infer<typeof SplitPathsSchema>;

/** Figures of one evaluation on the test split, per method. */
export const TestFiguresSchema = z.object({
  seconds: z.number().nonnegative(),
  images: z.object({ normal: z.number().int(), anomalous: z.number().int() }),
  methods: z.array(z.object({
    method: z.string(),
    metrics: z.record(z.string(), z.number()),
    /** Share of test normals flagged at the operating threshold. */
    normalsFlagged: z.number(),
    confusion: z.object({ tp: z.number().int(), fp: z.number().int(), tn: z.number().int(), fn: z.number().int() }),
    perClass: z.array(z.object({ className: z.string(), images: z.number().int(), imageAuroc: z.number().optional(), flaggedAtOperating: z.number() })),
  })),
});
export type TestFigures = z.infer<typeof TestFiguresSchema>;

/** A complete recipe (profile-builder's ProfileRecipe). */
const RecipeSchema = z.object({
  // A recipe must name a layer (a stored version's list is read as it is).
  features: PatchFeatureConfigSchema.extend({ layers: z.array(z.string()).min(1) }),
  maxBankSize: z.number().int().positive(),
  settings: ScoringSettingsSchema.omit({ heatmapLow: true, tiling: true }).extend({ tileSize: z.number().int().min(32).max(8192) }),
});

export const TuneStateSchema = z.object({
  version: z.literal(TUNE_STATE_VERSION),
  /** What must match for a re-run to continue this state (see fingerprintProblems). */
  fingerprint: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  /**
   * The recipe every trial starts from (the product defaults, or the tuned profile's version when the run began):
   * settings not searched, and the reference point scored first.
   */
  base: RecipeSchema,
  split: SplitPathsSchema,
  optimizers: z.record(z.string(), OptimizerStateSchema),
  trials: z.array(TrialSchema),
  /** Once the search is over: the winner (a trial) and its test figures, measured once (and the base recipe's, for comparison). */
  final: z.object({
    winner: z.object({ method: z.enum(['bayes', 'random', 'defaults']), index: z.number().int() }),
    test: TestFiguresSchema,
    defaultsTest: TestFiguresSchema.optional(),
  }).optional(),
  /** The profile version the winner was saved as, once saved. */
  saved: z.object({ profile: z.string(), version: z.number().int().positive() }).optional(),
  startedAt: z.string(),
  /** Seconds spent in trials and test evaluations, over all sessions of this run. */
  workSeconds: z.number().nonnegative(),
});
export type TuneState = z.infer<typeof TuneStateSchema>;

/** Where a run keeps its state (a file locally). */
export interface TuneStateStore {
  /** The stored text, or undefined when there is none yet. */
  read(): Promise<string | undefined>;
  /** Replaces the stored text (atomically: an interruption leaves the previous or the new text). */
  write(text: string): Promise<void>;
}

export function recipeOf(state: TuneState): ProfileRecipe {
  return state.base as ProfileRecipe;
}

export function parseTuneState(text: string, where: string): TuneState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`tuning state ${where} is not JSON: ${(error as Error).message}`);
  }
  const parsed = TuneStateSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ValidationError(`tuning state ${where} is not a valid state: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** Keys whose values differ between a stored fingerprint and this run's (a re-run must match to continue). */
export function fingerprintProblems(stored: TuneState['fingerprint'], current: TuneState['fingerprint']): string[] {
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(current)])].sort();
  return keys.filter((k) => stored[k] !== current[k]).map((k) => `${k}: ${JSON.stringify(stored[k])} then, ${JSON.stringify(current[k])} now`);
}

export function sha256Of(value: unknown): string {
  return createHash('sha256').update(typeof value === 'string' ? value : JSON.stringify(value)).digest('hex');
}

import type { EvaluationResult, MethodResult } from './evaluate.js';
import type { MethodName } from './methods.js';

/** One metric over the repeated splits: its mean, sample standard deviation and the worst split's value. */
export interface Spread {
  readonly mean: number;
  readonly sd: number;
  readonly worst: number;
  readonly values: readonly number[];
}

/** A method's metrics over the splits (a metric a split does not define, e.g. pixel metrics without masks, is left out). */
export interface MethodSpread {
  readonly method: MethodName;
  readonly metrics: Record<string, Spread>;
  readonly perClass: readonly { readonly className: string; readonly metrics: Record<string, Spread> }[];
}

export interface RepeatedEvaluation {
  readonly manifest: string;
  readonly seeds: readonly number[];
  readonly summary: readonly MethodSpread[];
  readonly runs: readonly EvaluationResult[];
}

/** Metrics where less is better (their worst split is the highest value). */
const LOWER_IS_BETTER = new Set(['normalsFlagged', 'flagged.normal']);

/** Every metric a method result defines, by name. */
function metricsOf(m: MethodResult): Record<string, number | undefined> {
  return {
    auroc: m.image.auroc,
    aupr: m.image.aupr,
    bestF1: m.image.bestF1.f1,
    f1AtOperating: m.image.operating.f1,
    recallAtOperating: m.image.operating.recall,
    normalsFlagged: m.image.operating.fpr,
    pixelAuroc: m.pixel?.auroc,
    aupro: m.pixel?.aupro,
  };
}

function classMetricsOf(c: MethodResult['perClass'][number]): Record<string, number | undefined> {
  return c.className === 'normal'
    ? { 'flagged.normal': c.flaggedAtOperating }
    : { auroc: c.imageAuroc, pixelAuroc: c.pixelAuroc, aupro: c.aupro, recallAtOperating: c.flaggedAtOperating };
}

export function spreadOf(values: readonly number[], lowerIsBetter = false): Spread {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, worst: lowerIsBetter ? Math.max(...values) : Math.min(...values), values: [...values] };
}

function collect(records: readonly Record<string, number | undefined>[]): Record<string, Spread> {
  const names = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const out: Record<string, Spread> = {};
  for (const name of names) {
    const values = records.map((r) => r[name]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length > 0) out[name] = spreadOf(values, LOWER_IS_BETTER.has(name));
  }
  return out;
}

/**
 * Mean, standard deviation and worst split of every metric of every method over evaluations of one manifest on
 * different seeded splits: a figure that moves with the split is reported with how much it moves.
 */
export function summariseRepeats(runs: readonly EvaluationResult[]): RepeatedEvaluation {
  if (runs.length === 0) throw new RangeError('no evaluation to summarise');
  const methods = [...new Set(runs.flatMap((r) => r.methods.map((m) => m.method)))];
  const summary = methods.map((method) => {
    const results = runs.map((r) => r.methods.find((m) => m.method === method)).filter((m): m is MethodResult => m !== undefined);
    const classes = [...new Set(results.flatMap((m) => m.perClass.map((c) => c.className)))];
    return {
      method,
      metrics: collect(results.map(metricsOf)),
      perClass: classes.map((className) => ({
        className,
        metrics: collect(results.map((m) => m.perClass.find((c) => c.className === className)).filter((c) => c !== undefined).map(classMetricsOf)),
      })),
    };
  });
  return { manifest: runs[0]!.manifest, seeds: runs.map((r) => r.seed), summary, runs };
}

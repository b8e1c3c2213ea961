import type { MethodResult } from '../evaluate/evaluate.js';
import { MAP_METHODS, METHOD_NAMES, type MethodName } from '../evaluate/methods.js';

/**
 * Metrics of `mmdo evaluate` a tuning run can maximise, named `METHOD.METRIC` (e.g. `fused.auroc`, the default;
 * `fused.f1` = F1 at the operating threshold, the calibrated suspect level). All lie in [0, 1], higher is better.
 */
const READERS = {
  auroc: (m: MethodResult) => m.image.auroc,
  aupr: (m: MethodResult) => m.image.aupr,
  'best-f1': (m: MethodResult) => m.image.bestF1.f1,
  f1: (m: MethodResult) => m.image.operating.f1,
  recall: (m: MethodResult) => m.image.operating.recall,
  'pixel-auroc': (m: MethodResult) => m.pixel?.auroc,
  aupro: (m: MethodResult) => m.pixel?.aupro,
} as const satisfies Record<string, (m: MethodResult) => number | undefined>;
type MetricKey = keyof typeof READERS;

/** Pixel metrics come from the anomaly map (MAP_METHODS). */
const PIXEL: readonly MetricKey[] = ['pixel-auroc', 'aupro'];

export const METRIC_NAMES: readonly string[] = METHOD_NAMES.flatMap((method) =>
  (Object.keys(READERS) as MetricKey[]).filter((k) => MAP_METHODS.includes(method) || !PIXEL.includes(k)).map((k) => `${method}.${k}`));

export const DEFAULT_METRIC = 'fused.auroc';

export interface Metric {
  readonly name: string;
  readonly method: MethodName;
  /** Measured at the profile's operating threshold of the fused score (so that threshold is worth searching). */
  readonly atOperatingPoint: boolean;
  /** The value from an evaluation's result, or undefined when the data do not define it (pixel metrics without masks). */
  read(methods: readonly MethodResult[]): number | undefined;
}

export function metricNamed(name: string): Metric {
  if (!METRIC_NAMES.includes(name)) throw new RangeError(`unknown metric '${name}'; known: ${METRIC_NAMES.join(', ')}`);
  const [method, key] = name.split('.') as [MethodName, MetricKey];
  return { name, method, atOperatingPoint: method === 'fused' && (key === 'f1' || key === 'recall'), read: (methods) => {
    const m = methods.find((x) => x.method === method);
    const v = m ? READERS[key](m) : undefined;
    return v !== undefined && Number.isFinite(v) ? v : undefined;
  } };
}

/** Every metric of the given methods that the result defines: what a trial records beside its objective. */
export function allMetrics(methods: readonly MethodResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of METRIC_NAMES) {
    const v = metricNamed(name).read(methods);
    if (v !== undefined && methods.some((m) => name.startsWith(`${m.method}.`))) out[name] = v;
  }
  return out;
}

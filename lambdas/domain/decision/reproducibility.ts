/**
 * Reproducibility of microstructure metrics across replicate fields of view (FOVs) of one sample: if the same
 * cathode imaged at several places gives very different porosity, a single image's porosity means little.
 * Per metric: mean, sample standard deviation and coefficient of variation CV = std/|mean|.
 */
export type FieldMetrics = Readonly<Record<string, number>>;

export type NoFigureReason = 'fewer-than-two-fields' | 'mean-near-zero';

export interface MetricSpread {
  readonly metric: string;
  /** Fields with a finite value for this metric. */
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); null when n < 2. */
  readonly std: number | null;
  /** std/|mean|; null with `noFigure` when it would mean nothing. */
  readonly cv: number | null;
  readonly noFigure?: NoFigureReason;
  readonly tolerance: number;
}

export interface ReproducibilityFinding {
  readonly metric: string;
  readonly cv: number;
  readonly tolerance: number;
  readonly message: string;
}

export interface ReproducibilityReport {
  readonly fields: number;
  /** Every metric seen in any field, sorted by name. */
  readonly metrics: readonly MetricSpread[];
  /** Mean CV over metrics that have one (null when none has). */
  readonly meanCv: number | null;
  /** 2^(−mean CVᵢ/toleranceᵢ) in 0..1, see assessReproducibility; null when no metric has a CV. */
  readonly score: number | null;
  /** Metrics whose CV exceeds their tolerance, worst first. */
  readonly findings: readonly ReproducibilityFinding[];
}

export interface ReproducibilityOptions {
  /** CV above which a metric is reported (default 0.15). */
  readonly tolerance?: number;
  /** Per-metric tolerances (e.g. looser for crack density, which is sparse). */
  readonly tolerances?: Readonly<Record<string, number>>;
  /** |mean| at or below this fraction of the largest |value| counts as zero (default 1e-6). */
  readonly zeroMeanFraction?: number;
}

export const DEFAULT_CV_TOLERANCE = 0.15;

/**
 * Spread of every metric over the fields, a 0..1 score and the metrics to look at.
 * No CV when n < 2 (no spread to measure) or when the mean is ≈ 0 relative to the values (a signed metric
 * centred on zero: CV would be huge and meaningless); a metric with identical values has CV 0, even at mean 0.
 * Score = 2^(−mean over metrics of CVᵢ/toleranceᵢ) (= 2^(−mean CV/tolerance) with one tolerance): 1 for identical
 * fields, 0.5 when the average metric varies exactly as much as tolerated, 0.25 at twice that. A half-life mapping
 * is monotone, needs no second parameter and reads easily (exp(−x) would put "just at tolerance" at 0.37).
 */
export function assessReproducibility(
  fields: readonly FieldMetrics[], options: ReproducibilityOptions = {},
): ReproducibilityReport {
  const tolerance = options.tolerance ?? DEFAULT_CV_TOLERANCE;
  if (!(tolerance > 0)) throw new RangeError('CV tolerance must be positive');
  const zeroFraction = options.zeroMeanFraction ?? 1e-6;
  const names = [...new Set(fields.flatMap((f) => Object.keys(f)))].sort();
  const metrics: MetricSpread[] = names.map((metric) => {
    const tol = options.tolerances?.[metric] ?? tolerance;
    if (!(tol > 0)) throw new RangeError(`CV tolerance of '${metric}' must be positive`);
    const values = fields.map((f) => f[metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const n = values.length;
    const mean = n > 0 ? values.reduce((s, v) => s + v, 0) / n : NaN;
    if (n < 2) return { metric, n, mean, std: null, cv: null, noFigure: 'fewer-than-two-fields', tolerance: tol };
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    if (std === 0) return { metric, n, mean, std, cv: 0, tolerance: tol };
    const largest = Math.max(...values.map(Math.abs));
    if (Math.abs(mean) <= zeroFraction * largest) return { metric, n, mean, std, cv: null, noFigure: 'mean-near-zero', tolerance: tol };
    return { metric, n, mean, std, cv: std / Math.abs(mean), tolerance: tol };
  });
  const withCv = metrics.filter((m): m is MetricSpread & { cv: number } => m.cv !== null);
  const meanRatio = withCv.length > 0 ? withCv.reduce((s, m) => s + m.cv / m.tolerance, 0) / withCv.length : null;
  const findings = withCv
    .filter((m) => m.cv > m.tolerance)
    .sort((a, b) => b.cv / b.tolerance - a.cv / a.tolerance || a.metric.localeCompare(b.metric))
    .map((m) => ({
      metric: m.metric,
      cv: m.cv,
      tolerance: m.tolerance,
      message: `${m.metric} varies by ${(100 * m.cv).toFixed(1)} % between ${m.n} fields of view `
        + `(tolerance ${(100 * m.tolerance).toFixed(0)} %)`,
    }));
  return {
    fields: fields.length,
    metrics,
    meanCv: withCv.length > 0 ? withCv.reduce((s, m) => s + m.cv, 0) / withCv.length : null,
    score: meanRatio === null ? null : 2 ** -meanRatio,
    findings,
  };
}

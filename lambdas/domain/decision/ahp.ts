import { ValidationError } from '../errors.js';

/**
 * Analytic Hierarchy Process (Saaty): weights from a pairwise-comparison matrix A (aᵢⱼ = how many times more
 * important i is than j; positive, reciprocal aⱼᵢ = 1/aᵢⱼ, aᵢᵢ = 1). The weights are A's principal (Perron)
 * eigenvector; λmax ≥ n with equality exactly when A is consistent (aᵢⱼ = wᵢ/wⱼ), so CI = (λmax − n)/(n − 1)
 * measures inconsistency and CR = CI/RI compares it with random matrices. Saaty's rule: accept CR ≤ 0.1.
 */
export type PairwiseMatrix = readonly (readonly number[])[];

/** Saaty's random consistency index RI for n = 1..10 (mean CI of random reciprocal matrices on the 1/9..9 scale). */
export const RANDOM_INDEX: readonly number[] = [0, 0, 0.58, 0.9, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49];
/** Saaty's acceptance limit on the consistency ratio. */
export const MAX_CONSISTENCY_RATIO = 0.1;
/** Relative tolerance on reciprocity (judgements typed as 0.333 for 1/3 pass). */
const RECIPROCAL_TOLERANCE = 1e-3;

/** Why a matrix is not a valid pairwise-comparison matrix, or null when it is. */
export function pairwiseMatrixProblem(a: PairwiseMatrix): string | null {
  const n = a.length;
  if (n < 1) return 'the matrix is empty';
  if (n > RANDOM_INDEX.length) return `at most ${RANDOM_INDEX.length} criteria are supported (Saaty's RI table), got ${n}`;
  for (let i = 0; i < n; i++) {
    if (a[i].length !== n) return `row ${i + 1} has ${a[i].length} entries, expected ${n}`;
    for (let j = 0; j < n; j++) {
      const v = a[i][j];
      if (!(Number.isFinite(v) && v > 0)) return `entry (${i + 1}, ${j + 1}) must be a positive number, got ${v}`;
    }
  }
  for (let i = 0; i < n; i++) {
    if (Math.abs(a[i][i] - 1) > RECIPROCAL_TOLERANCE) return `diagonal entry (${i + 1}, ${i + 1}) must be 1, got ${a[i][i]}`;
    for (let j = i + 1; j < n; j++) {
      if (Math.abs(a[i][j] * a[j][i] - 1) > RECIPROCAL_TOLERANCE) {
        return `entries (${i + 1}, ${j + 1}) = ${a[i][j]} and (${j + 1}, ${i + 1}) = ${a[j][i]} are not reciprocal`;
      }
    }
  }
  return null;
}

export interface PrincipalEigen {
  /** The principal eigenvector, normalised to sum 1. */
  readonly weights: number[];
  readonly lambdaMax: number;
  readonly iterations: number;
}

/**
 * Power iteration w ← Aw/ΣAw from the uniform vector until max |Δwᵢ| < tolerance. A positive matrix has a simple
 * dominant eigenvalue (Perron-Frobenius), so this converges; for a consistent matrix it does so in one step.
 * λmax = mean over i of (Aw)ᵢ/wᵢ (exact at convergence, and robust while not quite there).
 */
export function principalEigenvector(a: PairwiseMatrix, tolerance = 1e-12, maxIterations = 10_000): PrincipalEigen {
  const n = a.length;
  let w = new Array<number>(n).fill(1 / n);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const next = a.map((row) => row.reduce((s, v, j) => s + v * w[j], 0));
    const total = next.reduce((s, v) => s + v, 0);
    for (let i = 0; i < n; i++) next[i] /= total;
    const change = Math.max(...next.map((v, i) => Math.abs(v - w[i])));
    w = next;
    if (change < tolerance) break;
  }
  const aw = a.map((row) => row.reduce((s, v, j) => s + v * w[j], 0));
  const lambdaMax = aw.reduce((s, v, i) => s + v / w[i], 0) / n;
  return { weights: w, lambdaMax, iterations: iterations + 1 };
}

export interface InconsistentPair {
  readonly i: number;
  readonly j: number;
  readonly labelI: string;
  readonly labelJ: string;
  /** The judgement aᵢⱼ given. */
  readonly judged: number;
  /** wᵢ/wⱼ from the derived weights: what a consistent judgement would have been. */
  readonly implied: number;
}

export interface AhpAnalysis {
  readonly labels: string[];
  readonly weights: number[];
  readonly lambdaMax: number;
  /** CI = (λmax − n)/(n − 1); 0 for n ≤ 2 (every reciprocal 2×2 matrix is consistent). */
  readonly consistencyIndex: number;
  readonly randomIndex: number;
  /** CR = CI/RI; 0 for n ≤ 2. */
  readonly consistencyRatio: number;
  /** The judgement furthest from its implied ratio (largest |ln(aᵢⱼ wⱼ/wᵢ)|); null when n < 2. */
  readonly mostInconsistentPair: InconsistentPair | null;
  readonly accepted: boolean;
  /** Why the matrix was rejected (invalid, or CR above the limit, naming the worst pair); absent when accepted. */
  readonly reason?: string;
}

/**
 * Weights and consistency of a pairwise-comparison matrix. Never throws on bad input: an invalid matrix, or one with
 * CR > maxConsistencyRatio, comes back with accepted = false and a reason a person can act on.
 */
export function analyseAhp(
  a: PairwiseMatrix,
  options: { readonly labels?: readonly string[]; readonly maxConsistencyRatio?: number } = {},
): AhpAnalysis {
  const n = a.length;
  const labels = options.labels ? [...options.labels] : a.map((_, i) => `criterion ${i + 1}`);
  const maxCr = options.maxConsistencyRatio ?? MAX_CONSISTENCY_RATIO;
  const problem = pairwiseMatrixProblem(a) ?? (labels.length !== n ? `${labels.length} labels for ${n} criteria` : null);
  if (problem) {
    return {
      labels, weights: [], lambdaMax: NaN, consistencyIndex: NaN, randomIndex: NaN, consistencyRatio: NaN,
      mostInconsistentPair: null, accepted: false, reason: `invalid pairwise-comparison matrix: ${problem}`,
    };
  }
  const { weights, lambdaMax } = principalEigenvector(a);
  const randomIndex = RANDOM_INDEX[n - 1];
  // λmax ≥ n in exact arithmetic; clamp the last-digit noise of consistent matrices to 0.
  const consistencyIndex = n <= 2 ? 0 : Math.max(0, (lambdaMax - n) / (n - 1));
  const consistencyRatio = n <= 2 ? 0 : consistencyIndex / randomIndex;
  let worst: InconsistentPair | null = null;
  let worstDeviation = -1;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const implied = weights[i] / weights[j];
      const deviation = Math.abs(Math.log(a[i][j] / implied));
      if (deviation > worstDeviation + 1e-12) {
        worstDeviation = deviation;
        worst = { i, j, labelI: labels[i], labelJ: labels[j], judged: a[i][j], implied };
      }
    }
  }
  const accepted = consistencyRatio <= maxCr;
  const base = { labels, weights, lambdaMax, consistencyIndex, randomIndex, consistencyRatio, mostInconsistentPair: worst };
  if (accepted) return { ...base, accepted };
  const w = worst as InconsistentPair;
  return {
    ...base,
    accepted,
    reason: `judgements are inconsistent: CR ${consistencyRatio.toFixed(3)} > ${maxCr}; the most inconsistent pair is `
      + `${w.labelI} vs ${w.labelJ}, judged ${formatRatio(w.judged)} but the other judgements imply ${formatRatio(w.implied)}`,
  };
}

function formatRatio(r: number): string {
  return r >= 1 ? `${Number(r.toPrecision(3))}` : `1/${Number((1 / r).toPrecision(3))}`;
}

/** The consistent matrix aᵢⱼ = wᵢ/wⱼ of positive weights (its principal eigenvector is w normalised, CR = 0). */
export function matrixFromWeights(weights: readonly number[]): number[][] {
  if (weights.length === 0 || !weights.every((w) => Number.isFinite(w) && w > 0)) {
    throw new RangeError('matrixFromWeights needs positive finite weights');
  }
  return weights.map((wi) => weights.map((wj) => wi / wj));
}

/** Named weights (e.g. fusion weights) from a pairwise matrix over those names; a ValidationError with the reason if rejected. */
export function ahpWeights<K extends string>(
  names: readonly K[], a: PairwiseMatrix, maxConsistencyRatio = MAX_CONSISTENCY_RATIO,
): Record<K, number> {
  const analysis = analyseAhp(a, { labels: names, maxConsistencyRatio });
  if (!analysis.accepted) {
    throw new ValidationError(analysis.reason ?? 'pairwise-comparison matrix rejected', {
      consistencyRatio: analysis.consistencyRatio,
      mostInconsistentPair: analysis.mostInconsistentPair,
    });
  }
  return Object.fromEntries(names.map((name, i) => [name, analysis.weights[i]])) as Record<K, number>;
}

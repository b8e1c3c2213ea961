import { conformalThreshold } from '../decision/conformal.js';
import { choleskySolve, choleskyWithJitter } from '../decision/linalg.js';
import { auroc } from '../evaluation/ranking.js';
import { COMPONENT_NAMES, type ComponentName, type ScoringSettings } from '../profile/settings.js';
import { fuse, type ComponentInput } from '../scoring/fusion.js';

/**
 * Recalibration of a profile's decision layer from expert labels: fusion weights learnt by a regularised logistic
 * regression on the components' calibrated values, then the operating thresholds chosen on the labelled set.
 * Pure functions; the use case (application/feedback/apply.ts) gathers the labels and writes the new version.
 */

/** Fewest labelled images of each class (normal, anomalous) before labels move weights or thresholds. */
export const MIN_LABELS_PER_CLASS = 5;
/** Pseudo-count of the default weights: with n = min(#normal, #anomalous) labels the learnt weights count n/(n + 20). */
export const PRIOR_STRENGTH = 20;
/** L2 penalty on the logistic coefficients (the features are calibrated values in 0..1, so one scale fits all). */
export const RIDGE_LAMBDA = 1;

export type Weights = Record<ComponentName, number>;
type Operating = ScoringSettings['operating'];

export interface LabelledScores {
  /** The report's components (calibrated values), as the fuse stage saw them. */
  readonly components: readonly ComponentInput[];
  readonly anomalous: boolean;
}

export interface LogisticFit {
  readonly intercept: number;
  readonly coefficients: number[];
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * L2-regularised logistic regression, P(y = 1 | x) = σ(b + βᵀx), fitted by Newton's method (IRLS): minimises
 * −Σ log-likelihood + λ/2 ‖β‖² (the intercept b is not penalised, bar 1e-8 for numerical safety). The objective is
 * strictly convex, so Newton converges to its unique minimum, also on separable data (where the penalty keeps β finite).
 */
export function logisticRegression(
  x: readonly (readonly number[])[], y: readonly number[], lambda = RIDGE_LAMBDA,
  /** Per-row weights of the likelihood (default 1), and the iteration cap. */
  options: { readonly weights?: readonly number[]; readonly maxIterations?: number } = {},
): LogisticFit {
  const maxIterations = options.maxIterations ?? 100;
  const rowWeight = (i: number) => options.weights?.[i] ?? 1;
  const n = x.length;
  if (n === 0 || y.length !== n) throw new RangeError('logistic regression needs as many labels as rows, at least one');
  const p = x[0]!.length;
  const d = p + 1;
  const beta = new Float64Array(d); // [b, β1..βp]
  const row = (i: number, j: number) => (j === 0 ? 1 : x[i]![j - 1]!);
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations && !converged; iterations++) {
    const g = new Float64Array(d);
    const h = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      let eta = beta[0]!;
      for (let j = 1; j < d; j++) eta += beta[j]! * row(i, j);
      const mu = 1 / (1 + Math.exp(-eta));
      const c = rowWeight(i);
      const w = c * Math.max(mu * (1 - mu), 1e-12);
      for (let j = 0; j < d; j++) {
        g[j] += c * (mu - y[i]!) * row(i, j);
        for (let k = 0; k <= j; k++) h[j * d + k] += w * row(i, j) * row(i, k);
      }
    }
    for (let j = 0; j < d; j++) {
      const penalty = j === 0 ? 1e-8 : lambda;
      g[j] += penalty * beta[j]!;
      h[j * d + j] += penalty;
      for (let k = 0; k < j; k++) h[k * d + j] = h[j * d + k]!;
    }
    const step = choleskySolve(choleskyWithJitter(h, d).l, d, g);
    let change = 0;
    for (let j = 0; j < d; j++) {
      beta[j] -= step[j]!;
      change = Math.max(change, Math.abs(step[j]!));
    }
    converged = change < 1e-10;
  }
  return { intercept: beta[0]!, coefficients: Array.from(beta.subarray(1)), iterations, converged };
}

export interface LearntWeights {
  readonly weights: Weights;
  /** False when the prior was kept (and why, in `reason`). */
  readonly learnt: boolean;
  /** Share of the learnt weights in the result: n/(n + PRIOR_STRENGTH), 0 when the prior was kept. */
  readonly share: number;
  readonly features: ComponentName[];
  /** Components the labels switched off (weight 0), see rule 5. */
  readonly switchedOff: ComponentName[];
  /** AUROC of the fused score on the labels with the prior and with the chosen weights (absent when nothing was fitted). */
  readonly auroc?: { readonly prior: number; readonly chosen: number };
  readonly fit?: LogisticFit;
  readonly reason: string;
}

/** How much better (AUROC on the labels) a less preferred candidate must rank them to be chosen (rule 5). */
export const SELECTION_MARGIN = 0.05;

/**
 * Fusion weights from labels. The rule:
 * 1. Features: the profile's fused components present in every labelled report (their calibrated values, all on
 *    one 0..1 scale, so coefficients compare directly). Components not among them keep their weight.
 * 2. With fewer than MIN_LABELS_PER_CLASS labels of either class, or fewer than two features, the weights stay.
 * 3. Otherwise fit the L2-regularised logistic regression above; learnt weights = the positive coefficients
 *    normalised to the features' prior total (a component whose coefficient is ≤ 0 adds no evidence of a defect).
 *    The fused score below the lift level is Σwᵢcᵢ/Σwᵢ, an increasing function of the fitted linear predictor, so it
 *    ranks images as the regression does.
 * 4. Shrink toward the prior: w = a·learnt + (1 − a)·prior with a = n/(n + PRIOR_STRENGTH), n = the smaller class
 *    count: the defaults stay the prior, and labels take over as they accumulate (a = 0.5 at 20 of each).
 * 5. Check on the fused score itself. Fusion lifts the score to any weighted component at or above its lift level,
 *    so a positive weight is also a switch: a component that is high on every image (a consistency rule firing on
 *    images that are not cathodes) lifts them all, whatever its weight. Candidates, in order of preference: the
 *    weights of step 4, the prior, then the weights of step 4 with one or more features switched off (weight 0;
 *    fewest first, at least one feature left on). Each is scored by the AUROC of the fused score (lift included) on
 *    the labels; the first candidate within SELECTION_MARGIN of the best AUROC is chosen.
 */
export function learnFusionWeights(examples: readonly LabelledScores[], prior: Weights, fused: readonly ComponentName[]): LearntWeights {
  const keep = (reason: string, features: ComponentName[] = [], fit?: LogisticFit): LearntWeights => ({ weights: { ...prior }, learnt: false, share: 0, features, switchedOff: [], ...(fit ? { fit } : {}), reason });
  const features = COMPONENT_NAMES.filter((name) => fused.includes(name) && examples.length > 0 && examples.every((e) => e.components.some((c) => c.name === name)));
  const positives = examples.filter((e) => e.anomalous).length;
  const n = Math.min(positives, examples.length - positives);
  if (n < MIN_LABELS_PER_CLASS) return keep(`weights kept: ${positives} anomalous and ${examples.length - positives} normal labels (at least ${MIN_LABELS_PER_CLASS} of each are needed)`, features);
  if (features.length < 2) return keep(`weights kept: ${features.length} component(s) present in every labelled report (two are needed to weigh them)`, features);
  const x = examples.map((e) => features.map((name) => e.components.find((c) => c.name === name)!.calibrated));
  const fit = logisticRegression(x, examples.map((e) => (e.anomalous ? 1 : 0)));
  const positive = fit.coefficients.map((b) => Math.max(0, b));
  const total = positive.reduce((s, b) => s + b, 0);
  if (!(total > 0)) return keep('weights kept: no component separates the labels (every coefficient ≤ 0)', features, fit);
  const mass = features.reduce((s, name) => s + prior[name], 0);
  const share = n / (n + PRIOR_STRENGTH);
  const weights = { ...prior };
  features.forEach((name, i) => {
    weights[name] = share * ((positive[i]! / total) * mass) + (1 - share) * prior[name];
  });
  // Step 5: the candidates, scored by the fused score's AUROC on the labels.
  const labels = examples.map((e) => (e.anomalous ? 1 : 0));
  const rank = (w: Weights) => {
    try {
      return auroc(examples.map((e) => refuse(e.components, w, { suspect: 0.5, anomalous: 0.9 }, fused)), labels);
    } catch {
      return 0; // no weighted component left for some report
    }
  };
  const candidates: { weights: Weights; off: ComponentName[]; prior: boolean }[] = [{ weights, off: [], prior: false }, { weights: { ...prior }, off: [], prior: true }];
  for (const off of subsets(features).sort((a, b) => a.length - b.length)) {
    if (off.length >= features.length) continue;
    const w = { ...weights };
    for (const name of off) w[name] = 0;
    candidates.push({ weights: w, off, prior: false });
  }
  const scored = candidates.map((c) => ({ ...c, auroc: rank(c.weights) }));
  const best = Math.max(...scored.map((c) => c.auroc));
  const chosen = scored.find((c) => c.auroc >= best - SELECTION_MARGIN)!;
  const priorAuroc = scored[1]!.auroc;
  const ranks = { prior: priorAuroc, chosen: chosen.auroc };
  if (chosen.prior) {
    return { weights: { ...prior }, learnt: false, share: 0, features, switchedOff: [], auroc: ranks, fit, reason: `weights kept: the learnt weights rank the ${examples.length} labels no better than the prior (AUROC ${priorAuroc.toFixed(3)})` };
  }
  const offText = chosen.off.length ? `; ${chosen.off.join(', ')} switched off: the fused score ranks the labels better without (AUROC ${scored[0]!.auroc.toFixed(3)} → ${chosen.auroc.toFixed(3)})` : '';
  return {
    weights: chosen.weights, learnt: true, share, features, switchedOff: chosen.off, auroc: ranks, fit,
    reason: `weights learnt from ${examples.length} labels (${positives} anomalous), counted ${(share * 100).toFixed(0)} % against the prior${offText}`,
  };
}

/** Every non-empty subset of a list (few components: at most 2⁴ − 1). */
function subsets<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => mask & (1 << i)));
  return out;
}

/** The fused score of stored components under other weights and thresholds (the fuse stage's rule, lift included). */
export function refuse(components: readonly ComponentInput[], weights: Partial<Weights>, thresholds: Operating['thresholds'], fused?: readonly ComponentName[]): number {
  const parts = fused ? components.filter((c) => fused.includes(c.name)) : components;
  return fuse(parts.length > 0 ? parts : components, weights, thresholds).score;
}

export interface ThresholdMetrics {
  readonly threshold: number;
  readonly f1: number;
  readonly precision: number;
  readonly recall: number;
  /** Share of labelled normals flagged. */
  readonly falseAlarmRate: number;
}

/** F1 and the rest at a threshold, every label counted once. */
export function metricsAt(scores: readonly number[], anomalous: readonly boolean[], threshold: number): ThresholdMetrics {
  return weightedMetricsAt(scores, anomalous, [], threshold);
}

/** F1 and the rest at a threshold with weighted labels (TP = Σ wᵢ[yᵢ][sᵢ ≥ t], and so on; a missing wᵢ is 1). */
export function weightedMetricsAt(scores: readonly number[], anomalous: readonly boolean[], weights: readonly number[], threshold: number): ThresholdMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let normals = 0;
  scores.forEach((s, i) => {
    const w = weights[i] ?? 1;
    if (anomalous[i]) {
      if (s >= threshold) tp += w;
      else fn += w;
    } else {
      normals += w;
      if (s >= threshold) fp += w;
    }
  });
  return {
    threshold,
    f1: 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    falseAlarmRate: normals === 0 ? 0 : fp / normals,
  };
}

export interface ChosenThresholds {
  readonly operating: Operating;
  /** False when the current thresholds were kept (why: `reason`). */
  readonly chosen: boolean;
  /** Metrics on the labelled set at the chosen suspect (operating) threshold; in-sample. */
  readonly metrics?: ThresholdMetrics;
  /** True when the declared suspect rate bounded the choice. */
  readonly constrained: boolean;
  readonly reason: string;
}

/**
 * The operating point from labelled fused scores. The rule:
 * - With fewer than MIN_LABELS_PER_CLASS normal or anomalous labels, the current thresholds stay.
 * - Suspect (the operating threshold: s ≥ it is flagged): among the midpoints between consecutive distinct labelled
 *   scores (and the lowest score), the one with the highest F1 on the labelled set, each label counted with its
 *   weight. The current threshold stays when
 *   it does as well (no change without a gain); among several best candidates the highest (fewer false alarms, as
 *   `bestF1` breaks ties). When the normals can resolve the declared suspect rate α (n ≥ 1/α − 1), only
 *   thresholds above the conformal threshold of the normals' scores at α are allowed, so the declared rate holds
 *   with the conformal guarantee; with fewer normals the choice is by F1 alone and a warning says so.
 * - Anomalous: just above the conformal threshold of the normals at the declared false-alarm rate when they can
 *   resolve it, otherwise the current one; never below the suspect threshold.
 * - Unchanged thresholds keep their source, unless the weights changed: thresholds set on scores fused with other
 *   weights and now re-validated on the labels are the labels' ('feedback').
 */
export function chooseThresholds(
  scores: readonly number[], anomalous: readonly boolean[], current: Operating,
  options: {
    /** The scores were fused with new weights: thresholds kept at the same values are then re-validated ones ('feedback'). */
    readonly weightsChanged?: boolean;
    /** Each example's weight in the F1 counts (default 1; 0: only in the conformal bound, e.g. calibration normals). */
    readonly weights?: readonly number[];
  } = {},
): ChosenThresholds {
  const weights = options.weights ?? scores.map(() => 1);
  const at = (t: number) => weightedMetricsAt(scores, anomalous, weights, t);
  const normalScores = scores.filter((_, i) => !anomalous[i]);
  const positives = scores.length - normalScores.length;
  if (Math.min(positives, normalScores.length) < MIN_LABELS_PER_CLASS) {
    return { operating: current, chosen: false, constrained: false, reason: `thresholds kept: ${positives} anomalous and ${normalScores.length} normal labels (at least ${MIN_LABELS_PER_CLASS} of each are needed)` };
  }
  const distinct = [...new Set(scores)].sort((a, b) => a - b);
  const candidates = [distinct[0]!, ...distinct.slice(1).map((v, i) => (v + distinct[i]!) / 2)];
  const bound = conformalThreshold(normalScores, current.suspectRate);
  const warnings: string[] = [];
  let feasible = candidates;
  if (bound.resolvable) feasible = candidates.filter((t) => t > bound.threshold);
  else warnings.push(`${normalScores.length} held-out normals cannot resolve the declared suspect rate ${current.suspectRate} (${bound.minimumN} needed): the operating threshold is chosen by F1 alone`);
  let suspect: number;
  let metrics: ThresholdMetrics;
  if (feasible.length === 0) {
    // Every labelled score is at or below the bound: flag only above it.
    suspect = Math.min(1, (bound.threshold as number) + 1e-9);
    metrics = at(suspect);
  } else {
    const all = feasible.map(at);
    const best = Math.max(...all.map((m) => m.f1));
    const atCurrent = at(current.thresholds.suspect);
    const currentFeasible = !bound.resolvable || current.thresholds.suspect > bound.threshold;
    if (currentFeasible && atCurrent.f1 >= best - 1e-12) {
      metrics = atCurrent;
    } else {
      metrics = all.filter((m) => m.f1 >= best - 1e-12).at(-1)!;
    }
    suspect = metrics.threshold;
  }
  const alarm = conformalThreshold(normalScores, current.falseAlarmRate);
  const anomalousThreshold = Math.min(1, Math.max(suspect, alarm.resolvable ? alarm.threshold + 1e-9 : current.thresholds.anomalous));
  if (!alarm.resolvable) warnings.push(`the anomalous threshold is kept: ${normalScores.length} held-out normals cannot resolve the declared false-alarm rate ${current.falseAlarmRate} (${alarm.minimumN} needed)`);
  if (!options.weightsChanged && suspect === current.thresholds.suspect && anomalousThreshold === current.thresholds.anomalous) {
    return { operating: current, chosen: false, metrics, constrained: bound.resolvable, reason: `thresholds kept: the operating threshold ${suspect.toFixed(4)} already maximises F1 (${metrics.f1.toFixed(3)})` };
  }
  const operating: Operating = {
    thresholds: { suspect: Math.max(0, Math.min(1, suspect)), anomalous: anomalousThreshold },
    source: 'feedback',
    falseAlarmRate: current.falseAlarmRate,
    suspectRate: current.suspectRate,
    calibrationSize: normalScores.length,
    ...(warnings.length ? { warning: warnings.join('; ') } : {}),
  };
  return {
    operating,
    chosen: true,
    metrics,
    constrained: bound.resolvable,
    reason: `operating threshold ${operating.thresholds.suspect.toFixed(4)} maximises F1 (${metrics.f1.toFixed(3)}) on the labels`
      + `${bound.resolvable ? ` with at most the declared ${current.suspectRate} of normals flagged (conformal bound)` : ''}`,
  };
}

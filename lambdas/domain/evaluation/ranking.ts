/**
 * Image-level ranking metrics over (score, label) pairs. Label 1 is anomalous (positive), 0 normal.
 * Higher scores mean "more anomalous". Tied scores are one threshold step, so ROC segments across ties are
 * diagonal (trapezoid), which makes the AUROC equal to the Mann-Whitney U statistic with midranks.
 */

export interface RocPoint {
  /** Images with score >= threshold are called anomalous. */
  readonly threshold: number;
  readonly fpr: number;
  readonly tpr: number;
}

export interface PrPoint {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
}

interface Step {
  readonly threshold: number;
  /** Cumulative true/false positives when calling every score >= threshold anomalous. */
  readonly tp: number;
  readonly fp: number;
}

function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (scores.length !== labels.length) {
    throw new RangeError(`scores (${scores.length}) and labels (${labels.length}) differ in length`);
  }
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`score ${i} is not finite`);
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${i} must be 0 or 1`);
  }
}

/** Cumulative counts at each distinct score, from the highest score down. */
function descendingSteps(scores: ArrayLike<number>, labels: ArrayLike<number>): { steps: Step[]; positives: number; negatives: number } {
  checkInputs(scores, labels);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const steps: Step[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    const index = order[i];
    if (labels[index] === 1) tp++;
    else fp++;
    const next = order[i + 1];
    if (next === undefined || scores[next] !== scores[index]) steps.push({ threshold: scores[index], tp, fp });
  }
  return { steps, positives: tp, negatives: fp };
}

function requireBothClasses(positives: number, negatives: number, metric: string): void {
  if (positives === 0 || negatives === 0) {
    throw new RangeError(`${metric} needs both normal and anomalous images (got ${negatives} normal, ${positives} anomalous)`);
  }
}

/** ROC curve from (fpr 0, tpr 0) at threshold +Infinity to (1, 1), one point per distinct score. */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): RocPoint[] {
  const { steps, positives, negatives } = descendingSteps(scores, labels);
  requireBothClasses(positives, negatives, 'ROC');
  return [
    { threshold: Number.POSITIVE_INFINITY, fpr: 0, tpr: 0 },
    ...steps.map((s) => ({ threshold: s.threshold, fpr: s.fp / negatives, tpr: s.tp / positives })),
  ];
}

/** Area under a piecewise-linear curve given by points sorted by x. */
export function trapezoid(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  let area = 0;
  for (let i = 1; i < xs.length; i++) area += ((xs[i] - xs[i - 1]) * (ys[i] + ys[i - 1])) / 2;
  return area;
}

/** Area under the ROC curve (trapezoid over tied groups = midrank Mann-Whitney). */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const curve = rocCurve(scores, labels);
  return trapezoid(
    curve.map((p) => p.fpr),
    curve.map((p) => p.tpr),
  );
}

/** Precision/recall at each distinct score, highest threshold first. */
export function prCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): PrPoint[] {
  const { steps, positives, negatives } = descendingSteps(scores, labels);
  requireBothClasses(positives, negatives, 'precision-recall');
  return steps.map((s) => ({ threshold: s.threshold, precision: s.tp / (s.tp + s.fp), recall: s.tp / positives }));
}

/**
 * Average precision as scikit-learn defines it: AP = Σ (R_n − R_{n−1}) · P_n over the distinct thresholds,
 * highest first (a step function, no interpolation; ties enter as one step).
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let previousRecall = 0;
  let ap = 0;
  for (const point of prCurve(scores, labels)) {
    ap += (point.recall - previousRecall) * point.precision;
    previousRecall = point.recall;
  }
  return ap;
}

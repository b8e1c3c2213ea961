import { prCurve } from './ranking.js';

/** Counts at one threshold; an image with score >= threshold is predicted anomalous (positive). */
export interface ConfusionMatrix {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export interface ThresholdScores {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Share of normal images called anomalous. */
  readonly fpr: number;
  readonly accuracy: number;
}

export function confusionMatrix(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): ConfusionMatrix {
  if (scores.length !== labels.length) throw new RangeError('scores and labels differ in length');
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i] >= threshold;
    if (labels[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  return { threshold, tp, fp, tn, fn };
}

/** F1 = 2·TP / (2·TP + FP + FN); 0 when there is nothing to find and nothing was flagged. */
export function f1Score(m: Pick<ConfusionMatrix, 'tp' | 'fp' | 'fn'>): number {
  const denominator = 2 * m.tp + m.fp + m.fn;
  return denominator === 0 ? 0 : (2 * m.tp) / denominator;
}

export function scoresAt(matrix: ConfusionMatrix): ThresholdScores {
  const { tp, fp, tn, fn } = matrix;
  return {
    threshold: matrix.threshold,
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    f1: f1Score(matrix),
    fpr: fp + tn === 0 ? 0 : fp / (fp + tn),
    accuracy: (tp + tn) / Math.max(1, tp + fp + tn + fn),
  };
}

/** The threshold (one of the scores) that maximises F1; the highest such threshold when several tie. */
export function bestF1(scores: ArrayLike<number>, labels: ArrayLike<number>): { threshold: number; f1: number } {
  let best = { threshold: Number.POSITIVE_INFINITY, f1: 0 };
  for (const p of prCurve(scores, labels)) {
    const f1 = p.precision + p.recall === 0 ? 0 : (2 * p.precision * p.recall) / (p.precision + p.recall);
    if (f1 > best.f1) best = { threshold: p.threshold, f1 };
  }
  return best;
}

import { auroc, averagePrecision, prCurve, rocCurve, trapezoid } from '../../../lambdas/domain/evaluation/ranking.js';
import { bestF1, confusionMatrix, f1Score, scoresAt } from '../../../lambdas/domain/evaluation/classification.js';

describe('image AUROC', () => {
  test('perfect and inverted rankings give 1 and 0', () => {
    expect(auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
  });

  test('ties count half (midrank): scores .1 .4 .4 .8, labels 0 0 1 1', () => {
    // Pairs (anomalous, normal): (.4,.1) win, (.4,.4) tie = 1/2, (.8,.1) win, (.8,.4) win -> 3.5 / 4.
    expect(auroc([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.875, 12);
  });

  test('all scores tied gives 0.5', () => {
    expect(auroc([3, 3, 3, 3, 3], [0, 1, 0, 1, 1])).toBeCloseTo(0.5, 12);
  });

  test('equals the Mann-Whitney statistic on a random set with many ties', () => {
    let state = 7;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    const scores = Array.from({ length: 200 }, () => Math.floor(next() * 10));
    const labels = scores.map((s) => (next() < 0.2 + s * 0.06 ? 1 : 0));
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < scores.length; i++) {
      if (labels[i] !== 1) continue;
      for (let j = 0; j < scores.length; j++) {
        if (labels[j] !== 0) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(auroc(scores, labels)).toBeCloseTo(wins / pairs, 12);
  });

  test('ROC curve has one point per distinct score plus the origin', () => {
    const curve = rocCurve([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1]);
    expect(curve.map((p) => [p.fpr, p.tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(curve[1].threshold).toBe(0.8);
  });

  test('rejects a set with one class only, mismatched lengths and bad labels', () => {
    expect(() => auroc([1, 2], [0, 0])).toThrow(/both normal and anomalous/);
    expect(() => auroc([1, 2], [0])).toThrow(/length/);
    expect(() => auroc([1, 2], [0, 2])).toThrow(/label/);
    expect(() => auroc([1, Number.NaN], [0, 1])).toThrow(/finite/);
  });

  test('trapezoid integrates a piecewise-linear curve', () => {
    expect(trapezoid([0, 1, 2], [0, 1, 1])).toBeCloseTo(1.5, 12);
  });
});

describe('average precision', () => {
  test('step-wise sum over distinct thresholds, ties as one step', () => {
    // t=.8: P=1, R=.5; t=.4: TP 2, FP 1 -> P=2/3, R=1; t=.1: R stays 1.  AP = .5*1 + .5*2/3.
    expect(averagePrecision([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.5 + 1 / 3, 12);
    expect(prCurve([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1])).toHaveLength(3);
  });

  test('ranked list N A A N A', () => {
    // Scores 5..1 with labels 0 1 1 0 1: precision at each recall step 1/2, 2/3, 3/5 -> AP = (1/2 + 2/3 + 3/5) / 3.
    expect(averagePrecision([5, 4, 3, 2, 1], [0, 1, 1, 0, 1])).toBeCloseTo((1 / 2 + 2 / 3 + 3 / 5) / 3, 12);
  });
});

describe('confusion matrix and F1', () => {
  const scores = [0.1, 0.3, 0.5, 0.7, 0.9, 0.6];
  const labels = [0, 0, 1, 0, 1, 1];

  test('score >= threshold is anomalous', () => {
    expect(confusionMatrix(scores, labels, 0.6)).toEqual({ threshold: 0.6, tp: 2, fp: 1, tn: 2, fn: 1 });
    const at = scoresAt(confusionMatrix(scores, labels, 0.6));
    expect(at.precision).toBeCloseTo(2 / 3, 12);
    expect(at.recall).toBeCloseTo(2 / 3, 12);
    expect(at.f1).toBeCloseTo(2 / 3, 12);
    expect(at.fpr).toBeCloseTo(1 / 3, 12);
    expect(at.accuracy).toBeCloseTo(4 / 6, 12);
  });

  test('best F1 searches every distinct score', () => {
    // At t=.5: TP 3, FP 1, FN 0 -> F1 = 6/7, better than any other threshold.
    const best = bestF1(scores, labels);
    expect(best.threshold).toBe(0.5);
    expect(best.f1).toBeCloseTo(6 / 7, 12);
    expect(f1Score(confusionMatrix(scores, labels, best.threshold))).toBeCloseTo(best.f1, 12);
  });

  test('F1 is 0 when nothing is flagged and nothing is anomalous', () => {
    expect(f1Score({ tp: 0, fp: 0, fn: 0 })).toBe(0);
  });
});

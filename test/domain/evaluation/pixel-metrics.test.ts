import { labelComponents } from '../../../lambdas/domain/microstructure/components.js';
import { PixelMetricsAccumulator, scoreRange } from '../../../lambdas/domain/evaluation/pixel-metrics.js';

describe('connected components', () => {
  test('8-connectivity joins diagonal neighbours', () => {
    // 1 0 0 1
    // 0 1 0 0
    // 0 0 0 1
    const mask = Uint8Array.from([1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1]);
    const { labels, count } = labelComponents(mask, 4, 3);
    expect(count).toBe(3);
    expect(labels[0]).toBe(labels[5]);
    expect(new Set([labels[0], labels[3], labels[11]]).size).toBe(3);
    expect(labels[1]).toBe(0);
  });
});

describe('pixel AUROC (binned)', () => {
  test('hand-computed case with ties inside one bin', () => {
    // One 10x1 image; anomalous pixels score .9 and .5, normal pixels .5 .5 .5 and five times .1.
    // Pairs: .9 beats all 8 normals; .5 beats 5 and ties 3 -> (8 + 5 + 1.5) / 16 = 0.90625.
    const acc = new PixelMetricsAccumulator(0, 1, 10);
    const mask = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    acc.add(Float32Array.from([0.9, 0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1]), mask, 10, 1);
    expect(acc.auroc()).toBeCloseTo(0.90625, 12);
  });

  test('normal images add only negatives; a perfect separation gives 1', () => {
    const acc = new PixelMetricsAccumulator(0, 1, 100);
    acc.add(Float32Array.from([0.1, 0.2, 0.3, 0.4]), null, 2, 2);
    acc.add(Float32Array.from([0.95, 0.2, 0.3, 0.1]), Uint8Array.from([1, 0, 0, 0]), 2, 2);
    expect(acc.auroc()).toBe(1);
  });

  test('agrees with the exact pairwise AUROC when bins are fine', () => {
    let state = 11;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    const width = 16;
    const height = 16;
    const acc = new PixelMetricsAccumulator(0, 2, 1 << 16);
    const positives: number[] = [];
    const negatives: number[] = [];
    for (let image = 0; image < 4; image++) {
      const mask = new Uint8Array(width * height);
      const scores = new Float32Array(width * height);
      for (let i = 0; i < scores.length; i++) {
        mask[i] = (i % width) < 4 && image % 2 === 0 ? 1 : 0;
        scores[i] = next() + (mask[i] ? 0.5 : 0);
        (mask[i] ? positives : negatives).push(scores[i]);
      }
      acc.add(scores, mask, width, height);
    }
    let wins = 0;
    for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
    expect(acc.auroc()).toBeCloseTo(wins / (positives.length * negatives.length), 3);
  });
});

describe('AUPRO (FPR <= 0.3, normalised)', () => {
  test('hand-computed case: two regions, one joined diagonally', () => {
    // Mask (4x4)       Scores
    // 1 0 0 1          .95 .75 .05 .85
    // 0 1 0 0          .05 .55 .65 .05
    // 0 0 0 0          .05 .05 .05 .05
    // 0 0 0 0          .05 .05 .05 .05
    // Regions (8-connected): A = {(0,0) .95, (1,1) .55}, B = {(0,3) .85}; 13 normal pixels (.75, .65, eleven .05).
    // Threshold .95: PRO = (1/2 + 0)/2 = .25, FPR 0
    //           .85: PRO = (1/2 + 1)/2 = .75, FPR 0
    //           .75: FPR 1/13;  .65: FPR 2/13;  .55: PRO = 1, FPR 2/13;  .05: FPR 1.
    // Area up to .3: .75 * 2/13 + 1 * (.3 - 2/13) = .3 - .5/13; normalised: 1 - .5/(13 * .3) = 0.8717948...
    // (With 4-connectivity A would split in two and the PRO at .85 would be 2/3, giving 0.8290598...)
    const mask = Uint8Array.from([1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const scores = Float32Array.from([0.95, 0.75, 0.05, 0.85, 0.05, 0.55, 0.65, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]);
    const acc = new PixelMetricsAccumulator(0, 1, 10);
    acc.add(scores, mask, 4, 4);
    expect(acc.regionCount).toBe(2);
    expect(acc.aupro()).toBeCloseTo(1 - 0.5 / 3.9, 10);
  });

  test('hand-computed case: the segment crossing FPR .3 is interpolated', () => {
    // 10x1: region {.9, .5}; normals .5 .5 .5 and five .1.
    // t=.9: (FPR 0, PRO .5); t=.5: (FPR 3/8, PRO 1) - one diagonal segment, at FPR .3 PRO = .5 + .5 * .3/.375 = .9.
    // Area = .3 * (.5 + .9) / 2 = .21; normalised .7.
    const acc = new PixelMetricsAccumulator(0, 1, 10);
    acc.add(Float32Array.from([0.9, 0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1]), Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]), 10, 1);
    expect(acc.aupro()).toBeCloseTo(0.7, 10);
  });

  test('regions count equally whatever their size, and normal images add false positives', () => {
    // Image 1: a 3-pixel region fully found (.9) and a 1-pixel region missed (.1); image 2 normal, all .2.
    // Any threshold in (.2, .9]: PRO = (1 + 0)/2 = .5 with FPR 0; below .2 every normal pixel fires (FPR jumps to
    // FPR 4/6 > .3), so the curve stays at .5 up to FPR .3 -> AUPRO .5.
    const acc = new PixelMetricsAccumulator(0, 1, 10);
    acc.add(Float32Array.from([0.9, 0.9, 0.9, 0.0, 0.1, 0.0]), Uint8Array.from([1, 1, 1, 0, 1, 0]), 6, 1);
    acc.add(Float32Array.from([0.2, 0.2, 0.2, 0.2]), null, 4, 1);
    expect(acc.regionCount).toBe(2);
    expect(acc.aupro()).toBeCloseTo(0.5, 10);
  });

  test('needs anomalous regions; range helper spans all maps', () => {
    const acc = new PixelMetricsAccumulator(0, 1, 10);
    acc.add(Float32Array.from([0.2, 0.3]), null, 2, 1);
    expect(() => acc.aupro()).toThrow(/region/);
    expect(() => acc.auroc()).toThrow(/anomalous/);
    expect(scoreRange([Float32Array.from([1, -2]), [5]])).toEqual({ min: -2, max: 5 });
  });
});

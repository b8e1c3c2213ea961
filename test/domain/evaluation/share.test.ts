import { shareWithInterval } from '../../../lambdas/domain/evaluation/share.js';

describe('shareWithInterval: a share of a few labelled images, with its exact binomial interval', () => {
  test('matches published Clopper-Pearson bounds (95 %): 0/10, 5/10, 10/10', () => {
    const none = shareWithInterval(0, 10);
    expect([none.share, none.lower]).toEqual([0, 0]);
    expect(none.upper).toBeCloseTo(0.3085, 4); // 1 − 0.025^(1/10)
    const half = shareWithInterval(5, 10);
    expect(half.share).toBe(0.5);
    expect(half.lower).toBeCloseTo(0.1871, 4);
    expect(half.upper).toBeCloseTo(0.8129, 4);
    const all = shareWithInterval(10, 10);
    expect(all.lower).toBeCloseTo(0.6915, 4);
    expect(all.upper).toBe(1);
  });

  test('narrows with more images; a lower confidence gives a narrower interval', () => {
    const few = shareWithInterval(3, 12);
    const many = shareWithInterval(30, 120);
    expect(many.upper - many.lower).toBeLessThan(few.upper - few.lower);
    const loose = shareWithInterval(3, 12, 0.8);
    expect(loose.lower).toBeGreaterThan(few.lower);
    expect(loose.upper).toBeLessThan(few.upper);
  });

  test('refuses counts that are not a share', () => {
    expect(() => shareWithInterval(3, 2)).toThrow(RangeError);
    expect(() => shareWithInterval(0, 0)).toThrow(RangeError);
    expect(() => shareWithInterval(1.5, 4)).toThrow(RangeError);
    expect(() => shareWithInterval(1, 4, 1)).toThrow(RangeError);
  });
});

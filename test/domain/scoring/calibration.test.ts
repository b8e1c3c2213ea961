import {
  buildCalibration, calibrate, leaveOneOut, pixelThresholds, quantile, thresholdsFromNormals, verdictOf,
} from '../../../lambdas/domain/scoring/calibration.js';

describe('thresholdsFromNormals', () => {
  it('puts suspect above typical normals and anomalous above every normal', () => {
    const normals = [1.0, 1.1, 0.9, 1.05, 0.95, 1.2, 0.98, 1.02];
    const t = thresholdsFromNormals(normals);
    expect(t.suspect).toBeGreaterThan(quantile(normals, 0.9));
    expect(t.anomalous).toBeGreaterThan(Math.max(...normals));
    expect(t.anomalous).toBeGreaterThan(t.suspect);
  });

  it('stays usable with two nearly identical calibration images', () => {
    const t = thresholdsFromNormals([2.0, 2.0001]);
    // the spread floor (10 % of the mean) keeps the next normal image, a little different, normal
    expect(verdictOf(calibrate(2.1, t))).toBe('normal');
    expect(verdictOf(calibrate(3.5, t))).toBe('anomalous');
    expect(thresholdsFromNormals([5]).anomalous).toBeGreaterThan(5);
  });
});

describe('calibrate', () => {
  const t = thresholdsFromNormals([1, 1.2, 0.8, 1.1, 0.9]);
  it('is monotone, 0.5 at suspect, 0.9 at anomalous, within 0..1', () => {
    expect(calibrate(t.suspect, t)).toBeCloseTo(0.5, 10);
    expect(calibrate(t.anomalous, t)).toBeCloseTo(0.9, 10);
    let previous = -1;
    for (let raw = 0; raw <= 5; raw += 0.01) {
      const c = calibrate(raw, t);
      expect(c).toBeGreaterThanOrEqual(previous);
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThanOrEqual(1);
      previous = c;
    }
    expect(calibrate(1, t)).toBeLessThan(0.2);
  });

  it('gives verdicts consistent with the raw thresholds', () => {
    expect(verdictOf(calibrate(t.suspect * 0.99, t))).toBe('normal');
    expect(verdictOf(calibrate((t.suspect + t.anomalous) / 2, t))).toBe('suspect');
    expect(verdictOf(calibrate(t.anomalous * 1.01, t))).toBe('anomalous');
  });
});

describe('pixelThresholds and buildCalibration', () => {
  it('takes a high quantile of the calibration pixels for regions and their median as the normal level', () => {
    const a = new Float32Array(10_000);
    for (let i = 0; i < a.length; i++) a[i] = i / a.length; // uniform 0..1
    const { threshold, low } = pixelThresholds([{ data: a }, { data: a }]);
    expect(threshold).toBeCloseTo(0.999, 2);
    expect(low).toBeCloseTo(0.5, 2);
    // The median is the heatmap's floor, a profile setting now, returned beside the calibration.
    const { calibration: cal, heatmapLow } = buildCalibration({ imageScores: [1, 1.1, 0.9], scoreMaps: [{ data: a }], noveltyScores: [0.2, 0.3] });
    expect(cal.pixelThreshold).toBeCloseTo(0.999, 2);
    expect(heatmapLow).toBeCloseTo(0.5, 2);
    expect(cal).not.toHaveProperty('pixelScoreLow');
    expect(cal.suspect).toBeLessThan(cal.anomalous);
    expect(cal.normalImageScores).toEqual([1, 1.1, 0.9]);
    expect(cal.normalNoveltyScores).toEqual([0.2, 0.3]);
  });
});

describe('leaveOneOut', () => {
  test('drops the one score equal to its own, and only that one', () => {
    expect(leaveOneOut([1, 2, 3, 2], 2)).toEqual([1, 3, 2]);
    expect(leaveOneOut([1, 2.0000000000000004, 3], 2)).toEqual([1, 3]); // float rounding of the same score
  });
  test('keeps every score when none is its own, or when it is the only one', () => {
    expect(leaveOneOut([1, 2, 3], 2.5)).toEqual([1, 2, 3]);
    expect(leaveOneOut([2], 2)).toEqual([2]);
  });
});

import { createGreyImage } from '../../../lambdas/domain/image/grey-image.js';
import { describeComponents, labelComponents, percentile } from '../../../lambdas/domain/microstructure/components.js';
import { measureMicrostructure } from '../../../lambdas/domain/microstructure/metrics.js';
import { dilate, erode, keepLargeComponents, open, skeletonize } from '../../../lambdas/domain/microstructure/morphology.js';
import { threeClassThresholds } from '../../../lambdas/domain/microstructure/otsu.js';
import { PHASE_CODE, segmentPhases } from '../../../lambdas/domain/microstructure/segmentation.js';
import { generateMicrograph } from '../../../lambdas/domain/synth/index.js';

describe('segmentation recovers the generator truth', () => {
  test.each([11, 12, 13])('seed %i: porosity within 2 points, sulfur within 2 points, D50 within 10 %', (seed) => {
    const m = generateMicrograph({ seed, width: 320, height: 320, pixelSizeUm: 0.1 });
    const seg = segmentPhases(m.image, 'sem');
    const { measurements } = measureMicrostructure(seg, 0.1);
    expect(Math.abs(measurements.porosity - m.truth.porosity)).toBeLessThan(0.02);
    expect(Math.abs(measurements.phases.sulfur - m.truth.sulfurAreaFraction)).toBeLessThan(0.02);
    expect(Math.abs(measurements.particles.d50 / m.truth.particleD50Um - 1)).toBeLessThan(0.1);
    expect(Math.abs(measurements.particles.count - m.truth.particleCount)).toBeLessThanOrEqual(Math.ceil(m.truth.particleCount * 0.1));
    expect(measurements.unit).toBe('um');
  });

  test('per-pixel agreement with the truth labels is high', () => {
    const m = generateMicrograph({ seed: 4, width: 256, height: 256, pixelSizeUm: 0.1 });
    const seg = segmentPhases(m.image);
    let agree = 0;
    for (let i = 0; i < seg.phases.length; i++) if (seg.phases[i] === m.phases[i]) agree++;
    expect(agree / seg.phases.length).toBeGreaterThan(0.95);
  });

  test('afm: a tilted height map is levelled before thresholding', () => {
    const m = generateMicrograph({ seed: 8, width: 256, height: 256, pixelSizeUm: 0.1 });
    const tilted = new Float32Array(m.image.data.length);
    for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) tilted[y * 256 + x] = m.image.data[y * 256 + x]! + 0.35 * (x / 255);
    const image = createGreyImage(256, 256, tilted);
    const afm = measureMicrostructure(segmentPhases(image, 'afm'), 0.1).measurements;
    const semNoLevel = measureMicrostructure(segmentPhases(image, 'sem'), 0.1).measurements;
    expect(Math.abs(afm.porosity - m.truth.porosity)).toBeLessThan(0.02);
    // Without levelling the ramp pushes one side into the wrong classes.
    expect(Math.abs(semNoLevel.porosity - m.truth.porosity)).toBeGreaterThan(Math.abs(afm.porosity - m.truth.porosity));
  });

  test('sem: strong brightness drift is levelled block by block', () => {
    const m = generateMicrograph({ seed: 14, width: 320, height: 320, pixelSizeUm: 0.1, params: { drift: 0.25 } });
    const flattened = measureMicrostructure(segmentPhases(m.image, 'sem'), 0.1).measurements;
    const raw = measureMicrostructure(segmentPhases(m.image, 'sem', { flattenBlockPx: 0 }), 0.1).measurements;
    expect(Math.abs(flattened.porosity - m.truth.porosity)).toBeLessThan(0.02);
    expect(Math.abs(raw.porosity - m.truth.porosity)).toBeGreaterThan(Math.abs(flattened.porosity - m.truth.porosity));
  });

  test('without a pixel size every length is in px', () => {
    const m = generateMicrograph({ seed: 2, width: 256, height: 256, pixelSizeUm: 0.1 });
    const { measurements } = measureMicrostructure(segmentPhases(m.image), undefined);
    expect(measurements.unit).toBe('px');
    expect(measurements.pixelSizeUm).toBeNull();
    expect(Math.abs(measurements.particles.d50 / (m.truth.particleD50Um / 0.1) - 1)).toBeLessThan(0.1);
  });
});

describe('memory reuse changes nothing', () => {
  test.each(['crack', 'void', 'agglomeration'] as const)('%s: measuring with the pore labels consumed gives the same measurements and maps', (anomaly) => {
    const m = generateMicrograph({ seed: 21, width: 256, height: 256, pixelSizeUm: 0.1, anomaly });
    const kept = measureMicrostructure(segmentPhases(m.image), 0.1);
    const consumed = measureMicrostructure(segmentPhases(m.image), 0.1, {}, { consumePoreLabels: true });
    expect(consumed.measurements).toEqual(kept.measurements);
    expect(consumed.maps).toEqual(kept.maps);
    expect(kept.measurements.pores.count).toBeGreaterThan(0);
  });

  test('sulfur components\' mean intensities come with the segmentation whichever class sulfur is', () => {
    const m = generateMicrograph({ seed: 22, width: 256, height: 256, pixelSizeUm: 0.1 });
    const orders = [['pore', 'carbon', 'sulfur'], ['sulfur', 'carbon', 'pore'], ['pore', 'sulfur', 'carbon']] as const;
    for (const classOrder of orders) {
      const seg = segmentPhases(m.image, 'sem', { classOrder: [...classOrder] });
      const sulfur = seg.components.sulfur!;
      expect(sulfur.count).toBeGreaterThan(0);
      expect(seg.sulfurMeans).toHaveLength(sulfur.count + 1);
      const means = Array.from(seg.sulfurMeans.subarray(1));
      expect(means.every(Number.isFinite)).toBe(true);
      // Bright sulfur is at or above the high threshold, dark sulfur below the low one (measured on the thresholded image).
      if (classOrder[2] === 'sulfur') expect(Math.min(...means)).toBeGreaterThanOrEqual(seg.thresholds.high);
      if (classOrder[0] === 'sulfur') expect(Math.max(...means)).toBeLessThan(seg.thresholds.low);
    }
  });
});

describe('building blocks', () => {
  test('three-class thresholds fall between the three levels', () => {
    const v = new Float32Array(3000);
    for (let i = 0; i < 3000; i++) v[i] = i < 500 ? 0.1 : i < 2500 ? 0.45 : 0.85;
    const t = threeClassThresholds(v);
    expect(t.low).toBeGreaterThan(0.1);
    expect(t.low).toBeLessThan(0.45);
    expect(t.high).toBeGreaterThan(0.45);
    expect(t.high).toBeLessThan(0.85);
  });

  test('erode/dilate/open with square elements; small components dropped', () => {
    const w = 20;
    const mask = new Uint8Array(w * w);
    for (let y = 5; y < 12; y++) for (let x = 5; x < 12; x++) mask[y * w + x] = 1; // 7x7 square
    mask[2 * w + 17] = 1; // isolated pixel
    const count = (m: Uint8Array): number => m.reduce((a, b) => a + b, 0);
    expect(count(erode(mask, w, w, 1))).toBe(25);
    expect(count(dilate(mask, w, w, 1))).toBe(81 + 9);
    expect(count(open(mask, w, w, 1))).toBe(49);
    const kept = keepLargeComponents(mask, w, w, 2);
    expect(kept.count).toBe(1);
    expect(kept.labels.filter((l) => l === 1).length).toBe(49);
  });

  test('a disc has circularity ≈ 1 and its true equivalent diameter; a bar is elongated', () => {
    const w = 80;
    const mask = new Uint8Array(w * w);
    for (let y = 0; y < w; y++) for (let x = 0; x < 40; x++) if ((x - 20) ** 2 + (y - 20) ** 2 <= 12 ** 2) mask[y * w + x] = 1;
    for (let y = 60; y < 64; y++) for (let x = 10; x < 70; x++) mask[y * w + x] = 1;
    const shapes = describeComponents(labelComponents(mask, w, w), w, w);
    const disc = shapes.find((s) => s.centroid.y < 40)!;
    const bar = shapes.find((s) => s.centroid.y > 40)!;
    expect(disc.equivalentDiameterPx).toBeCloseTo(24, 0);
    expect(disc.circularity).toBeGreaterThan(0.85);
    expect(disc.aspectRatio).toBeLessThan(1.1);
    expect(bar.aspectRatio).toBeGreaterThan(10);
    expect(bar.circularity).toBeLessThan(0.3);
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
  });

  test('skeleton of a thick line is one pixel wide and about as long', () => {
    const w = 60;
    const mask = new Uint8Array(w * 12);
    for (let y = 4; y < 8; y++) for (let x = 5; x < 55; x++) mask[y * w + x] = 1;
    const skeleton = skeletonize(mask, w, 12);
    const n = skeleton.reduce((a, b) => a + b, 0);
    expect(n).toBeGreaterThan(40);
    expect(n).toBeLessThan(52);
    for (let x = 0; x < w; x++) {
      let column = 0;
      for (let y = 0; y < 12; y++) column += skeleton[y * w + x]!;
      expect(column).toBeLessThanOrEqual(1);
    }
  });

  test('phase codes match the generator labels', () => {
    expect(PHASE_CODE).toEqual({ carbon: 0, sulfur: 1, pore: 2 });
  });
});

import { ANOMALY_TYPES, PHASE, generateMicrograph, planSynthSet } from '../../../lambdas/domain/synth/index.js';

const base = { width: 192, height: 192, pixelSizeUm: 0.1 } as const;

describe('generateMicrograph', () => {
  test('the same seed gives the same bytes; another seed gives another image', () => {
    const a = generateMicrograph({ ...base, seed: 42, anomaly: 'crack' });
    const b = generateMicrograph({ ...base, seed: 42, anomaly: 'crack' });
    const c = generateMicrograph({ ...base, seed: 43, anomaly: 'crack' });
    expect(Buffer.from(a.image.data.buffer).equals(Buffer.from(b.image.data.buffer))).toBe(true);
    expect(Buffer.from(a.mask!).equals(Buffer.from(b.mask!))).toBe(true);
    expect(a.truth).toEqual(b.truth);
    expect(a.metadata).toEqual(b.metadata);
    expect(Buffer.from(a.image.data.buffer).equals(Buffer.from(c.image.data.buffer))).toBe(false);
  });

  test('intensities stay in 0..1 and phases are ordered dark pore < carbon < bright sulfur', () => {
    const m = generateMicrograph({ ...base, seed: 1 });
    const sums = [0, 0, 0];
    const counts = [0, 0, 0];
    let outOfRange = 0;
    for (let i = 0; i < m.image.data.length; i++) {
      const v = m.image.data[i]!;
      if (!(v >= 0 && v <= 1)) outOfRange++;
      sums[m.phases[i]!]! += v;
      counts[m.phases[i]!]! += 1;
    }
    expect(outOfRange).toBe(0);
    const mean = sums.map((s, i) => s / counts[i]!);
    expect(mean[PHASE.pore]).toBeLessThan(mean[PHASE.carbon]!);
    expect(mean[PHASE.carbon]).toBeLessThan(mean[PHASE.sulfur]!);
    expect(m.mask).toBeUndefined();
    expect(m.truth.anomaly).toBeNull();
  });

  test('the scene meets the design fractions and particle size', () => {
    const m = generateMicrograph({ ...base, width: 320, height: 320, seed: 5, params: { sulfurAreaFraction: 0.2, porosity: 0.1, particleD50Um: 2 } });
    expect(Math.abs(m.truth.sulfurAreaFraction - 0.2)).toBeLessThan(0.02);
    expect(Math.abs(m.truth.porosity - 0.1)).toBeLessThan(0.02);
    expect(Math.abs(m.truth.particleD50Um / 2 - 1)).toBeLessThan(0.15);
    expect(m.truth.particleD10Um).toBeLessThan(m.truth.particleD50Um);
    expect(m.truth.particleD90Um).toBeGreaterThan(m.truth.particleD50Um);
    expect(m.truth.porosity + m.truth.sulfurAreaFraction + m.truth.carbonFraction + m.truth.contaminantFraction).toBeCloseTo(1, 6);
  });

  test.each(ANOMALY_TYPES)('%s: the mask marks exactly the injected defect', (type) => {
    const normal = generateMicrograph({ ...base, seed: 9 });
    const m = generateMicrograph({ ...base, seed: 9, anomaly: type });
    const mask = m.mask!;
    let area = 0;
    let changedOutside = 0;
    let outsideBox = 0;
    const phaseCounts = [0, 0, 0, 0];
    const box = m.truth.anomaly!.bbox;
    for (let y = 0; y < base.height; y++) {
      for (let x = 0; x < base.width; x++) {
        const i = y * base.width + x;
        if (mask[i]) {
          area++;
          phaseCounts[m.phases[i]!]!++;
          if (!(x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height)) outsideBox++;
        } else if (m.phases[i] !== normal.phases[i]) changedOutside++;
      }
    }
    expect(outsideBox).toBe(0);
    expect(m.truth.anomaly!.type).toBe(type);
    expect(area).toBe(m.truth.anomaly!.areaPx);
    expect(area).toBeGreaterThan(40);
    // Outside the mask the scene is the one the same seed gives without the anomaly.
    expect(changedOutside).toBe(0);
    const dominant = { agglomeration: PHASE.sulfur, crack: PHASE.pore, void: PHASE.pore, contamination: PHASE.contaminant, delamination: PHASE.carbon }[type];
    expect(phaseCounts.indexOf(Math.max(...phaseCounts))).toBe(dominant);
  });

  test('rejects a non-positive pixel size', () => {
    expect(() => generateMicrograph({ ...base, seed: 1, pixelSizeUm: 0 })).toThrow(/pixelSizeUm/);
  });

  test('the synthesis sheet declares the design values', () => {
    const m = generateMicrograph({ ...base, seed: 3, params: { porosity: 0.12, particleD50Um: 2.2 }, batchId: 'B-1' });
    expect(m.metadata).toMatchObject({ batchId: 'B-1', targetPorosity: 0.12, particleSizeUm: 2.2, pixelSizeUm: 0.1 });
    expect(m.metadata.sulfurLoadingWtPct).toBeGreaterThan(15);
    expect(m.metadata.sulfurLoadingWtPct).toBeLessThan(30);
  });
});

describe('planSynthSet', () => {
  test('spreads the anomaly types evenly at the requested rate, deterministically', () => {
    const options = { seed: 7, count: 20, width: 64, height: 64, pixelSizeUm: 0.1, anomalyRate: 0.5 };
    const plan = planSynthSet(options);
    expect(plan).toHaveLength(20);
    expect(plan.filter((p) => p.anomaly).length).toBe(10);
    for (const t of ANOMALY_TYPES) expect(plan.filter((p) => p.anomaly === t).length).toBe(2);
    expect(planSynthSet(options)).toEqual(plan);
    expect(new Set(plan.map((p) => p.name)).size).toBe(20);
    expect(new Set(plan.map((p) => p.batchId)).size).toBe(4);
    expect(planSynthSet({ ...options, anomalyRate: 0 }).every((p) => !p.anomaly)).toBe(true);
  });
});

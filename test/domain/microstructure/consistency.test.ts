import { analyseMicrostructure } from '../../../lambdas/domain/microstructure/analyse.js';
import { checkConsistency, type RuleName } from '../../../lambdas/domain/microstructure/consistency.js';
import type { MicrostructureMeasurements } from '../../../lambdas/domain/microstructure/metrics.js';
import { sulfurVolumeFractionToWtPct, sulfurWtPctToVolumeFraction } from '../../../lambdas/domain/metadata/phase-densities.js';
import { ANOMALY_TYPES, generateMicrograph, type AnomalyType } from '../../../lambdas/domain/synth/index.js';

const size = { width: 320, height: 320, pixelSizeUm: 0.1 } as const;
const firedRules = (findings: Record<string, unknown>[]): string[] => findings.map((f) => f.rule as string).sort();

describe('wt% → vol% conversion', () => {
  test('70 wt% sulfur in a 2.0 g/cm³ carbon is (0.7/2.07)/(0.7/2.07 + 0.3/2.0) by volume, and back', () => {
    const expected = 0.7 / 2.07 / (0.7 / 2.07 + 0.3 / 2.0);
    expect(sulfurWtPctToVolumeFraction(70, 2.0)).toBeCloseTo(expected, 10);
    expect(sulfurVolumeFractionToWtPct(expected, 2.0)).toBeCloseTo(70, 8);
  });
});

describe('consistency rules on generated micrographs', () => {
  test('a normal micrograph with its own sheet passes every rule', () => {
    const m = generateMicrograph({ ...size, seed: 31 });
    const r = analyseMicrostructure(m.image, { pixelSizeUm: 0.1, metadata: m.metadata });
    expect(r.findings).toEqual([]);
    expect(r.consistency).toEqual({ raw: 0, calibrated: 0 });
    const checks = (r.microstructure.consistency as { checks: { status: string }[] }).checks;
    expect(checks.every((c) => c.status === 'pass')).toBe(true);
  });

  const expectedRule: Record<AnomalyType, RuleName> = {
    agglomeration: 'no-agglomerates',
    crack: 'no-cracks',
    void: 'no-voids',
    contamination: 'no-foreign-inclusions',
    delamination: 'no-cracks',
  };

  test.each(ANOMALY_TYPES)('%s fires its structural rule, and no sheet rule', (type) => {
    const m = generateMicrograph({ ...size, seed: 32, anomaly: type });
    const r = analyseMicrostructure(m.image, { pixelSizeUm: 0.1, metadata: m.metadata });
    const fired = firedRules(r.findings);
    expect(fired).toContain(expectedRule[type]);
    for (const sheetRule of ['sulfur-fraction-vs-loading', 'd50-vs-declared', 'pixel-size-vs-sheet']) expect(fired).not.toContain(sheetRule);
    expect(r.consistency.calibrated).toBeGreaterThanOrEqual(0.5);
    // The structural finding points at the injected defect.
    const finding = r.findings.find((f) => f.rule === expectedRule[type]) as { locations: { x: number; y: number }[] };
    const box = m.truth.anomaly!.bbox;
    const inside = finding.locations.some((l) => l.x >= box.x - 5 && l.x <= box.x + box.width + 5 && l.y >= box.y - 5 && l.y <= box.y + box.height + 5);
    expect(inside).toBe(true);
  });

  test.each([
    ['sulfur-fraction-vs-loading', { sulfurLoadingWtPct: 70 }],
    ['porosity-vs-target', { targetPorosity: 0.3 }],
    ['d50-vs-declared', { particleSizeUm: 4 }],
    ['pixel-size-vs-sheet', { pixelSizeUm: 0.2 }],
  ] as const)('a sheet that disagrees fires %s and nothing else', (rule, change) => {
    const m = generateMicrograph({ ...size, seed: 33 });
    const r = analyseMicrostructure(m.image, { pixelSizeUm: 0.1, metadata: { ...m.metadata, ...change } });
    expect(firedRules(r.findings)).toEqual([rule]);
    const f = r.findings[0]!;
    expect(f).toMatchObject({ rule, severity: expect.stringMatching(/warning|critical/) });
    expect(typeof (f.measured as { value: number }).value).toBe('number');
    expect(f.explanation).toEqual(expect.any(String));
  });

  test('a raw sheet in lab spelling is normalised before the rules use it', () => {
    const m = generateMicrograph({ ...size, seed: 36 });
    const r = analyseMicrostructure(m.image, { pixelSizeUm: 0.1, metadata: { 'Sulfur loading': '70 wt%', 'Carbon host': 'Ketjen black', 'Target porosity': `${(m.metadata.targetPorosity! * 100).toFixed(1)} %` } });
    expect(firedRules(r.findings)).toEqual(['sulfur-fraction-vs-loading']);
  });

  test('an invalid raw sheet is not used and its field errors are recorded', () => {
    const m = generateMicrograph({ ...size, seed: 34 });
    const r = analyseMicrostructure(m.image, { pixelSizeUm: 0.1, metadata: { sulfurLoadingWtPct: 'lots' } });
    expect(r.microstructure.metadataErrors).toEqual([expect.objectContaining({ field: 'sulfurLoadingWtPct' })]);
    expect(firedRules(r.findings)).toEqual([]);
  });

  test('the result is JSON-safe and the overlay matches the image', () => {
    const m = generateMicrograph({ ...size, seed: 35, anomaly: 'crack' });
    const r = analyseMicrostructure(m.image, { pixelSizeUm: 0.1, metadata: m.metadata });
    expect(JSON.parse(JSON.stringify(r.microstructure))).toEqual(r.microstructure);
    expect(JSON.parse(JSON.stringify(r.findings))).toEqual(r.findings);
    expect(r.phaseOverlay.width).toBe(320);
    expect(r.phaseOverlay.data.length).toBe(320 * 320 * 4);
    const graph = r.microstructure.graph as { kind: string; x: number[]; edgeList: number[]; nodes: number; edges: number };
    expect(graph.kind.length).toBe(graph.nodes);
    expect(graph.x.length).toBe(graph.nodes);
    expect(graph.edgeList.length).toBe(3 * graph.edges);
    expect(graph.edges).toBeGreaterThan(0);
    expect(JSON.stringify(r.microstructure).length).toBeLessThan(40000);
    // Red crack pixels appear in the overlay.
    let red = 0;
    for (let i = 0; i < r.phaseOverlay.data.length; i += 4) if (r.phaseOverlay.data[i]! > 200 && r.phaseOverlay.data[i + 1]! < 90) red++;
    expect(red).toBeGreaterThan(20);
  });
});

describe('checkConsistency', () => {
  const measurements = (over: Partial<MicrostructureMeasurements> = {}): MicrostructureMeasurements => ({
    unit: 'um',
    pixelSizeUm: 0.1,
    phases: { sulfur: 0.2, carbon: 0.7, pore: 0.1 },
    porosity: 0.1,
    particles: { count: 100, d10: 1.5, d50: 2, d90: 2.7, meanCircularity: 0.95, meanAspectRatio: 1.2 },
    pores: { count: 200, d50: 0.9, largest: 2 },
    largestAgglomerate: null,
    cracks: [],
    voids: [],
    brightInclusions: [],
    graph: { nodes: 300, edges: 200, meanDegree: 1.3, maxGap: 0.5 },
    ...over,
  });
  const input = (m: MicrostructureMeasurements, metadata = {}) => ({ measurements: m, metadata, imageArea: 1e5, assumedPixelSizeUm: 0.1, modality: 'sem' as const });

  test('tolerances are configurable and severity grows with the deviation', () => {
    const m = measurements({ porosity: 0.15 });
    expect(checkConsistency(input(m, { targetPorosity: 0.1 })).findings[0]).toMatchObject({ rule: 'porosity-vs-target', severity: 'warning' });
    expect(checkConsistency(input(m, { targetPorosity: 0.1 }), { porosity: 0.06 }).findings).toEqual([]);
    expect(checkConsistency(input(measurements({ porosity: 0.25 }), { targetPorosity: 0.1 })).findings[0]!.severity).toBe('critical');
  });

  test('calibrated sub-score: 0 when all pass, 0.5 for one warning, higher for critical', () => {
    expect(checkConsistency(input(measurements())).calibrated).toBe(0);
    const warning = checkConsistency(input(measurements({ porosity: 0.15 }), { targetPorosity: 0.1 }));
    expect(warning.calibrated).toBeCloseTo(0.5, 10);
    const critical = checkConsistency(input(measurements({ porosity: 0.3 }), { targetPorosity: 0.1 }));
    expect(critical.calibrated).toBeGreaterThan(0.8);
  });

  test('rules without their inputs are skipped, not passed', () => {
    const r = checkConsistency({ ...input(measurements({ unit: 'px', pixelSizeUm: null }), { particleSizeUm: 2 }), modality: 'afm' });
    const status = Object.fromEntries(r.checks.map((c) => [c.rule, c.status]));
    expect(status).toMatchObject({ 'sulfur-fraction-vs-loading': 'skipped', 'porosity-vs-target': 'skipped', 'd50-vs-declared': 'skipped', 'no-foreign-inclusions': 'skipped', 'no-cracks': 'pass' });
  });

  test('infiltrated sulfur share lowers the expected visible sulfur', () => {
    const m = measurements({ phases: { sulfur: 0.1, carbon: 0.8, pore: 0.1 } });
    expect(checkConsistency(input(m, { sulfurLoadingWtPct: 40 })).findings.map((f) => f.rule)).toEqual(['sulfur-fraction-vs-loading']);
    expect(checkConsistency(input(m, { sulfurLoadingWtPct: 40 }), { infiltratedSulfurShare: 0.7 }).findings).toEqual([]);
  });
});

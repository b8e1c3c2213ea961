import { carbonHostDensity, sulfurWtPctToVolumeFraction } from '../metadata/phase-densities.js';
import type { SynthesisMetadata } from '../metadata/schema.js';
import type { MicrostructureMeasurements } from './metrics.js';

export type Severity = 'info' | 'warning' | 'critical';

/** A rule that did not pass: what was expected, what was measured, how bad, and why it matters. */
export interface Finding {
  readonly rule: RuleName;
  readonly title: string;
  readonly severity: Severity;
  readonly expected: { readonly min?: number; readonly max?: number; readonly unit: string };
  readonly measured: { readonly value: number; readonly unit: string };
  readonly explanation: string;
  /** Where in the image (px), for structural findings. */
  readonly locations?: readonly { readonly x: number; readonly y: number; readonly bbox: { x: number; y: number; width: number; height: number } }[];
}

export interface RuleCheck {
  readonly rule: RuleName;
  readonly status: 'pass' | 'fail' | 'skipped';
  readonly reason?: string;
}

export const RULES = {
  'sulfur-fraction-vs-loading': 'Sulfur area fraction agrees with the declared sulfur loading',
  'porosity-vs-target': 'Porosity agrees with the target porosity',
  'd50-vs-declared': 'Median particle size agrees with the declared particle size',
  'pixel-size-vs-sheet': "The image's pixel size agrees with the sheet's",
  'no-cracks': 'No cracks in the coating',
  'no-voids': 'No voids (pores far above the normal pore size)',
  'no-agglomerates': 'Sulfur is dispersed (no large agglomerate)',
  'no-foreign-inclusions': 'No foreign bright inclusions',
} as const;
export type RuleName = keyof typeof RULES;

/** Tolerances of the rules; beyond `critical factor × tolerance` a violation is critical rather than a warning. */
export interface ConsistencyTolerances {
  /** Absolute tolerance on the sulfur area fraction (0..1). */
  readonly sulfurAreaFraction: number;
  /** Absolute tolerance on porosity (0..1). */
  readonly porosity: number;
  /** Relative tolerance on D50 (0.25 = ±25 %). */
  readonly d50Relative: number;
  readonly pixelSizeRelative: number;
  /** Total crack length that makes the crack finding critical, µm (px at the metrics' assumed pixel size otherwise). */
  readonly criticalCrackLengthUm: number;
  /** Void area fraction of the image that makes the void finding critical. */
  readonly criticalVoidFraction: number;
  /** Agglomerate size (in median particles) that makes the agglomerate finding critical. */
  readonly criticalAgglomeratePrimaries: number;
  readonly criticalFactor: number;
  /** Share of the declared sulfur that sits inside the carbon host's pores, unresolved by the image (0 = all as particles). */
  readonly infiltratedSulfurShare: number;
}

export const DEFAULT_TOLERANCES: ConsistencyTolerances = {
  sulfurAreaFraction: 0.05,
  porosity: 0.03,
  d50Relative: 0.25,
  pixelSizeRelative: 0.05,
  criticalCrackLengthUm: 20,
  criticalVoidFraction: 0.02,
  criticalAgglomeratePrimaries: 30,
  criticalFactor: 2,
  infiltratedSulfurShare: 0,
};

/**
 * Severity weights in the raw consistency score; calibrated = 1 − 2^(−raw), so one warning gives 0.5 (suspect) and
 * one critical finding 0.94, above the 0.9 at which the fused verdict turns anomalous.
 */
export const SEVERITY_WEIGHT: Readonly<Record<Severity, number>> = { info: 0.2, warning: 1, critical: 4 };

export interface ConsistencyResult {
  readonly findings: Finding[];
  readonly checks: RuleCheck[];
  readonly raw: number;
  readonly calibrated: number;
}

export interface ConsistencyInput {
  readonly measurements: MicrostructureMeasurements;
  readonly metadata?: SynthesisMetadata;
  /** Pixel size the image came with (file or caller), to compare with the sheet's. */
  readonly imagePixelSizeUm?: number;
  readonly imageArea: number;
  /** Px per µm used for µm thresholds when the image has no pixel size. */
  readonly assumedPixelSizeUm: number;
  /** Brightness means atomic number only in SEM backscatter; other modalities skip the inclusion rule. */
  readonly modality: 'sem' | 'optical' | 'afm';
}

const r3 = (v: number): number => Number(v.toFixed(3));

export function checkConsistency(input: ConsistencyInput, overrides: Partial<ConsistencyTolerances> = {}): ConsistencyResult {
  const tol = { ...DEFAULT_TOLERANCES, ...overrides };
  const { measurements: m, metadata } = input;
  const findings: Finding[] = [];
  const checks: RuleCheck[] = [];
  const pass = (rule: RuleName): void => {
    checks.push({ rule, status: 'pass' });
  };
  const skip = (rule: RuleName, reason: string): void => {
    checks.push({ rule, status: 'skipped', reason });
  };
  const fail = (finding: Omit<Finding, 'title'>): void => {
    findings.push({ ...finding, title: RULES[finding.rule] });
    checks.push({ rule: finding.rule, status: 'fail' });
  };
  const graded = (deviation: number, tolerance: number): Severity => (deviation > tol.criticalFactor * tolerance ? 'critical' : 'warning');

  // Sulfur: declared wt% → volume share of the solids → expected area share of the image given the measured porosity.
  if (metadata?.sulfurLoadingWtPct === undefined) skip('sulfur-fraction-vs-loading', 'the sheet declares no sulfur loading');
  else {
    const rhoC = carbonHostDensity(metadata.carbonHost);
    const vS = sulfurWtPctToVolumeFraction(metadata.sulfurLoadingWtPct, rhoC) * (1 - tol.infiltratedSulfurShare);
    const expected = (1 - m.porosity) * vS;
    const dev = Math.abs(m.phases.sulfur - expected);
    if (dev <= tol.sulfurAreaFraction) pass('sulfur-fraction-vs-loading');
    else
      fail({
        rule: 'sulfur-fraction-vs-loading',
        severity: graded(dev, tol.sulfurAreaFraction),
        expected: { min: r3(Math.max(0, expected - tol.sulfurAreaFraction)), max: r3(Math.min(1, expected + tol.sulfurAreaFraction)), unit: 'area fraction' },
        measured: { value: r3(m.phases.sulfur), unit: 'area fraction' },
        explanation:
          `The sheet declares ${metadata.sulfurLoadingWtPct} wt% sulfur; with ρS = 2.07 g/cm³ and ρC = ${rhoC} g/cm³ (${metadata.carbonHost ?? 'carbon host unknown'}) ` +
          `that is ${(vS * 100).toFixed(1)} vol% of the solids, i.e. an expected sulfur area fraction (1 − porosity ${m.porosity.toFixed(3)}) × ${vS.toFixed(3)} = ${expected.toFixed(3)}. ` +
          `The image shows ${m.phases.sulfur.toFixed(3)}: ${m.phases.sulfur > expected ? 'more' : 'less'} sulfur than declared (mis-weighed batch, sulfur segregation, or sulfur lost during infiltration).`,
      });
  }

  if (metadata?.targetPorosity === undefined) skip('porosity-vs-target', 'the sheet declares no target porosity');
  else {
    const dev = Math.abs(m.porosity - metadata.targetPorosity);
    if (dev <= tol.porosity) pass('porosity-vs-target');
    else
      fail({
        rule: 'porosity-vs-target',
        severity: graded(dev, tol.porosity),
        expected: { min: r3(Math.max(0, metadata.targetPorosity - tol.porosity)), max: r3(Math.min(1, metadata.targetPorosity + tol.porosity)), unit: 'area fraction' },
        measured: { value: r3(m.porosity), unit: 'area fraction' },
        explanation: `Measured porosity ${m.porosity.toFixed(3)} is ${m.porosity > metadata.targetPorosity ? 'above' : 'below'} the target ${metadata.targetPorosity} ± ${tol.porosity} (calendering pressure, slurry solids content or drying rate off target).`,
      });
  }

  if (metadata?.particleSizeUm === undefined) skip('d50-vs-declared', 'the sheet declares no particle size');
  else if (m.unit !== 'um') skip('d50-vs-declared', 'the pixel size is unknown, so sizes are in px');
  else if (!Number.isFinite(m.particles.d50)) skip('d50-vs-declared', 'no particles were found');
  else {
    const declared = metadata.particleSizeUm;
    const dev = Math.abs(m.particles.d50 / declared - 1);
    if (dev <= tol.d50Relative) pass('d50-vs-declared');
    else
      fail({
        rule: 'd50-vs-declared',
        severity: graded(dev, tol.d50Relative),
        expected: { min: r3(declared * (1 - tol.d50Relative)), max: r3(declared * (1 + tol.d50Relative)), unit: 'µm' },
        measured: { value: r3(m.particles.d50), unit: 'µm' },
        explanation: `The median particle equivalent diameter D50 = ${m.particles.d50.toFixed(2)} µm differs from the declared ${declared} µm by ${(dev * 100).toFixed(0)} % (milling/sieving off, particle growth during infiltration, or a wrong pixel size).`,
      });
  }

  if (metadata?.pixelSizeUm === undefined || input.imagePixelSizeUm === undefined) skip('pixel-size-vs-sheet', 'the sheet or the image gives no pixel size');
  else {
    const dev = Math.abs(input.imagePixelSizeUm / metadata.pixelSizeUm - 1);
    if (dev <= tol.pixelSizeRelative) pass('pixel-size-vs-sheet');
    else
      fail({
        rule: 'pixel-size-vs-sheet',
        severity: 'warning',
        expected: { min: r3(metadata.pixelSizeUm * (1 - tol.pixelSizeRelative)), max: r3(metadata.pixelSizeUm * (1 + tol.pixelSizeRelative)), unit: 'µm/px' },
        measured: { value: input.imagePixelSizeUm, unit: 'µm/px' },
        explanation: `The image says ${input.imagePixelSizeUm} µm/px but the sheet says ${metadata.pixelSizeUm} µm/px: every size in µm is off by that ratio; check the magnification.`,
      });
  }

  const lengthUnit = m.unit === 'um' ? 'µm' : 'px';
  const umToUnit = (um: number): number => (m.unit === 'um' ? um : um / input.assumedPixelSizeUm);
  const where = (items: readonly { centroid: { x: number; y: number }; bbox: { x: number; y: number; width: number; height: number } }[]) =>
    items.map((i) => ({ x: i.centroid.x, y: i.centroid.y, bbox: i.bbox }));

  if (m.cracks.length === 0) pass('no-cracks');
  else {
    const total = m.cracks.reduce((s, c) => s + c.length, 0);
    fail({
      rule: 'no-cracks',
      severity: total >= umToUnit(tol.criticalCrackLengthUm) ? 'critical' : 'warning',
      expected: { max: 0, unit: lengthUnit },
      measured: { value: r3(total), unit: lengthUnit },
      explanation: `${m.cracks.length} thin elongated dark structure(s), total skeleton length ${total.toFixed(1)} ${lengthUnit}, widest mean width ${Math.max(...m.cracks.map((c) => c.meanWidth)).toFixed(2)} ${lengthUnit}: cracks break electronic pathways and let the coating flake (drying stress, over-calendering, binder too low).`,
      locations: where(m.cracks),
    });
  }

  if (m.voids.length === 0) pass('no-voids');
  else {
    const voidFraction = m.voids.reduce((s, v) => s + v.areaPx, 0) / input.imageArea;
    fail({
      rule: 'no-voids',
      severity: voidFraction >= tol.criticalVoidFraction ? 'critical' : 'warning',
      expected: { max: 0, unit: 'count' },
      measured: { value: m.voids.length, unit: 'count' },
      explanation: `${m.voids.length} pore(s) far above the normal pore size (largest ${Math.max(...m.voids.map((v) => v.equivalentDiameter)).toFixed(2)} ${lengthUnit}, ${(voidFraction * 100).toFixed(2)} % of the image): trapped air or binder dewetting; voids lower local sulfur utilisation and weaken the coating.`,
      locations: where(m.voids),
    });
  }

  const ag = m.largestAgglomerate;
  if (!ag || !ag.isAgglomerate) pass('no-agglomerates');
  else
    fail({
      rule: 'no-agglomerates',
      severity: ag.primaryParticles >= tol.criticalAgglomeratePrimaries ? 'critical' : 'warning',
      expected: { max: 0, unit: 'agglomerates' },
      measured: { value: r3(ag.primaryParticles), unit: 'median particles' },
      explanation: `A cluster of touching sulfur particles ${ag.equivalentDiameter.toFixed(2)} ${lengthUnit} across, about ${ag.primaryParticles.toFixed(1)} median particles' worth of sulfur: poor dispersion; large sulfur domains are insulating and convert incompletely.`,
      locations: where([ag]),
    });

  if (input.modality !== 'sem') skip('no-foreign-inclusions', 'brightness means atomic number only in SEM backscatter');
  else if (m.brightInclusions.length === 0) pass('no-foreign-inclusions');
  else
    fail({
      rule: 'no-foreign-inclusions',
      severity: 'warning',
      expected: { max: 0, unit: 'count' },
      measured: { value: m.brightInclusions.length, unit: 'count' },
      explanation: `${m.brightInclusions.length} particle(s) clearly brighter than sulfur in backscatter (mean ${m.brightInclusions[0]!.meanIntensity} vs ${m.brightInclusions[0]!.sulfurMeanIntensity}): heavier elements than sulfur, e.g. metal debris from milling, which can pierce the separator.`,
      locations: where(m.brightInclusions),
    });

  const raw = findings.reduce((s, f) => s + SEVERITY_WEIGHT[f.severity], 0);
  return { findings, checks, raw, calibrated: 1 - Math.pow(2, -raw) };
}

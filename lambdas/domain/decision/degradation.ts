import { createRandom } from '../synth/random.js';

/**
 * SYNTHETIC capacity-fade model of lithium-sulfur cathode batches, for developing and testing forecasts before real
 * cycling data exist. It is NOT a physical model and none of its numbers are measurements; every object it returns
 * carries `synthetic: true` and the model id.
 *
 * Model (MMDO-SYNTH-FADE-1):
 *   retention(c) = exp(−k·c) · (1 + σₘ·ηc),   ηc ~ N(0, 1) independent per measured cycle (cycler noise),
 *   ln k = ln k₀ + b_φ·(φ − 0.6) + b_S·ln(L/4) + b_d·ln(d/5) + b_c·(ρ/10) + σ_b·ε,   ε ~ N(0, 1) per batch,
 * with porosity φ (fraction), sulfur loading L (mg/cm²), particle size d (D50, µm), crack density ρ (cracks/mm²),
 * k₀ = 1.5e-3 per cycle, b_φ = −3 (more pore volume, better electrolyte access, slower fade), b_S = +0.8 (thicker
 * sulfur, more polysulfide shuttle), b_d = +0.4 (coarse particles, poorer utilisation), b_c = +0.25 (cracks lose
 * contact), σ_b = 0.1 (batch-to-batch scatter not explained by the metrics), σₘ = 0.003.
 * The signs follow the qualitative Li-S literature; the magnitudes are invented so the effects are comparable.
 * ln k is linear in DEGRADATION_FEATURE_NAMES, so a linear regression of ln(−ln retention/c) on them should recover
 * the coefficients: that is what the model is for.
 */
export const SYNTHETIC_DEGRADATION_MODEL = 'MMDO-SYNTH-FADE-1';

export interface MicrostructureSummary {
  /** Pore volume fraction, 0..1. */
  readonly porosity: number;
  /** Sulfur loading, mg/cm². */
  readonly sulfurLoading: number;
  /** Median particle size D50, µm. */
  readonly particleSize: number;
  /** Cracks per mm². */
  readonly crackDensity: number;
}

export const DEGRADATION_FEATURE_NAMES = ['porosity', 'lnSulfurLoading', 'lnParticleSize', 'crackDensity'] as const;

/** The model's true parameters (so tests and notebooks can check what a regression recovers). */
export const SYNTHETIC_FADE_PARAMETERS = {
  lnK0: Math.log(1.5e-3),
  porosity: -3,
  lnSulfurLoading: 0.8,
  lnParticleSize: 0.4,
  /** Per crack/mm² (0.25 per 10). */
  crackDensity: 0.025,
  batchSigma: 0.1,
  measurementSigma: 0.003,
} as const;

/** Regression features of a microstructure summary, in DEGRADATION_FEATURE_NAMES order. */
export function degradationFeatures(m: MicrostructureSummary): number[] {
  if (!(m.sulfurLoading > 0 && m.particleSize > 0)) throw new RangeError('sulfur loading and particle size must be positive');
  return [m.porosity, Math.log(m.sulfurLoading), Math.log(m.particleSize), m.crackDensity];
}

/** ln k without batch scatter, i.e. the model's expected log fade rate for these metrics. */
export function expectedLogFadeRate(m: MicrostructureSummary): number {
  const p = SYNTHETIC_FADE_PARAMETERS;
  return p.lnK0 + p.porosity * (m.porosity - 0.6) + p.lnSulfurLoading * Math.log(m.sulfurLoading / 4)
    + p.lnParticleSize * Math.log(m.particleSize / 5) + p.crackDensity * m.crackDensity;
}

/** ln k as a linear function of degradationFeatures: the true intercept and coefficients. */
export function trueLinearModel(): { intercept: number; coefficients: number[] } {
  const p = SYNTHETIC_FADE_PARAMETERS;
  return {
    intercept: p.lnK0 - 0.6 * p.porosity - p.lnSulfurLoading * Math.log(4) - p.lnParticleSize * Math.log(5),
    coefficients: [p.porosity, p.lnSulfurLoading, p.lnParticleSize, p.crackDensity],
  };
}

export interface SyntheticBatch {
  readonly synthetic: true;
  readonly model: typeof SYNTHETIC_DEGRADATION_MODEL;
  readonly id: string;
  readonly metrics: MicrostructureSummary;
  /** The batch's true fade rate k (per cycle), scatter included. */
  readonly fadeRate: number;
  /** Cycles at which capacity was "measured" (ascending, up to lastCycle). */
  readonly cycles: readonly number[];
  /** Retention (fraction of initial capacity) at those cycles. */
  readonly retention: readonly number[];
  readonly lastCycle: number;
}

export interface SyntheticDegradationDataset {
  readonly synthetic: true;
  readonly model: typeof SYNTHETIC_DEGRADATION_MODEL;
  readonly description: string;
  readonly seed: number;
  readonly batches: readonly SyntheticBatch[];
}

export interface DegradationOptions {
  readonly count: number;
  readonly seed: number;
  /** Measurement interval in cycles (default 10). */
  readonly every?: number;
  /** Each batch's history ends at a cycle drawn uniformly from this range, rounded to `every` (default [500, 500]). */
  readonly lastCycle?: readonly [number, number];
}

/** Retention of one batch at a cycle, without measurement noise. */
export function syntheticRetention(fadeRate: number, cycle: number): number {
  return Math.exp(-fadeRate * cycle);
}

/** One seeded synthetic history for given metrics (the model's fade rate with batch scatter, noisy measurements). */
export function syntheticHistoryOf(metrics: MicrostructureSummary, options: { seed: number; every?: number; lastCycle?: number }): { fadeRate: number; points: { cycle: number; retention: number }[] } {
  const every = options.every ?? 10;
  const lastCycle = options.lastCycle ?? 500;
  const random = createRandom(options.seed);
  const p = SYNTHETIC_FADE_PARAMETERS;
  const fadeRate = Math.exp(expectedLogFadeRate(metrics) + p.batchSigma * random.normal());
  const points: { cycle: number; retention: number }[] = [];
  for (let c = every; c <= lastCycle; c += every) {
    points.push({ cycle: c, retention: Math.min(1, Math.max(1e-6, syntheticRetention(fadeRate, c) * (1 + p.measurementSigma * random.normal()))) });
  }
  return { fadeRate, points };
}

/**
 * Seeded synthetic batches. Metrics are drawn over plausible ranges: porosity U(0.45, 0.75), loading log-uniform
 * 2–8 mg/cm², D50 log-uniform 1–20 µm, cracks U(0, 30)/mm². Same seed, same dataset, on every platform.
 */
export function simulateDegradation(options: DegradationOptions): SyntheticDegradationDataset {
  const every = options.every ?? 10;
  const [lastLo, lastHi] = options.lastCycle ?? [500, 500];
  if (!(Number.isInteger(options.count) && options.count >= 0)) throw new RangeError('count must be a non-negative integer');
  if (!(every >= 1 && lastLo >= every && lastHi >= lastLo)) throw new RangeError('need 1 ≤ every ≤ lastCycle range');
  const random = createRandom(options.seed);
  const p = SYNTHETIC_FADE_PARAMETERS;
  const batches: SyntheticBatch[] = [];
  for (let b = 0; b < options.count; b++) {
    const metrics: MicrostructureSummary = {
      porosity: random.uniform(0.45, 0.75),
      sulfurLoading: Math.exp(random.uniform(Math.log(2), Math.log(8))),
      particleSize: Math.exp(random.uniform(Math.log(1), Math.log(20))),
      crackDensity: random.uniform(0, 30),
    };
    const fadeRate = Math.exp(expectedLogFadeRate(metrics) + p.batchSigma * random.normal());
    const lastCycle = Math.max(every, Math.round(random.uniform(lastLo, lastHi) / every) * every);
    const cycles: number[] = [];
    const retention: number[] = [];
    for (let c = every; c <= lastCycle; c += every) {
      cycles.push(c);
      retention.push(Math.min(1, Math.max(0, syntheticRetention(fadeRate, c) * (1 + p.measurementSigma * random.normal()))));
    }
    batches.push({
      synthetic: true, model: SYNTHETIC_DEGRADATION_MODEL, id: `synthetic-batch-${String(b + 1).padStart(3, '0')}`,
      metrics, fadeRate, cycles, retention, lastCycle,
    });
  }
  return {
    synthetic: true,
    model: SYNTHETIC_DEGRADATION_MODEL,
    description: 'Synthetic Li-S capacity fade (exponential, log-rate linear in microstructure metrics); not measured data',
    seed: options.seed,
    batches,
  };
}

/** The batch's measured retention at `cycle`, or undefined when its history does not reach that cycle. */
export function retentionAt(batch: SyntheticBatch, cycle: number): number | undefined {
  const i = batch.cycles.indexOf(cycle);
  return i < 0 ? undefined : batch.retention[i];
}

import { syntheticHistoryOf, type MicrostructureSummary } from '../../domain/decision/degradation.js';
import { FORECAST_FEATURES } from '../../domain/report/metrics.js';

/**
 * SYNTHETIC cycling history for a batch from its forecast features, through the documented degradation model
 * (domain/decision/degradation.ts, MMDO-SYNTH-FADE-1), so forecasts can be developed and shown before real cycling
 * data exist. The model is written in areal sulfur loading (mg/cm²); a micrograph measures the sulfur area
 * fraction, which stands in for it here as loading = 10 × fraction (0.4 → 4 mg/cm², the model's reference). Every
 * history made here is attached with `synthetic: true`, and every forecast trained on one says so.
 */
export function syntheticHistoryFromFeatures(features: readonly number[], seed: number): { cycle: number; retention: number }[] {
  if (features.length !== FORECAST_FEATURES.length) throw new RangeError(`expected ${FORECAST_FEATURES.length} forecast features`);
  const [porosity, lnSulfur, lnD50, crackDensity] = features as [number, number, number, number];
  const metrics: MicrostructureSummary = { porosity, sulfurLoading: 10 * Math.exp(lnSulfur), particleSize: Math.exp(lnD50), crackDensity };
  return syntheticHistoryOf(metrics, { seed }).points;
}

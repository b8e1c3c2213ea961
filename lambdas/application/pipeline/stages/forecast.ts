import { enoughHistory, fadeRateTarget, fitRidgeCv, retentionInterval } from '../../../domain/decision/forecast.js';
import { FORECAST_FEATURES, forecastFeatures } from '../../../domain/report/metrics.js';
import { z } from 'zod';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';

const DetailSchema = z.object({ microstructure: z.record(z.string(), z.unknown()) });

/** Retention of a history at `cycle` by linear interpolation between measured cycles (none past the last). */
function retentionAt(points: readonly { cycle: number; retention: number }[], cycle: number): number | undefined {
  const sorted = [...points].sort((a, b) => a.cycle - b.cycle);
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    if (p.cycle === cycle) return p.retention;
    if (p.cycle > cycle) {
      const q = sorted[i - 1];
      return q ? q.retention + ((p.retention - q.retention) * (cycle - q.cycle)) / (p.cycle - q.cycle) : undefined;
    }
  }
  return undefined;
}

/**
 * Capacity-retention forecast at the profile's cycle: a ridge regression (λ by leave-one-out) of the log fade rate
 * on the batches' microstructure features (FORECAST_FEATURES), with a prediction interval. Made only when the
 * tenant's attached histories are enough (enoughHistory: at least max(8, 3 × features) batches reaching that
 * cycle, with features) and this image has every feature (it needs a pixel size); otherwise the report says why.
 * A forecast from generated histories says so.
 */
export async function forecast(state: InspectionState, deps: PipelineDeps): Promise<StageResults['forecast']> {
  const { job, ingest, microstructure } = requireResults(state, 'ingest', 'microstructure');
  const [{ settings }, histories] = await Promise.all([
    deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version),
    deps.history.cyclingHistories(job.tenant),
  ]);
  const { cycle, confidence } = settings.forecast;
  const usable = histories.filter((h) => h.features?.length === FORECAST_FEATURES.length);
  const rows = usable.flatMap((h) => {
    const retention = retentionAt(h.points, cycle);
    return retention === undefined ? [] : [{ features: h.features!, target: fadeRateTarget(retention, cycle), synthetic: h.synthetic }];
  });
  const check = enoughHistory(usable.map((h) => ({ lastCycle: Math.max(0, ...h.points.map((p) => p.cycle)) })), FORECAST_FEATURES.length, cycle);
  if (!check.enough) return { available: false, reason: check.reason };
  const own = forecastFeatures(DetailSchema.parse(await deps.scratch.getJson(microstructure.detail)).microstructure, ingest.input);
  if (!own) return { available: false, reason: 'this image lacks a forecast feature (porosity, sulfur fraction, particle D50 in µm, crack density): is its pixel size known?' };
  const model = fitRidgeCv(rows.map((r) => [...r.features]), rows.map((r) => r.target));
  const interval = retentionInterval(model.predictInterval(own, confidence), cycle);
  return {
    available: true,
    cycle,
    confidence,
    retention: interval.retention,
    lower: interval.lower,
    upper: interval.upper,
    trainingBatches: rows.length,
    synthetic: rows.some((r) => r.synthetic),
    features: Object.fromEntries(FORECAST_FEATURES.map((f, i) => [f, own[i]!])),
    coefficients: Object.fromEntries(FORECAST_FEATURES.map((f, i) => [f, model.coefficients[i]!])),
    lambda: model.lambda,
  };
}

import { z } from 'zod';
import { assessReproducibility } from '../../../domain/decision/reproducibility.js';
import { sheetText } from '../../../domain/metadata/sheet.js';
import { componentRaws, replicateMetrics } from '../../../domain/report/metrics.js';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';

const DetailSchema = z.object({ microstructure: z.record(z.string(), z.unknown()) });

/**
 * Reproducibility: when the sheet names a batch and a sample and other fields of view of that sample have been
 * inspected, the spread (coefficient of variation) of every microstructure metric and score over the fields, a
 * 0..1 score and the metrics beyond the profile's tolerance. It becomes a fused component; without replicates
 * there is no figure at all.
 */
export async function replicates(state: InspectionState, deps: PipelineDeps): Promise<StageResults['replicates']> {
  const { job, ingest, microstructure, patch, novelty } = requireResults(state, 'ingest', 'microstructure', 'patch', 'novelty');
  const batch = sheetText(ingest.metadata, 'batchId');
  const sample = sheetText(ingest.metadata, 'sampleId');
  if (!batch || !sample) return { present: false, reason: 'the synthesis sheet names no batch and sample, so there are no replicates to compare' };
  const others = await deps.history.replicates(job.tenant, batch, sample, job.reportId);
  if (others.length === 0) return { present: false, reason: `no other field of view of sample ${sample} (batch ${batch}) has been inspected yet` };
  const { settings } = await deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version);
  const own = DetailSchema.parse(await deps.scratch.getJson(microstructure.detail)).microstructure;
  const fields = [
    ...others.map((r) => replicateMetrics(r.microstructure, componentRaws(r))),
    replicateMetrics(own, { patch: patch.raw, ...(novelty.present ? { novelty: novelty.raw } : {}) }),
  ];
  const assessed = assessReproducibility(fields, { tolerance: settings.reproducibility.tolerance });
  if (assessed.score === null) return { present: false, reason: 'the fields of view share no metric with a measurable spread' };
  return {
    present: true,
    raw: assessed.meanCv ?? 0,
    calibrated: 1 - assessed.score,
    fields: assessed.fields,
    batchId: batch,
    sampleId: sample,
    reportIds: others.map((r) => r.id),
    score: assessed.score,
    meanCv: assessed.meanCv!,
    metrics: assessed.metrics.map((m) => ({ metric: m.metric, n: m.n, mean: m.mean, std: m.std, cv: m.cv, tolerance: m.tolerance })),
    findings: assessed.findings.map((f) => ({ ...f })),
  };
}

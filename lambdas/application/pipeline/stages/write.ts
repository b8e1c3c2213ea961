import { z } from 'zod';
import { REPORT_SCHEMA_VERSION, ReportSchema } from '../../../domain/report/report.js';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';

const DetailSchema = z.object({ microstructure: z.record(z.string(), z.unknown()), findings: z.array(z.record(z.string(), z.unknown())) });

/** Write: the report, once per id (a completed report is never replaced); the result is the completed event's detail. */
export async function write(state: InspectionState, deps: PipelineDeps): Promise<StageResults['write']> {
  const { job, ingest, embed, patch, novelty, density, microstructure, replicates, forecast, fuse, render } =
    requireResults(state, 'ingest', 'embed', 'patch', 'novelty', 'density', 'microstructure', 'replicates', 'forecast', 'fuse', 'render');
  const detail = DetailSchema.parse(await deps.scratch.getJson(microstructure.detail));
  const report = ReportSchema.parse({
    schemaVersion: REPORT_SCHEMA_VERSION,
    id: job.reportId,
    tenant: job.tenant,
    createdAt: new Date(job.createdAt).toISOString(),
    status: 'completed',
    input: ingest.input,
    metadata: ingest.metadata,
    backbone: embed.backbone,
    profile: ingest.profile,
    scores: fuse,
    regions: patch.regions,
    ...(novelty.present ? { novelty: { score: novelty.raw, nearest: novelty.nearest } } : {}),
    ...(density.present ? { density: { score: density.raw, blocks: density.blocks } } : {}),
    microstructure: detail.microstructure,
    ...(detail.findings.length ? { findings: detail.findings } : {}),
    ...(replicates.present ? { reproducibility: (({ present: _p, raw: _r, calibrated: _c, ...rest }) => rest)(replicates) } : {}),
    forecast,
    artifacts: render.artifacts,
    timingsMs: roundTimings(state.timingsMs),
  });
  const outcome = await deps.reports.putOnce(report);
  return {
    tenant: job.tenant, reportId: job.reportId, status: 'completed', upload: { bucket: job.input.bucket, key: job.input.key },
    verdict: fuse.verdict, score: fuse.score, written: outcome === 'written',
  };
}

export function roundTimings(t: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(Math.max(0, v) * 10) / 10]));
}

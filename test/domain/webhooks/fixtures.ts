import { REPORT_SCHEMA_VERSION, ReportSchema, type Report } from '../../../lambdas/domain/report/report.js';

/** A schema-valid report (completed or failed) for webhook tests. */
export function sampleReport(status: 'completed' | 'failed', id = 'rep-1', tenant = 'local'): Report {
  return ReportSchema.parse({
    schemaVersion: REPORT_SCHEMA_VERSION,
    id,
    tenant,
    createdAt: '2026-11-25T12:00:00.000Z',
    status,
    input: { name: 'field-7.png', sha256: 'a'.repeat(64), bytes: 1234, format: 'png', width: 64, height: 64 },
    metadata: null,
    backbone: status === 'completed' ? { id: 'filter-bank', sha256: 'b'.repeat(64) } : null,
    profile: status === 'completed' ? { name: 'demo', version: 2 } : null,
    scores:
      status === 'completed'
        ? { score: 0.82, verdict: 'anomalous', thresholds: { suspect: 0.5, anomalous: 0.7 }, components: [{ name: 'patch', raw: 3.1, calibrated: 0.82, weight: 1, contribution: 1 }] }
        : null,
    regions:
      status === 'completed'
        ? [{ id: 0, bbox: { x: 1, y: 2, width: 5, height: 6 }, areaPx: 20, peakScore: 0.9, meanScore: 0.7, centroid: { x: 3, y: 4 } }]
        : [],
    artifacts: status === 'completed' ? { heatmap: 'local/rep-1/heatmap.png', overlay: 'local/rep-1/overlay.png' } : {},
    timingsMs: {},
    ...(status === 'failed' ? { failure: { code: 'corrupt_image', message: 'The PNG is truncated.', stage: 'ingest' } } : {}),
  });
}

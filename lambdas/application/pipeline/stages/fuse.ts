import { createHash } from 'node:crypto';
import { decide, type CalibratedComponent } from '../../../domain/scoring/decision.js';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';

/**
 * Fuse: the profile's components that are present, with the profile's weights, into the score and its verdict at the
 * profile's operating point, with exact Shapley contributions, one explaining sentence, the score's uncertainty and
 * the out-of-distribution flag (domain/scoring/decision.ts).
 */
export async function fuse(state: InspectionState, deps: PipelineDeps): Promise<StageResults['fuse']> {
  const { job, ingest, patch, novelty, density, microstructure, replicates } = requireResults(state, 'ingest', 'patch', 'novelty', 'density', 'microstructure', 'replicates');
  const { settings, calibration } = await deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version);
  const available: CalibratedComponent[] = [
    { name: 'patch', raw: patch.raw, calibrated: patch.calibrated, normals: calibration.normalImageScores },
    ...(novelty.present ? [{ name: 'novelty' as const, raw: novelty.raw, calibrated: novelty.calibrated, normals: calibration.normalNoveltyScores }] : []),
    ...(density.present ? [{ name: 'density' as const, raw: density.raw, calibrated: density.calibrated, normals: calibration.normalDensityScores ?? [] }] : []),
    { name: 'consistency', raw: microstructure.consistency.raw, calibrated: microstructure.consistency.calibrated },
    ...(replicates.present ? [{ name: 'reproducibility' as const, raw: replicates.raw, calibrated: replicates.calibrated }] : []),
  ];
  const parts = available.filter((c) => settings.fusion.components.includes(c.name));
  const { thresholds } = settings.operating;
  // Seeded by the report id: the same report always gets the same interval.
  const seed = createHash('sha256').update(job.reportId).digest().readUInt32LE(0);
  const decision = decide(parts, settings.fusion.weights, thresholds, seed);
  return { ...decision, thresholds: { ...thresholds } };
}

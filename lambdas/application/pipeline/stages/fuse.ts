import { ANOMALOUS_CALIBRATED, SUSPECT_CALIBRATED } from '../../../domain/scoring/calibration.js';
import { fuse as fuseComponents, type ComponentInput } from '../../../domain/scoring/fusion.js';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';

/** Fuse: the profile's components that are present, with the profile's weights, into the score and verdict. */
export async function fuse(state: InspectionState, deps: PipelineDeps): Promise<StageResults['fuse']> {
  const { job, ingest, patch, novelty, microstructure, replicates } = requireResults(state, 'ingest', 'patch', 'novelty', 'microstructure', 'replicates');
  const { settings } = await deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version);
  const available: ComponentInput[] = [
    { name: 'patch', raw: patch.raw, calibrated: patch.calibrated },
    ...(novelty.present ? [{ name: 'novelty' as const, raw: novelty.raw, calibrated: novelty.calibrated }] : []),
    { name: 'consistency', raw: microstructure.consistency.raw, calibrated: microstructure.consistency.calibrated },
    ...(replicates.present ? [{ name: 'reproducibility' as const, raw: replicates.raw, calibrated: replicates.calibrated }] : []),
  ];
  const parts = available.filter((c) => settings.fusion.components.includes(c.name));
  return { ...fuseComponents(parts, settings.fusion.weights), thresholds: { suspect: SUSPECT_CALIBRATED, anomalous: ANOMALOUS_CALIBRATED } };
}

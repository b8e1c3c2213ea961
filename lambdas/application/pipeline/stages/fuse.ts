import { fuse as fuseComponents, type ComponentInput } from '../../../domain/scoring/fusion.js';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';

/** Fuse: the profile's components that are present, with the profile's weights, into the score and its verdict at the profile's operating point. */
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
  const { thresholds } = settings.operating;
  return { ...fuseComponents(parts, settings.fusion.weights, thresholds), thresholds: { ...thresholds } };
}

import { calibrate, thresholdsFromNormals } from '../../../domain/scoring/calibration.js';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';

/**
 * Novelty: the distance from the image embedding to the nearest enrolled image of the same tenant, profile and
 * version (OpenSearch k-NN in the cloud, the profile's own embeddings locally), calibrated on the held-out normals'
 * distances. Without enrolled embeddings or their calibration there is no novelty component.
 */
export async function novelty(state: InspectionState, deps: PipelineDeps): Promise<StageResults['novelty']> {
  const { job, ingest, embed } = requireResults(state, 'ingest', 'embed');
  const profile = await deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version);
  const normals = profile.calibration.normalNoveltyScores;
  if (profile.embeddings.ids.length === 0) return { present: false, reason: 'the profile has no enrolled image embeddings' };
  if (normals.length === 0) return { present: false, reason: 'the profile has no novelty calibration' };
  const { data: vector } = await deps.scratch.getFloats(embed.embedding);
  const nearest = await deps.embeddings(embed.backbone, vector.length).nearest(vector, profile.settings.nearest, {
    tenant: job.tenant, profile: profile.name, profileVersion: profile.version,
  });
  if (nearest.length === 0) return { present: false, reason: 'no enrolled image of this profile version is searchable' };
  const raw = nearest[0]!.distance;
  return {
    present: true,
    raw,
    calibrated: calibrate(raw, thresholdsFromNormals(normals)),
    nearest: nearest.map((n) => ({ id: n.id, distance: n.distance, ...(n.label !== undefined ? { label: n.label } : {}) })),
  };
}

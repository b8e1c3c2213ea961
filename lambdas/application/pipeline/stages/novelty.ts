import { calibrate, thresholdsFromNormals } from '../../../domain/scoring/calibration.js';
import type { EnrolledSource } from '../../../domain/profile/profile.js';
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
  const hashes = enrolledHashes(profile.sources ?? []);
  return {
    present: true,
    raw,
    calibrated: calibrate(raw, thresholdsFromNormals(normals)),
    nearest: nearest.map((n) => {
      const sha256 = hashes.get(n.id);
      return { id: n.id, distance: n.distance, ...(n.label !== undefined ? { label: n.label } : {}), ...(sha256 ? { sha256 } : {}) };
    }),
  };
}

/**
 * The content hash of each enrolled image (bank, and calibration where `noveltyFitCalibration` joined their
 * embeddings) by the id its embedding has (its name), so the report can name the neighbour's thumbnail. Read from the
 * version's own record, the same in both runtimes whatever the index holds; a name two enrolled images share is left
 * out (which one is meant is not known), as are versions without sources.
 */
function enrolledHashes(sources: readonly EnrolledSource[]): Map<string, string> {
  const hashes = new Map<string, string | null>();
  for (const s of sources) hashes.set(s.name, hashes.has(s.name) ? null : s.sha256);
  return new Map([...hashes].filter((e): e is [string, string] => e[1] !== null));
}

import { analyseMicrostructure } from '../../../domain/microstructure/index.js';
import { calibrateConsistency } from '../../../domain/scoring/calibration.js';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';

/**
 * Microstructure and consistency: phases, particles, pores, cracks and voids measured on the original micrograph
 * (at its own pixel size, so sizes come out in µm), checked against the declared synthesis sheet; the consistency
 * component counts only the severity beyond what the profile's normal images show.
 */
export async function microstructure(state: InspectionState, deps: PipelineDeps): Promise<StageResults['microstructure']> {
  const { job, ingest } = requireResults(state, 'ingest');
  const [original, { calibration }] = await Promise.all([
    deps.scratch.getGrey(ingest.original),
    deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version),
  ]);
  const options = {
    ...(ingest.pixelSizeUm ? { pixelSizeUm: ingest.pixelSizeUm } : {}),
    metadata: ingest.metadata,
    modality: ingest.modality,
  };
  // Locally on the runtime's domain thread (beside normalise, density and embed); in the cloud in this process.
  const analysis = deps.offload ? await deps.offload.microstructure(original, options) : analyseMicrostructure(original, options);
  return {
    consistency: { raw: analysis.consistency.raw, calibrated: calibrateConsistency(analysis.consistency.raw, calibration.normalConsistencyScores) },
    detail: deps.scratch.putJson('microstructure', { microstructure: analysis.microstructure, findings: analysis.findings }),
    phases: deps.scratch.putRgba('phases', analysis.phaseOverlay),
  };
}

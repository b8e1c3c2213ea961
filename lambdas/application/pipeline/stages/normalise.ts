import { prepareImage } from '../../prepare.js';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';

/** Normalise: bring the original to the profile's pixel size, working scale and intensity normalisation (the settings enrolment used). */
export async function normalise(state: InspectionState, deps: PipelineDeps): Promise<StageResults['normalise']> {
  const { job, ingest } = requireResults(state, 'ingest');
  const profile = await deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version);
  const original = await deps.scratch.getGrey(ingest.original);
  const prepared = prepareImage(original, ingest.pixelSizeUm, profile.pixelSizeUm, profile.settings.normalise, deps.limits, profile.settings.workingScale);
  return { normalised: deps.scratch.putGrey('normalised', prepared) };
}

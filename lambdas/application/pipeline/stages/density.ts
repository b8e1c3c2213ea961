import { calibrate, thresholdsFromNormals } from '../../../domain/scoring/calibration.js';
import { scoreDensityComponent } from '../../../domain/scoring/density.js';
import { densityFeatures } from '../../density.js';
import { prepareImage } from '../../prepare.js';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';
import { requireProfileBackbone } from './backbone.js';

/**
 * Density: the whole image at the profile's pixel size and the density's own normalisation, pooled at its fixed
 * working scale over its views (application/density.ts, as enrolment pooled the bank images), scored against the
 * profile's Gaussians and calibrated on the held-out normals' scores. No map: heatmap and regions stay the patch's.
 */
export async function density(state: InspectionState, deps: PipelineDeps): Promise<StageResults['density']> {
  const { job, ingest } = requireResults(state, 'ingest');
  const profile = await deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version);
  const normals = profile.calibration.normalDensityScores ?? [];
  if (!profile.settings.density.enabled) return { present: false, reason: 'the profile has no density component (off in its settings)' };
  if (normals.length === 0) return { present: false, reason: 'the profile version has no density component (too few bank images when it was enrolled)' };
  const [scorer, component, original] = await Promise.all([
    deps.scorer(), deps.profiles.density(job.tenant, profile.name, profile.version), deps.scratch.getGrey(ingest.original),
  ]);
  requireProfileBackbone(profile, scorer.descriptor);
  const image = prepareImage(original, ingest.pixelSizeUm, profile.pixelSizeUm, profile.settings.density.normalise, deps.limits);
  const { raw, parts } = scoreDensityComponent(component, await densityFeatures(scorer, image, profile.settings.density, profile.settings.borderPad));
  return { present: true, raw, calibrated: calibrate(raw, thresholdsFromNormals(normals)), blocks: parts };
}

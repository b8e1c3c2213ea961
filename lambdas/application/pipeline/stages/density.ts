import { calibrate, thresholdsFromNormals } from '../../../domain/scoring/calibration.js';
import { scoreDensityComponent } from '../../../domain/scoring/density.js';
import { densityMap, densityMapSigma, densityMapSize, mapFusionOf } from '../../../domain/scoring/density-map.js';
import { densityMapSmoothingOf, densityOfOriginal, type DensityRequest } from '../../density.js';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';
import { requireProfileBackbone } from './backbone.js';

/**
 * Density: the whole image at the profile's pixel size and the density's own normalisation, pooled at its fixed
 * working scale over its views (application/density.ts, as enrolment pooled the bank images), scored against the
 * profile's Gaussians and calibrated on the held-out normals' scores. Where the profile fuses maps (mapFusionOf), also
 * the density map (where the score comes from), which the patch stage joins to its own.
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
  const request: DensityRequest = {
    ...(ingest.pixelSizeUm ? { imagePixelUm: ingest.pixelSizeUm } : {}),
    profilePixelUm: profile.pixelSizeUm, settings: profile.settings.density, pad: profile.settings.borderPad, limits: deps.limits,
    cells: mapFusionOf(profile) !== undefined,
  };
  // Locally on the runtime's domain thread (beside normalise and the patch path); in the cloud in this process.
  const here = () => densityOfOriginal(scorer, original, request);
  const features = await (deps.offload?.density ? deps.offload.density(original, request, scorer.descriptor.sha256, here) : here());
  const { raw, parts } = scoreDensityComponent(component, features.blocks);
  const scored = { present: true as const, raw, calibrated: calibrate(raw, thresholdsFromNormals(normals)), blocks: parts };
  if (!request.cells) return scored;
  const size = densityMapSize(original.width, original.height);
  const { logBlocks, shortSide } = profile.settings.density;
  const sigmas = densityMapSmoothingOf(profile.settings.density).map((px) => densityMapSigma(px, shortSide));
  const map = densityMap(component, features.blocks, features.views, logBlocks, size.width, size.height, sigmas);
  return { ...scored, map: deps.scratch.putGrey('density-map', map) };
}

import type { ProfileVersion } from '../domain/profile/profile.js';
import { calibrate, calibrateConsistency, leaveOneOut, pixelThresholds, thresholdsFromNormals } from '../domain/scoring/calibration.js';
import { mapFusionOf } from '../domain/scoring/density-map.js';
import { fuse, type ComponentInput } from '../domain/scoring/fusion.js';
import { operatingPoint } from '../domain/scoring/operating.js';
import type { ImageDecoder, IngestLimits } from '../ports/image-codec.js';
import { SCORING_STAGES } from './pipeline/definition.js';
import { PixelSamples } from './pixel-samples.js';
import { reasonOf, StageFailure } from './pipeline/failure.js';
import { runStages } from './pipeline/run-stages.js';
import { scoringDeps, type ScoringWorkspace } from './scoring-workspace.js';

export interface CalibrationImage {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly pixelSizeUm?: number;
}

const TENANT = 'calibration';
/** Everything up to, not including, fusion: the consistency baseline must be known before anything is fused. */
const COMPONENT_STAGES = SCORING_STAGES.filter((s) => s.name !== 'fuse');

/** Calibration normals from which each one's components are calibrated on the others (see below). */
export const CROSS_FIT_MIN_NORMALS = 20;

/** The components calibrated on the calibration normals' raw scores. */
type ScoredPart = ComponentInput & { readonly name: 'patch' | 'novelty' | 'density' };

/**
 * The last step of building a profile version: its held-out normal images go through the pipeline's own scoring
 * stages against the version as built so far, exactly as an inspection would score them. Their consistency
 * severities become the consistency baseline, and their fused scores the operating thresholds at the declared
 * false-alarm rates (domain/scoring/operating.ts). An image the pipeline cannot score is skipped with its reason.
 */
export async function calibrateOperatingPoint(
  deps: { readonly decoder: ImageDecoder; readonly workspace: () => ScoringWorkspace; readonly limits?: IngestLimits },
  profile: Omit<ProfileVersion, 'version'>,
  images: AsyncIterable<CalibrationImage> | Iterable<CalibrationImage>,
): Promise<{ profile: Omit<ProfileVersion, 'version'>; skipped: { name: string; reason: string }[] }> {
  const workspace = deps.workspace();
  const scored: { parts: ScoredPart[]; consistencyRaw: number }[] = [];
  const skipped: { name: string; reason: string }[] = [];
  // A version that fuses the density map into the anomaly map has its pixel threshold and heatmap scale from the
  // fused maps, which only the pipeline makes (the builder calibrated them on the patch maps alone).
  const fusedMaps = mapFusionOf(profile) ? new PixelSamples() : undefined;
  try {
    const version = await workspace.profiles.saveNewVersion(TENANT, profile);
    for await (const image of images) {
      const job = {
        tenant: TENANT, reportId: `calibration-${scored.length + skipped.length}`, createdAt: new Date().toISOString(), name: image.name,
        profile: { name: profile.name, version }, input: { bucket: 'calibration', key: image.name, size: image.bytes.byteLength },
        ...(image.pixelSizeUm ? { pixelSizeUm: image.pixelSizeUm } : {}),
      };
      try {
        const pipeline = scoringDeps(workspace, deps.decoder, image.bytes, deps.limits);
        const state = await runStages({ job, timingsMs: {} }, COMPONENT_STAGES, pipeline);
        if (fusedMaps) fusedMaps.add((await pipeline.scratch.getGrey(state.patch!.map)).data);
        const parts: ScoredPart[] = [{ name: 'patch', raw: state.patch!.raw, calibrated: state.patch!.calibrated }];
        if (state.novelty!.present) parts.push({ name: 'novelty', raw: state.novelty!.raw, calibrated: state.novelty!.calibrated });
        if (state.density!.present) parts.push({ name: 'density', raw: state.density!.raw, calibrated: state.density!.calibrated });
        scored.push({ parts, consistencyRaw: state.microstructure!.consistency.raw });
      } catch (error) {
        if (!(error instanceof StageFailure)) throw error;
        skipped.push({ name: image.name, reason: reasonOf(error.cause, error.stage).message });
      }
    }
  } finally {
    await workspace.dispose();
  }
  if (scored.length === 0) return { profile, skipped };
  const normalConsistencyScores = scored.map((s) => s.consistencyRaw);
  const { settings, calibration } = profile;
  // Cross-fitted: each image's components are calibrated on the other calibration normals, as a new image's are on
  // all of them, so its fused score is what a new normal image would get. In sample it sits lower: with 40
  // magnetic-tile normals (seed 1) the 1 % threshold flagged 6.7 % of new normals in sample, 6.2 % cross-fitted (the
  // rest is the extrapolation, operating.ts). Below CROSS_FIT_MIN_NORMALS the thresholds of n − 1 scores are much
  // noisier than those of n, so a few normals stay in sample.
  const crossFit = scored.length >= CROSS_FIT_MIN_NORMALS;
  const others = (normals: readonly number[], raw: number) => (crossFit ? leaveOneOut(normals, raw) : normals);
  const normalsOf: Record<ScoredPart['name'], readonly number[]> = {
    patch: calibration.normalImageScores, novelty: calibration.normalNoveltyScores, density: calibration.normalDensityScores ?? [],
  };
  const recalibrated = (c: ScoredPart): ScoredPart => ({ ...c, calibrated: calibrate(c.raw, thresholdsFromNormals(others(normalsOf[c.name], c.raw))) });
  const fused = scored.map(({ parts, consistencyRaw }) => {
    const consistency = { name: 'consistency' as const, raw: consistencyRaw, calibrated: calibrateConsistency(consistencyRaw, others(normalConsistencyScores, consistencyRaw)) };
    const all = [...parts.map(recalibrated), consistency];
    return fuse(all.filter((c) => settings.fusion.components.includes(c.name)), settings.fusion.weights).score;
  });
  const pixels = fusedMaps ? pixelThresholds(fusedMaps.maps()) : undefined;
  return {
    profile: {
      ...profile,
      calibration: { ...profile.calibration, normalConsistencyScores, ...(pixels ? { pixelThreshold: pixels.threshold } : {}) },
      settings: { ...settings, operating: operatingPoint(fused, settings.operating), ...(pixels ? { heatmapLow: pixels.low } : {}) },
    },
    skipped,
  };
}

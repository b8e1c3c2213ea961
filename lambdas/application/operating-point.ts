import type { ProfileVersion } from '../domain/profile/profile.js';
import { foldIndices } from '../domain/scoring/density.js';
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
  /** Its bytes, read when it is scored (one image's bytes in memory at a time). */
  readonly read: () => Promise<Uint8Array>;
  readonly pixelSizeUm?: number;
}

const TENANT = 'calibration';
/** Everything up to, not including, fusion: the consistency baseline must be known before anything is fused. */
const COMPONENT_STAGES = SCORING_STAGES.filter((s) => s.name !== 'fuse');

/** Calibration normals from which each one's components are calibrated on the others (see below). */
export const CROSS_FIT_MIN_NORMALS = 20;
/** Interleaved folds (image i in fold i mod 5) of the calibration images when the stored version is refitted on them. */
export const CALIBRATION_FOLDS = 5;

/** The components calibrated on the calibration normals' raw scores. */
type ScoredPart = ComponentInput & { readonly name: 'patch' | 'novelty' | 'density' };

/**
 * The last step of building a profile version: its held-out normal images go through the pipeline's own scoring
 * stages against the version as built so far, exactly as an inspection would score them. Their consistency
 * severities become the consistency baseline, and their fused scores the operating thresholds at the declared
 * false-alarm rates (domain/scoring/operating.ts). An image the pipeline cannot score is skipped with its reason.
 *
 * `refitWithout`, where the stored version is refitted on the calibration images (profile-builder.ts
 * withCalibrationImages), gives the version refitted on all of them but those held out. From CROSS_FIT_MIN_NORMALS
 * images on, each fold is then scored against the version refitted without it, and those novelty and density scores
 * become the version's normal references: a new normal image meets the refitted version with every calibration image
 * in it, so scores measured against the bank alone sat higher than its own (on magnetic tile the 1 % threshold
 * flagged 0.6 % of test normals over five splits).
 */
export async function calibrateOperatingPoint(
  deps: { readonly decoder: ImageDecoder; readonly workspace: () => ScoringWorkspace; readonly limits?: IngestLimits },
  profile: Omit<ProfileVersion, 'version'>,
  images: readonly CalibrationImage[],
  options: { readonly refitWithout?: (heldOut: ReadonlySet<number>) => Omit<ProfileVersion, 'version'> } = {},
): Promise<{ profile: Omit<ProfileVersion, 'version'>; skipped: { name: string; reason: string }[] }> {
  const refitWithout = images.length >= CROSS_FIT_MIN_NORMALS ? options.refitWithout : undefined;
  const folds = refitWithout
    ? Array.from({ length: CALIBRATION_FOLDS }, (_, f) => foldIndices(images.length, CALIBRATION_FOLDS, f).held)
    : [images.map((_, i) => i)];
  const results: ({ parts: ScoredPart[]; consistencyRaw: number } | undefined)[] = images.map(() => undefined);
  const skipped: { name: string; reason: string }[] = [];
  // A version that fuses the density map into the anomaly map has its pixel threshold and heatmap scale from the
  // fused maps, which only the pipeline makes (the builder calibrated them on the patch maps alone).
  const fusedMaps = mapFusionOf(profile) ? new PixelSamples() : undefined;
  // One workspace per fold: only one refitted version (its density's Gaussians) is held at a time.
  for (const fold of folds) {
    const workspace = deps.workspace();
    try {
      const version = await workspace.profiles.saveNewVersion(TENANT, refitWithout ? refitWithout(new Set(fold)) : profile);
      for (const i of fold) {
        const image = images[i]!;
        const bytes = await image.read();
        const job = {
          tenant: TENANT, reportId: `calibration-${i}`, createdAt: new Date().toISOString(), name: image.name,
          profile: { name: profile.name, version }, input: { bucket: 'calibration', key: image.name, size: bytes.byteLength },
          ...(image.pixelSizeUm ? { pixelSizeUm: image.pixelSizeUm } : {}),
        };
        try {
          const pipeline = scoringDeps(workspace, deps.decoder, bytes, deps.limits);
          const state = await runStages({ job, timingsMs: {} }, COMPONENT_STAGES, pipeline);
          const parts: ScoredPart[] = [{ name: 'patch', raw: state.patch!.raw, calibrated: state.patch!.calibrated }];
          if (state.novelty!.present) parts.push({ name: 'novelty', raw: state.novelty!.raw, calibrated: state.novelty!.calibrated });
          if (state.density!.present) parts.push({ name: 'density', raw: state.density!.raw, calibrated: state.density!.calibrated });
          if (fusedMaps) fusedMaps.add((await pipeline.scratch.getGrey(state.patch!.map)).data);
          results[i] = { parts, consistencyRaw: state.microstructure!.consistency.raw };
        } catch (error) {
          if (!(error instanceof StageFailure)) throw error;
          skipped.push({ name: image.name, reason: reasonOf(error.cause, error.stage).message });
        }
      }
    } finally {
      await workspace.dispose();
    }
  }
  // In the images' order, whatever the folds' (the stored normal scores line up with the enrolled calibration images).
  const scored = results.filter((r) => r !== undefined);
  if (scored.length === 0) return { profile, skipped };
  const normalConsistencyScores = scored.map((s) => s.consistencyRaw);
  const { settings } = profile;
  const rawsOf = (name: ScoredPart['name']) => scored.flatMap((s) => s.parts.filter((p) => p.name === name).map((p) => p.raw));
  const calibration = refitWithout
    ? { ...profile.calibration, normalNoveltyScores: rawsOf('novelty'), ...(profile.density ? { normalDensityScores: rawsOf('density') } : {}) }
    : profile.calibration;
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
      calibration: { ...calibration, normalConsistencyScores, ...(pixels ? { pixelThreshold: pixels.threshold } : {}) },
      settings: { ...settings, operating: operatingPoint(fused, settings.operating), ...(pixels ? { heatmapLow: pixels.low } : {}) },
    },
    skipped,
  };
}

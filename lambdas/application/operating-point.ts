import type { ProfileVersion } from '../domain/profile/profile.js';
import { calibrateConsistency } from '../domain/scoring/calibration.js';
import { fuse, type ComponentInput } from '../domain/scoring/fusion.js';
import { operatingPoint } from '../domain/scoring/operating.js';
import type { ImageDecoder, IngestLimits } from '../ports/image-codec.js';
import { SCORING_STAGES } from './pipeline/definition.js';
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
  const scored: { parts: ComponentInput[]; consistencyRaw: number }[] = [];
  const skipped: { name: string; reason: string }[] = [];
  try {
    const version = await workspace.profiles.saveNewVersion(TENANT, profile);
    for await (const image of images) {
      const job = {
        tenant: TENANT, reportId: `calibration-${scored.length + skipped.length}`, createdAt: new Date().toISOString(), name: image.name,
        profile: { name: profile.name, version }, input: { bucket: 'calibration', key: image.name, size: image.bytes.byteLength },
        ...(image.pixelSizeUm ? { pixelSizeUm: image.pixelSizeUm } : {}),
      };
      try {
        const state = await runStages({ job, timingsMs: {} }, COMPONENT_STAGES, scoringDeps(workspace, deps.decoder, image.bytes, deps.limits));
        const parts: ComponentInput[] = [{ name: 'patch', raw: state.patch!.raw, calibrated: state.patch!.calibrated }];
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
  const { settings } = profile;
  const fused = scored.map(({ parts, consistencyRaw }) => {
    const all = [...parts, { name: 'consistency' as const, raw: consistencyRaw, calibrated: calibrateConsistency(consistencyRaw, normalConsistencyScores) }];
    return fuse(all.filter((c) => settings.fusion.components.includes(c.name)), settings.fusion.weights).score;
  });
  return {
    profile: {
      ...profile,
      calibration: { ...profile.calibration, normalConsistencyScores },
      settings: { ...settings, operating: operatingPoint(fused, settings.operating) },
    },
    skipped,
  };
}

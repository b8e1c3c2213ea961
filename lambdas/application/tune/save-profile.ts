import { NotFoundError, ValidationError } from '../../domain/errors.js';
import type { ProfileProvenance, ProfileVersion } from '../../domain/profile/profile.js';
import type { IngestLimits } from '../../ports/image-codec.js';
import type { ProfileStore } from '../../ports/stores.js';
import type { EnrollResult, ProgressListener } from '../contracts.js';
import { Enrollment, sourceKey, type EnrollmentDeps } from '../enroll.js';
import type { RecipeOverrides } from '../profile-builder.js';
import type { TuneResult } from './tune.js';

export interface SaveTunedRequest {
  readonly tenant: string;
  readonly profile: string;
  /** The winner's complete recipe (tune's `recipe`). */
  readonly recipe: RecipeOverrides;
  readonly seed: number;
  readonly provenance: ProfileProvenance;
  /** The images to enrol when the profile does not exist yet (the manifest's bank and calibration normals). */
  readonly newProfileImages: () => Promise<{ name: string; bytes: Uint8Array }[]>;
  /** Share of those held out for calibration (tune's calibration / (bank + calibration)). */
  readonly calibrationFraction: number;
  readonly limits?: IngestLimits;
}

export interface SaveTunedResult extends EnrollResult {
  /** Where the images came from: the existing profile's latest version, or the manifest. */
  readonly images: 'profile' | 'manifest';
}

/**
 * Saves a tuning run's winner as a new profile version through the Enrollment service: the version is built with
 * the winning recipe and carries the provenance. An existing profile is rebuilt from the images of its latest
 * version (their bank / calibration roles drawn again, seeded, with the same calibration share, since every image is
 * re-embedded under the new recipe anyway); a new one is enrolled from the manifest's bank and calibration normals.
 */
export async function saveTunedProfile(deps: EnrollmentDeps, request: SaveTunedRequest, progress?: ProgressListener): Promise<SaveTunedResult> {
  const previous = await deps.profiles.load(request.tenant, request.profile).catch((e: unknown) => {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  });
  let images: { name: string; bytes: Uint8Array; pixelSizeUm?: number }[];
  let calibrationFraction = request.calibrationFraction;
  if (previous) {
    images = await imagesOf(deps, request.tenant, previous);
    calibrationFraction = previous.enrolled.calibration.length / Math.max(1, previous.enrolled.bank.length + previous.enrolled.calibration.length);
  } else {
    images = await request.newProfileImages();
  }
  // Enrollment sees no earlier version (so it splits these images afresh and inherits nothing: the recipe is
  // complete); the version is still saved as the profile's next one, with the provenance.
  const profiles: ProfileStore = {
    load: (tenant, name, version) => (tenant === request.tenant && name === request.profile
      ? Promise.reject(new NotFoundError('profile', name))
      : deps.profiles.load(tenant, name, version)),
    list: (tenant) => deps.profiles.list(tenant),
    saveNewVersion: (tenant, profile) => deps.profiles.saveNewVersion(tenant, { ...profile, provenance: request.provenance }),
  };
  const enrollment = new Enrollment({ ...deps, profiles }, {
    recipe: request.recipe, seed: request.seed, calibrationFraction, ...(request.limits ? { limits: request.limits } : {}),
  });
  const result = await enrollment.enroll({
    tenant: request.tenant, profile: request.profile, images, seed: request.seed,
    ...(previous?.pixelSizeUm ? { pixelSizeUm: previous.pixelSizeUm } : {}),
  }, progress);
  return { ...result, images: previous ? 'profile' : 'manifest' };
}

async function imagesOf(deps: EnrollmentDeps, tenant: string, previous: ProfileVersion) {
  if (!previous.sources) {
    throw new ValidationError(`profile '${previous.name}' v${previous.version} does not record its source images, so it cannot be rebuilt with the tuned settings; save under a new name`);
  }
  const out: { name: string; bytes: Uint8Array; pixelSizeUm?: number }[] = [];
  for (const src of previous.sources) {
    const stored = await deps.artifacts.get(sourceKey(tenant, previous.name, src.sha256));
    if (!stored) throw new ValidationError(`image '${src.name}' of profile '${previous.name}' is no longer stored`);
    out.push({ name: src.name, bytes: stored.bytes, ...(src.pixelSizeUm ? { pixelSizeUm: src.pixelSizeUm } : {}) });
  }
  return out;
}

/**
 * The provenance a tuned version carries: what chose its settings, on which data, and the winner's figures on the
 * untouched test split, among them what to expect at its operating threshold: the share of defects it flags
 * (`fused.recall`) and of normals (`fused.normals-flagged`).
 */
export function tunedProvenance(result: TuneResult): ProfileProvenance {
  const { winner } = result;
  const method = (name: string) => result.test.methods.find((m) => m.method === name);
  const figure = (key: string) => method(key.split('.')[0]!)?.metrics[key];
  const keys = [...new Set(['fused.auroc', 'patch-knn.auroc', 'fused.f1', 'fused.recall', result.metric])];
  const fused = method('fused');
  return {
    tuner: winner.method === 'defaults'
      ? 'mmdo tune: base recipe (no trial beat it)'
      : `mmdo tune: ${winner.method === 'bayes' ? 'Bayesian optimisation (GP, Matérn 5/2, expected improvement)' : 'random search'}, trial ${winner.index + 1}`,
    metric: result.metric, value: winner.value, budget: result.budget, splitSeed: result.seed, date: result.finishedAt,
    params: winner.settings, manifest: result.manifest, validationImages: result.split.search.normal + result.split.search.anomalous,
    test: {
      ...Object.fromEntries(keys.flatMap((k) => { const v = figure(k); return v !== undefined ? [[k, v]] : []; })),
      ...(fused ? { 'fused.normals-flagged': fused.normalsFlagged } : {}),
    },
  };
}

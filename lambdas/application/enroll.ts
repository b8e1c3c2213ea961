import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MmdoError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { EnrolledSource, ProfileVersion } from '../domain/profile/profile.js';
import { DeclaredRateSchema, operatingRatesOf } from '../domain/profile/settings.js';
import type { Backbone } from '../ports/backbone.js';
import type { ImageDecoder, ImageEncoder, IngestLimits } from '../ports/image-codec.js';
import type { ArtifactStore, ProfileStore } from '../ports/stores.js';
import type { VectorIndexFactory } from '../ports/vector-index.js';
import type { EnrollmentService, EnrollRequest, EnrollResult, ProgressListener } from './contracts.js';
import { enrolledThumbnailKey, thumbnailImage } from './enrolled-images.js';
import { prepareForProfile, type PreparedImage } from './prepare.js';
import { calibrateOperatingPoint } from './operating-point.js';
import { buildProfile, resolveRecipe, withCalibrationImages, type RecipeOverrides } from './profile-builder.js';
import type { ScoringWorkspace } from './scoring-workspace.js';
import { calibrationCount, splitImages } from './split.js';

export interface EnrollmentSettings {
  /** Default share of images held out for calibration. */
  readonly calibrationFraction: number;
  /** Overrides of the recipe (features, bank size, scoring settings); the rest comes from the previous version or the defaults. */
  readonly recipe: RecipeOverrides;
  readonly seed: number;
  readonly limits?: IngestLimits;
}

export const DEFAULT_ENROLLMENT_SETTINGS: EnrollmentSettings = { calibrationFraction: 0.2, recipe: {}, seed: 42 };

const RequestSchema = z.object({
  tenant: z.string().min(1),
  profile: z.string().min(1),
  images: z.array(z.object({ name: z.string().min(1), bytes: z.instanceof(Uint8Array), pixelSizeUm: z.number().positive().optional() })),
  calibrationFraction: z.number().gt(0).lt(1).optional(),
  coresetRatio: z.number().gt(0).max(1).optional(),
  pixelSizeUm: z.number().positive().optional(),
  seed: z.number().int().optional(),
  suspectRate: DeclaredRateSchema.optional(),
  falseAlarmRate: DeclaredRateSchema.optional(),
});

export interface EnrollmentDeps {
  readonly decoder: ImageDecoder;
  readonly backbone: Backbone;
  readonly vectorIndexes: VectorIndexFactory;
  readonly profiles: ProfileStore;
  readonly artifacts: ArtifactStore;
  /**
   * Where the held-out normals are scored through the pipeline to set the consistency baseline and the operating
   * thresholds (operating-point.ts); without it the version keeps the default operating point.
   */
  readonly workspace?: () => ScoringWorkspace;
  /** Writes each image's thumbnail (enrolled-images.ts) for the API and the web page; without it none is written. */
  readonly encoder?: ImageEncoder;
}

interface Source extends EnrolledSource {
  readonly bytes: Uint8Array;
}

/** Where enrolment keeps each source image (by content hash), so a later version can be rebuilt from all of them. */
export function sourceKey(tenant: string, profile: string, sha256: string): string {
  return `${tenant}/profiles/${profile}/sources/${sha256}`;
}

/**
 * Builds a new profile version. New images are split (seeded, by content hash) into bank and calibration;
 * images of earlier versions keep their role and are re-read from the artifact store, so version N+1 contains
 * everything version N did and bank and calibration never overlap. Every image is re-embedded with the current
 * backbone; the version records every setting that changes a score (profile-builder.ts).
 */
export class Enrollment implements EnrollmentService {
  private readonly settings: EnrollmentSettings;

  constructor(private readonly deps: EnrollmentDeps, settings: Partial<EnrollmentSettings> = {}) {
    this.settings = { ...DEFAULT_ENROLLMENT_SETTINGS, ...settings };
  }

  async enroll(request: EnrollRequest, progress: ProgressListener = () => {}): Promise<EnrollResult> {
    const req = RequestSchema.parse(request);
    progress('load', 0);
    const previous = await this.deps.profiles.load(req.tenant, req.profile).catch((e: unknown) => {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    });
    const started = performance.now();
    const earlier = previous ? await this.earlierSources(req.tenant, previous) : [];
    const loadMs = performance.now() - started;
    const sources = this.assignRoles(req, earlier);
    const bankSources = sources.filter((x) => x.role === 'bank');
    const calibrationSources = sources.filter((x) => x.role === 'calibration');

    const { backbone } = this.deps;
    const recipe = resolveRecipe(backbone, previous, {
      ...this.settings.recipe,
      ...(req.coresetRatio !== undefined ? { coresetRatio: req.coresetRatio } : {}),
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
      settings: { ...this.settings.recipe.settings, operating: { ...this.settings.recipe.settings?.operating, ...operatingRatesOf(req) } },
    });
    const profilePixelUm = await this.profilePixelSize(req, previous);
    const prepare = async (src: Source): Promise<PreparedImage> => {
      const decoded = await this.deps.decoder.decode(src.bytes, this.settings.limits).catch((e: unknown) => {
        throw e instanceof MmdoError ? new MmdoError(e.code, `${src.name}: ${e.message}`, e.status, { ...e.details, image: src.name }) : e;
      });
      // Earlier images' thumbnails are written again: a version enrolled before thumbnails existed gets them too.
      if (this.deps.encoder) await this.deps.artifacts.put(enrolledThumbnailKey(req.tenant, req.profile, src.sha256), await this.deps.encoder.encodePng(thumbnailImage(decoded.image)), 'image/png');
      return prepareForProfile(decoded.image, src.pixelSizeUm ?? decoded.pixelSizeUm, profilePixelUm, recipe.settings, this.settings.limits);
    };
    // One image decoded at a time: enrolment of many large images stays within a bounded memory.
    const withId = (src: Source) => prepare(src).then((prepared) => ({ id: src.name, ...prepared }));
    const built = await buildProfile(this.deps, recipe, mapAsync(bankSources, withId), mapAsync(calibrationSources, withId), { progress, bankImageCount: bankSources.length });
    progress('operating point', 0.9);
    const operatingStarted = performance.now();
    const named = { ...built.profile, name: req.profile, createdAt: new Date().toISOString(), pixelSizeUm: profilePixelUm, enrolled: { bank: [], calibration: [] } };
    const calibrated = this.deps.workspace
      ? (await calibrateOperatingPoint({ decoder: this.deps.decoder, workspace: this.deps.workspace, ...(this.settings.limits ? { limits: this.settings.limits } : {}) }, named, calibrationSources.map((s) => ({
        name: s.name, bytes: s.bytes, ...(s.pixelSizeUm ?? profilePixelUm ? { pixelSizeUm: (s.pixelSizeUm ?? profilePixelUm)! } : {}),
      })))).profile
      : named;
    const operatingMs = performance.now() - operatingStarted;

    progress('save', 0.97);
    const saveStarted = performance.now();
    for (const src of sources.filter((x) => !earlier.includes(x))) {
      await this.deps.artifacts.put(sourceKey(req.tenant, req.profile, src.sha256), src.bytes, 'application/octet-stream');
    }
    const version = await this.deps.profiles.saveNewVersion(req.tenant, {
      ...withCalibrationImages(calibrated, built),
      enrolled: { bank: bankSources.map((x) => x.name), calibration: calibrationSources.map((x) => x.name) },
      sources: sources.map(({ name, sha256, role, pixelSizeUm }) => ({ name, sha256, role, ...(pixelSizeUm ? { pixelSizeUm } : {}) })),
    });
    progress('done', 1);
    return {
      profile: req.profile,
      version,
      bankImages: bankSources.length,
      calibrationImages: calibrationSources.length,
      bankVectors: built.profile.bank.count,
      thresholds: { suspect: built.profile.calibration.suspect, anomalous: built.profile.calibration.anomalous },
      operating: calibrated.settings.operating,
      ...(built.warnings.length > 0 ? { warnings: [...built.warnings] } : {}),
      timingsMs: { ...built.timingsMs, operatingPoint: Math.round(operatingMs), load: Math.round(loadMs), save: Math.round(performance.now() - saveStarted) },
    };
  }

  /** Earlier images keep their role; new ones (the same bytes twice count once) are split into bank and calibration. */
  private assignRoles(req: z.infer<typeof RequestSchema>, earlier: readonly Source[]): Source[] {
    const known = new Set(earlier.map((e) => e.sha256));
    const fresh: Omit<Source, 'role'>[] = [];
    for (const image of req.images) {
      const sha256 = createHash('sha256').update(image.bytes).digest('hex');
      if (known.has(sha256)) continue;
      known.add(sha256);
      const pixelSizeUm = image.pixelSizeUm ?? req.pixelSizeUm;
      fresh.push({ name: image.name, sha256, bytes: image.bytes, ...(pixelSizeUm ? { pixelSizeUm } : {}) });
    }
    if (fresh.length === 0) throw new ValidationError('no new images to enrol: every image given is already in the profile');
    const hasCalibration = earlier.some((e) => e.role === 'calibration');
    const split = splitImages(fresh, calibrationCount(fresh.length, req.calibrationFraction ?? this.settings.calibrationFraction, hasCalibration), req.seed ?? this.settings.seed);
    const sources: Source[] = [
      ...earlier,
      ...split.bank.map((x) => ({ ...x, role: 'bank' as const })),
      ...split.calibration.map((x) => ({ ...x, role: 'calibration' as const })),
    ];
    if (!sources.some((x) => x.role === 'bank') || !sources.some((x) => x.role === 'calibration')) {
      throw new ValidationError('enrolment needs at least 2 images: one for the memory bank and one held out for calibration', { images: sources.length });
    }
    return sources;
  }

  /** Pixel size of the profile: the caller's, the earlier version's, else the first given image's own. */
  private async profilePixelSize(req: z.infer<typeof RequestSchema>, previous: ProfileVersion | undefined): Promise<number | null> {
    const declared = req.pixelSizeUm ?? previous?.pixelSizeUm;
    if (declared) return declared;
    const first = req.images[0];
    if (!first) return null;
    return first.pixelSizeUm ?? (await this.deps.decoder.decode(first.bytes, this.settings.limits).catch(() => undefined))?.pixelSizeUm ?? null;
  }

  private async earlierSources(tenant: string, previous: ProfileVersion): Promise<Source[]> {
    if (!previous.sources) {
      throw new ValidationError(`profile '${previous.name}' v${previous.version} does not record its source images, so it cannot be extended; enrol under a new name`);
    }
    const out: Source[] = [];
    for (const src of previous.sources) {
      const stored = await this.deps.artifacts.get(sourceKey(tenant, previous.name, src.sha256));
      if (!stored) throw new MmdoError('profile_source_missing', `image '${src.name}' of profile '${previous.name}' is no longer stored`, 500, { sha256: src.sha256 });
      out.push({ ...src, bytes: stored.bytes });
    }
    return out;
  }
}

async function* mapAsync<T, U>(items: readonly T[], fn: (item: T) => Promise<U>): AsyncGenerator<U> {
  for (const item of items) yield await fn(item);
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MmdoError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { EnrolledSource, ProfileVersion, PatchFeatureConfig } from '../domain/profile/profile.js';
import type { Backbone } from '../ports/backbone.js';
import type { ImageDecoder } from '../ports/image-codec.js';
import type { ArtifactStore, ProfileStore } from '../ports/stores.js';
import type { VectorIndexFactory } from '../ports/vector-index.js';
import type { EnrollmentService, EnrollRequest, EnrollResult, ProgressListener } from './contracts.js';
import { DEFAULT_BORDER_PAD, extractFeatures, type ImageFeatures, type TilingOptions } from './features.js';
import { buildMemoryBank, stackEmbeddings } from './memory-bank.js';
import { prepareImage } from './prepare.js';
import { buildCalibration } from '../domain/scoring/calibration.js';
import { novelty, scorePatches, type PatchScoring } from './scoring.js';
import { calibrationCount, splitImages } from './split.js';

export interface EnrollmentSettings {
  /** Default share of images held out for calibration. */
  readonly calibrationFraction: number;
  readonly coresetRatio: number;
  /** Cap on memory-bank vectors whatever the ratio (bounds search time and memory). */
  readonly maxBankSize: number;
  readonly neighbourhood: number;
  readonly k: number;
  /** Patch descriptors wider than this are randomly projected to it; null keeps the full width. */
  readonly projectionDim: number | null;
  readonly seed: number;
  readonly tiling: TilingOptions;
  /** Reflected border (px) around every image before tiling; recorded in the profile so inspection uses the same. */
  readonly borderPad: number;
  /** Images decoded and embedded at a time (bounds peak memory for large enrolments). */
  readonly chunkSize: number;
}

export const DEFAULT_ENROLLMENT_SETTINGS: EnrollmentSettings = {
  calibrationFraction: 0.2,
  coresetRatio: 0.1,
  maxBankSize: 2048,
  neighbourhood: 3,
  k: 1,
  projectionDim: 64,
  seed: 42,
  tiling: {},
  borderPad: DEFAULT_BORDER_PAD,
  chunkSize: 16,
};

const RequestSchema = z.object({
  tenant: z.string().min(1),
  profile: z.string().min(1),
  images: z.array(z.object({ name: z.string().min(1), bytes: z.instanceof(Uint8Array), pixelSizeUm: z.number().positive().optional() })),
  calibrationFraction: z.number().gt(0).lt(1).optional(),
  coresetRatio: z.number().gt(0).max(1).optional(),
  pixelSizeUm: z.number().positive().optional(),
  seed: z.number().int().optional(),
});

export interface EnrollmentDeps {
  readonly decoder: ImageDecoder;
  readonly backbone: Backbone;
  readonly vectorIndexes: VectorIndexFactory;
  readonly profiles: ProfileStore;
  readonly artifacts: ArtifactStore;
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
 * backbone (stored features would tie a profile to the backbone that made them).
 */
export class Enrollment implements EnrollmentService {
  private readonly settings: EnrollmentSettings;

  constructor(private readonly deps: EnrollmentDeps, settings: Partial<EnrollmentSettings> = {}) {
    this.settings = { ...DEFAULT_ENROLLMENT_SETTINGS, ...settings };
  }

  async enroll(request: EnrollRequest, progress: ProgressListener = () => {}): Promise<EnrollResult> {
    const req = RequestSchema.parse(request);
    const s = this.settings;
    const timings: Record<string, number> = {};
    const time = async <T>(stage: string, fn: () => Promise<T> | T): Promise<T> => {
      const start = performance.now();
      try {
        return await fn();
      } finally {
        timings[stage] = (timings[stage] ?? 0) + performance.now() - start;
      }
    };
    progress('load', 0);
    const previous = await this.deps.profiles.load(req.tenant, req.profile).catch((e: unknown) => {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    });
    const earlier = previous ? await time('load', () => this.earlierSources(req.tenant, previous)) : [];
    const known = new Set(earlier.map((e) => e.sha256));
    const fresh: Omit<Source, 'role'>[] = [];
    for (const image of req.images) {
      const sha256 = createHash('sha256').update(image.bytes).digest('hex');
      if (known.has(sha256)) continue; // the same bytes twice count once
      known.add(sha256);
      const pixelSizeUm = image.pixelSizeUm ?? req.pixelSizeUm;
      fresh.push({ name: image.name, sha256, bytes: image.bytes, ...(pixelSizeUm ? { pixelSizeUm } : {}) });
    }
    if (fresh.length === 0) throw new ValidationError('no new images to enrol: every image given is already in the profile');
    const hasCalibration = earlier.some((e) => e.role === 'calibration');
    const split = splitImages(fresh, calibrationCount(fresh.length, req.calibrationFraction ?? s.calibrationFraction, hasCalibration), req.seed ?? s.seed);
    const sources: Source[] = [
      ...earlier,
      ...split.bank.map((x) => ({ ...x, role: 'bank' as const })),
      ...split.calibration.map((x) => ({ ...x, role: 'calibration' as const })),
    ];
    const bankSources = sources.filter((x) => x.role === 'bank');
    const calibrationSources = sources.filter((x) => x.role === 'calibration');
    if (bankSources.length === 0 || calibrationSources.length === 0) {
      throw new ValidationError('enrolment needs at least 2 images: one for the memory bank and one held out for calibration', {
        images: sources.length,
      });
    }

    const { backbone } = this.deps;
    const seed = req.seed ?? previous?.features.seed ?? s.seed;
    const patchDim = backbone.descriptor.layers.filter((l) => backbone.descriptor.patchLayers.includes(l.name)).reduce((n, l) => n + l.channels, 0);
    const features: PatchFeatureConfig = {
      layers: [...backbone.descriptor.patchLayers],
      neighbourhood: s.neighbourhood,
      k: s.k,
      coresetRatio: req.coresetRatio ?? previous?.features.coresetRatio ?? s.coresetRatio,
      projectionDim: s.projectionDim !== null && s.projectionDim < patchDim ? s.projectionDim : null,
      seed,
      ...(s.borderPad > 0 ? { borderPad: s.borderPad } : {}),
    };

    // Pixel size of the profile: the caller's, the earlier version's, else the first given image's own.
    let profilePixelUm: number | null = req.pixelSizeUm ?? previous?.pixelSizeUm ?? null;
    if (profilePixelUm === null && fresh[0]) {
      const first = fresh[0];
      profilePixelUm = first.pixelSizeUm ?? (await this.deps.decoder.decode(first.bytes).catch(() => undefined))?.pixelSizeUm ?? null;
    }
    const total = sources.length;
    let embedded = 0;
    const embedAll = async (list: readonly Source[], stage: string): Promise<ImageFeatures[]> => {
      const out: ImageFeatures[] = [];
      for (let start = 0; start < list.length; start += s.chunkSize) {
        const chunk = list.slice(start, start + s.chunkSize);
        const prepared = await time('decode', () =>
          Promise.all(
            chunk.map(async (src) => {
              const decoded = await this.deps.decoder.decode(src.bytes).catch((e: unknown) => {
                throw e instanceof MmdoError ? new MmdoError(e.code, `${src.name}: ${e.message}`, e.status, { ...e.details, image: src.name }) : e;
              });
              return { decoded, own: src.pixelSizeUm ?? decoded.pixelSizeUm };
            }),
          ),
        );
        const images = await time('normalise', () => prepared.map((p) => prepareImage(p.decoded, p.own, profilePixelUm)));
        const feats = await time('embed', () => extractFeatures(backbone, images, features, s.tiling));
        out.push(...feats);
        embedded += chunk.length;
        progress(stage, 0.05 + 0.75 * (embedded / total), `${embedded}/${total} images`);
      }
      return out;
    };

    const bankFeatures = await embedAll(bankSources, 'embed bank');
    const bank = await time('coreset', () => {
      progress('coreset', 0.8);
      return buildMemoryBank(bankFeatures, { ratio: features.coresetRatio, maxSize: s.maxBankSize, seed });
    });
    const embeddings = stackEmbeddings(bankFeatures, bankSources.map((x) => x.name));
    bankFeatures.length = 0; // release the bank's patch grids before calibration

    const calibrationFeatures = await embedAll(calibrationSources, 'embed calibration');
    progress('calibrate', 0.9);
    const calibration = await time('calibrate', async () => {
      const index = await this.deps.vectorIndexes.build(bank.vectors, bank.dim, 'exact');
      try {
        const scored: PatchScoring[] = [];
        for (const f of calibrationFeatures) scored.push(await scorePatches(f, index, features.k, undefined, features.imageScoreTopFraction));
        return buildCalibration({
          imageScores: scored.map((x) => x.imageScore),
          scoreMaps: scored.map((x) => x.map),
          noveltyScores: calibrationFeatures.map((f) => novelty(f.embedding, embeddings).distance),
        });
      } finally {
        await index.dispose();
      }
    });

    progress('save', 0.97);
    const version = await time('save', async () => {
      for (const src of sources.filter((x) => !earlier.includes(x))) {
        await this.deps.artifacts.put(sourceKey(req.tenant, req.profile, src.sha256), src.bytes, 'application/octet-stream');
      }
      const profile: Omit<ProfileVersion, 'version'> = {
        name: req.profile,
        createdAt: new Date().toISOString(),
        backbone: { id: backbone.descriptor.id, sha256: backbone.descriptor.sha256 },
        pixelSizeUm: profilePixelUm,
        features,
        bank,
        calibration,
        embeddings,
        enrolled: { bank: bankSources.map((x) => x.name), calibration: calibrationSources.map((x) => x.name) },
        sources: sources.map(({ name, sha256, role, pixelSizeUm }) => ({ name, sha256, role, ...(pixelSizeUm ? { pixelSizeUm } : {}) })),
      };
      return this.deps.profiles.saveNewVersion(req.tenant, profile);
    });
    progress('done', 1);
    return {
      profile: req.profile,
      version,
      bankImages: bankSources.length,
      calibrationImages: calibrationSources.length,
      bankVectors: bank.count,
      thresholds: { suspect: calibration.suspect, anomalous: calibration.anomalous },
      timingsMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])),
    };
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

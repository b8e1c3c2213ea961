import { z } from 'zod';
import { MmdoError, ValidationError } from '../domain/errors.js';
import { PatchFeatureConfigSchema } from '../domain/profile/features.js';
import type { ProfileSummary, ProfileVersion } from '../domain/profile/profile.js';
import { legacySettings, ScoringSettingsSchema } from '../domain/profile/settings.js';
import { restoreGaussian, type DensityComponent } from '../domain/scoring/density.js';
import type { ProfileDescription } from '../ports/inspection.js';

/**
 * The one serialised form of a profile version, shared by every ProfileStore (local files, S3):
 *   profile.json    everything but the large float arrays (format 2; format 1, written before the scoring
 *                   settings were recorded, is read with the settings local inspection used then)
 *   bank.f32        memory bank, little-endian float32, count × dim, row-major
 *   embeddings.f32  enrolled image embeddings, little-endian float32, ids.length × dim
 *   density.f32     the density component's Gaussians, when the version has one: per block (in the manifest's
 *                   order) its mean (dim) then its centred samples (count × dim), little-endian float32
 * Stores decide where the files live; this module decides what is in them and checks what is read back.
 */
export const PROFILE_FILES = { manifest: 'profile.json', bank: 'bank.f32', embeddings: 'embeddings.f32', density: 'density.f32' } as const;

const CalibrationSchema = z.object({
  normalImageScores: z.array(z.number()),
  suspect: z.number(),
  anomalous: z.number(),
  pixelThreshold: z.number(),
  normalNoveltyScores: z.array(z.number()),
  normalConsistencyScores: z.array(z.number()).optional(),
  normalDensityScores: z.array(z.number()).optional(),
});

/** The density component's scalars; its arrays are in density.f32 (the Cholesky factors are recomputed at load). */
const DensitySchema = z.object({
  file: z.literal(PROFILE_FILES.density),
  blocks: z.array(z.object({
    name: z.string(),
    dim: z.number().int().positive(),
    count: z.number().int().min(2),
    a: z.number().nonnegative(),
    b: z.number().positive(),
    shrinkage: z.number().min(0).max(1),
    location: z.number(),
    scale: z.number().positive(),
    weight: z.number(),
    /** Absent in versions before map-only layers: the block's weight. */
    mapWeight: z.number().optional(),
  })).min(1),
});

/** Optional in every format: only versions a tuner saved carry it. */
const ProvenanceSchema = z.object({
  tuner: z.string(),
  metric: z.string(),
  value: z.number(),
  budget: z.number().int().nonnegative(),
  splitSeed: z.number().int(),
  date: z.string(),
  params: z.record(z.string(), z.union([z.number(), z.string()])),
  manifest: z.string().optional(),
  validationImages: z.number().int().nonnegative().optional(),
  test: z.record(z.string(), z.number()).optional(),
});

const CommonSchema = z.object({
  name: z.string(),
  version: z.number().int().positive(),
  createdAt: z.string(),
  backbone: z.object({ id: z.string(), sha256: z.string() }),
  pixelSizeUm: z.number().positive().nullable(),
  bank: z.object({ dim: z.number().int().positive(), count: z.number().int().nonnegative(), file: z.literal(PROFILE_FILES.bank) }),
  embeddings: z.object({ dim: z.number().int().nonnegative(), ids: z.array(z.string()), file: z.literal(PROFILE_FILES.embeddings) }),
  enrolled: z.object({ bank: z.array(z.string()), calibration: z.array(z.string()) }),
  sources: z
    .array(z.object({ name: z.string(), sha256: z.string(), role: z.enum(['bank', 'calibration']), pixelSizeUm: z.number().positive().optional() }))
    .optional(),
  provenance: ProvenanceSchema.optional(),
  density: DensitySchema.optional(),
});

export const ProfileManifestSchema = CommonSchema.extend({
  format: z.literal(2),
  features: PatchFeatureConfigSchema,
  calibration: CalibrationSchema,
  settings: ScoringSettingsSchema,
});

/** Format 1: border pad and image-score fraction under `features`, the heatmap floor under `calibration`. */
const LegacyManifestSchema = CommonSchema.extend({
  format: z.literal(1),
  features: PatchFeatureConfigSchema.extend({ imageScoreTopFraction: z.number().positive().max(1).optional(), borderPad: z.number().int().nonnegative().optional() }),
  calibration: CalibrationSchema.extend({ pixelScoreLow: z.number().optional() }),
});

const AnyManifestSchema = z.discriminatedUnion('format', [ProfileManifestSchema, LegacyManifestSchema]).transform((m) => {
  if (m.format === 2) return m;
  const { imageScoreTopFraction, borderPad, ...features } = m.features;
  const { pixelScoreLow, ...calibration } = m.calibration;
  return { ...m, format: 2 as const, features, calibration, settings: legacySettings({ imageScoreTopFraction, borderPad }, { pixelScoreLow, normalImageScores: calibration.normalImageScores }) };
});
export type ProfileManifest = z.infer<typeof ProfileManifestSchema>;

/** A profile version's files, ready to write. */
export interface EncodedProfile {
  readonly manifest: ProfileManifest;
  /** profile.json's bytes (UTF-8 JSON). */
  readonly manifestBytes: Uint8Array;
  readonly bankBytes: Uint8Array;
  readonly embeddingsBytes: Uint8Array;
  /** density.f32, when the version has a density component. */
  readonly densityBytes?: Uint8Array;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

export function encodeProfile(p: ProfileVersion): EncodedProfile {
  if (p.bank.vectors.length !== p.bank.count * p.bank.dim) {
    throw new ValidationError(`profile '${p.name}': bank holds ${p.bank.vectors.length} values, count × dim is ${p.bank.count * p.bank.dim}`);
  }
  if (p.embeddings.vectors.length !== p.embeddings.ids.length * p.embeddings.dim) {
    throw new ValidationError(`profile '${p.name}': embeddings hold ${p.embeddings.vectors.length} values, ids × dim is ${p.embeddings.ids.length * p.embeddings.dim}`);
  }
  // Built field by field (not spread) so nothing outside the format reaches the file.
  const manifest = ProfileManifestSchema.parse({
    format: 2,
    name: p.name,
    version: p.version,
    createdAt: p.createdAt,
    backbone: { id: p.backbone.id, sha256: p.backbone.sha256 },
    pixelSizeUm: p.pixelSizeUm,
    features: p.features,
    settings: p.settings,
    bank: { dim: p.bank.dim, count: p.bank.count, file: PROFILE_FILES.bank },
    calibration: p.calibration,
    embeddings: { dim: p.embeddings.dim, ids: p.embeddings.ids, file: PROFILE_FILES.embeddings },
    enrolled: p.enrolled,
    ...(p.sources ? { sources: p.sources } : {}),
    ...(p.provenance ? { provenance: p.provenance } : {}),
    ...(p.density ? { density: densityManifest(p.density) } : {}),
  });
  return {
    manifest,
    manifestBytes: Buffer.from(JSON.stringify(manifest, null, 1), 'utf8'),
    bankBytes: littleEndianBytes(p.bank.vectors),
    embeddingsBytes: littleEndianBytes(p.embeddings.vectors),
    ...(p.density ? { densityBytes: littleEndianBytes(concatBlocks(p.density)) } : {}),
  };
}

function densityManifest(d: DensityComponent): z.input<typeof DensitySchema> {
  return {
    file: PROFILE_FILES.density,
    blocks: d.blocks.map(({ name, model: { dim, count, a, b, shrinkage }, standardiser: { location, scale }, weight, mapWeight }) => ({
      name, dim, count, a, b, shrinkage, location, scale, weight, mapWeight,
    })),
  };
}

function concatBlocks(d: DensityComponent): Float32Array {
  const out = new Float32Array(d.blocks.reduce((n, b) => n + b.model.dim * (b.model.count + 1), 0));
  let o = 0;
  for (const { model } of d.blocks) {
    out.set(model.mean, o);
    out.set(model.centred, o + model.dim);
    o += model.dim * (model.count + 1);
  }
  return out;
}

/** The density component of a manifest that has one, from density.f32's bytes (checked against the manifest). */
export function decodeDensity(m: ProfileManifest, bytes: Uint8Array, where: string): DensityComponent {
  if (!m.density) throw corrupt(`profile ${where} has no density component`, where);
  const values = decodeFloats(bytes, m.density.blocks.reduce((n, b) => n + b.dim * (b.count + 1), 0), `${where}/${m.density.file}`);
  let o = 0;
  return {
    blocks: m.density.blocks.map(({ name, dim, count, a, b, shrinkage, location, scale, weight, mapWeight }) => {
      const mean = values.subarray(o, o + dim);
      const centred = values.subarray(o + dim, o + dim * (count + 1));
      o += dim * (count + 1);
      return { name, model: restoreGaussian({ dim, count, mean, centred, a, b, shrinkage }), standardiser: { location, scale }, weight, mapWeight: mapWeight ?? weight };
    }),
  };
}

/** Parses and validates profile.json; `where` names the file in the error (path or object key). */
export function decodeManifest(bytes: Uint8Array | string, where: string): ProfileManifest {
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    throw corrupt(`profile manifest ${where} is not JSON: ${(error as Error).message}`, where);
  }
  const parsed = AnyManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw corrupt(`profile manifest ${where} is not a valid profile manifest: ${issues.join('; ')}`, where);
  }
  return parsed.data;
}

/** The profile from its manifest and float files' bytes (checked against the manifest's sizes). */
export function decodeProfile(
  m: ProfileManifest, files: { readonly bank: Uint8Array; readonly embeddings: Uint8Array; readonly density?: Uint8Array | undefined }, where: string,
): ProfileVersion {
  const bank = decodeFloats(files.bank, m.bank.count * m.bank.dim, `${where}/${m.bank.file}`);
  const embeddings = decodeFloats(files.embeddings, m.embeddings.ids.length * m.embeddings.dim, `${where}/${m.embeddings.file}`);
  if (m.density && !files.density) throw corrupt(`profile file ${where}/${m.density.file} is missing although its manifest names it`, where);
  return {
    ...describeManifest(m),
    bank: { dim: m.bank.dim, count: m.bank.count, vectors: bank },
    embeddings: { dim: m.embeddings.dim, ids: m.embeddings.ids, vectors: embeddings },
    ...(m.density && files.density ? { density: decodeDensity(m, files.density, where) } : {}),
  };
}

export type { ProfileDescription };

export function describeManifest(m: ProfileManifest): ProfileDescription {
  return {
    name: m.name,
    version: m.version,
    createdAt: m.createdAt,
    backbone: m.backbone,
    pixelSizeUm: m.pixelSizeUm,
    features: m.features,
    settings: m.settings,
    bank: { dim: m.bank.dim, count: m.bank.count },
    calibration: m.calibration,
    embeddings: { dim: m.embeddings.dim, ids: m.embeddings.ids },
    enrolled: m.enrolled,
    ...(m.sources ? { sources: m.sources } : {}),
    ...(m.provenance ? { provenance: m.provenance } : {}),
  };
}

/** One version's line in a ProfileSummary. */
export function versionSummary(m: ProfileManifest): ProfileSummary['versions'][number] {
  return { version: m.version, createdAt: m.createdAt, bankImages: m.enrolled.bank.length, backboneId: m.backbone.id };
}

export function decodeFloats(bytes: Uint8Array, expected: number, where: string): Float32Array {
  if (bytes.byteLength !== expected * 4) {
    throw corrupt(`profile file ${where} holds ${bytes.byteLength} bytes, expected ${expected * 4}`, where);
  }
  // Copy into a fresh, aligned buffer: Node's pooled Buffers may start at an odd offset.
  const out = new Float32Array(expected);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < expected; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

function littleEndianBytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

function corrupt(message: string, where: string): MmdoError {
  return new MmdoError('profile_corrupt', message, 500, { where });
}

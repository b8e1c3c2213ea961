import { z } from 'zod';
import { MmdoError, NotFoundError, ValidationError } from '../../domain/errors.js';
import type { ProfileSummary, ProfileVersion } from '../../domain/profile/profile.js';
import type { ArtifactStore, ProfileStore } from '../../ports/stores.js';

/**
 * Profiles as objects in the artifact store (S3 in the cloud, where the model container reads the memory banks):
 *   <tenant>/profiles/<name>/v<N>/profile.json   everything but the float arrays
 *   <tenant>/profiles/<name>/v<N>/bank.f32       memory bank, little-endian float32, count × dim
 *   <tenant>/profiles/<name>/v<N>/embeddings.f32 enrolled image embeddings
 *   <tenant>/profiles/index.json                 names and versions (an object store cannot list cheaply)
 * Versions are immutable; index.json is written last, so a reader never sees a version before its files.
 * Version allocation is read-then-write: run one enrolment per profile at a time.
 */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

const ManifestSchema = z.object({
  format: z.literal(1),
  name: z.string(),
  version: z.number().int().positive(),
  createdAt: z.string(),
  backbone: z.object({ id: z.string(), sha256: z.string() }),
  pixelSizeUm: z.number().positive().nullable(),
  features: z.object({
    layers: z.array(z.string()).min(1),
    neighbourhood: z.number().int().positive(),
    k: z.number().int().positive(),
    coresetRatio: z.number().positive().max(1),
    projectionDim: z.number().int().positive().nullable(),
    seed: z.number().int(),
    coresetMaxSize: z.number().int().positive().optional(),
    imageScoreTopFraction: z.number().positive().max(1).optional(),
  }),
  bank: z.object({ dim: z.number().int().positive(), count: z.number().int().nonnegative() }),
  calibration: z.object({
    normalImageScores: z.array(z.number()),
    suspect: z.number(),
    anomalous: z.number(),
    pixelThreshold: z.number(),
    pixelScoreLow: z.number().optional(),
    normalNoveltyScores: z.array(z.number()),
  }),
  embeddings: z.object({ dim: z.number().int().nonnegative(), ids: z.array(z.string()) }),
  enrolled: z.object({ bank: z.array(z.string()), calibration: z.array(z.string()) }),
  sources: z
    .array(z.object({ name: z.string(), sha256: z.string(), role: z.enum(['bank', 'calibration']), pixelSizeUm: z.number().positive().optional() }))
    .optional(),
});
type Manifest = z.infer<typeof ManifestSchema>;

/** What a step needs to know about a profile version without loading its memory bank. */
export type ProfileDescription = Omit<ProfileVersion, 'bank' | 'embeddings'> & {
  readonly bank: { readonly dim: number; readonly count: number };
  readonly embeddings: { readonly dim: number; readonly ids: readonly string[] };
};

const IndexSchema = z.object({
  profiles: z.record(
    z.string(),
    z.array(z.object({ version: z.number().int().positive(), createdAt: z.string(), bankImages: z.number().int().nonnegative(), backboneId: z.string() })),
  ),
});

export function profilePrefix(tenant: string, name: string, version: number): string {
  return `${segment(tenant, 'tenant')}/profiles/${segment(name, 'profile name')}/v${version}`;
}

export class ArtifactProfileStore implements ProfileStore {
  constructor(private readonly artifacts: ArtifactStore) {}

  async saveNewVersion(tenant: string, profile: Omit<ProfileVersion, 'version'>): Promise<number> {
    const index = await this.index(tenant);
    const versions = index.profiles[profile.name] ?? [];
    const version = (versions.at(-1)?.version ?? 0) + 1;
    if (profile.bank.vectors.length !== profile.bank.count * profile.bank.dim) throw new RangeError('bank vectors do not match count * dim');
    if (profile.embeddings.vectors.length !== profile.embeddings.ids.length * profile.embeddings.dim) throw new RangeError('embeddings do not match ids * dim');
    const manifest: Manifest = ManifestSchema.parse({
      format: 1,
      ...profile,
      version,
      bank: { dim: profile.bank.dim, count: profile.bank.count },
      embeddings: { dim: profile.embeddings.dim, ids: profile.embeddings.ids },
    });
    const prefix = profilePrefix(tenant, profile.name, version);
    await this.artifacts.put(`${prefix}/bank.f32`, floatBytes(profile.bank.vectors), 'application/octet-stream');
    await this.artifacts.put(`${prefix}/embeddings.f32`, floatBytes(profile.embeddings.vectors), 'application/octet-stream');
    await this.artifacts.put(`${prefix}/profile.json`, Buffer.from(JSON.stringify(manifest)), 'application/json');
    const entry = { version, createdAt: profile.createdAt, bankImages: profile.enrolled.bank.length, backboneId: profile.backbone.id };
    const next = { profiles: { ...index.profiles, [profile.name]: [...versions, entry] } };
    await this.artifacts.put(`${segment(tenant, 'tenant')}/profiles/index.json`, Buffer.from(JSON.stringify(next)), 'application/json');
    return version;
  }

  /** The profile without its float arrays (ingest and fuse steps need thresholds and settings only). */
  async describe(tenant: string, name: string, version?: number): Promise<ProfileDescription> {
    const chosen = version ?? (await this.latestVersion(tenant, name));
    const object = await this.artifacts.get(`${profilePrefix(tenant, name, chosen)}/profile.json`);
    if (!object) throw new NotFoundError('profile version', `${name}@${chosen}`);
    const { format: _format, ...m } = ManifestSchema.parse(JSON.parse(Buffer.from(object.bytes).toString('utf8')));
    return m;
  }

  async load(tenant: string, name: string, version?: number): Promise<ProfileVersion> {
    const m = await this.describe(tenant, name, version);
    const prefix = profilePrefix(tenant, name, m.version);
    const bank = await this.floats(`${prefix}/bank.f32`, m.bank.count * m.bank.dim);
    const embeddings = await this.floats(`${prefix}/embeddings.f32`, m.embeddings.ids.length * m.embeddings.dim);
    return { ...m, bank: { ...m.bank, vectors: bank }, embeddings: { ...m.embeddings, vectors: embeddings } };
  }

  async list(tenant: string): Promise<ProfileSummary[]> {
    const index = await this.index(tenant);
    return Object.entries(index.profiles)
      .filter(([, versions]) => versions.length > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, versions]) => ({ name, latestVersion: versions.at(-1)!.version, versions }));
  }

  private async latestVersion(tenant: string, name: string): Promise<number> {
    const latest = (await this.index(tenant)).profiles[name]?.at(-1)?.version;
    if (latest === undefined) throw new NotFoundError('profile', name);
    return latest;
  }

  private async index(tenant: string): Promise<z.infer<typeof IndexSchema>> {
    const object = await this.artifacts.get(`${segment(tenant, 'tenant')}/profiles/index.json`);
    return object ? IndexSchema.parse(JSON.parse(Buffer.from(object.bytes).toString('utf8'))) : { profiles: {} };
  }

  private async floats(key: string, expected: number): Promise<Float32Array> {
    const object = await this.artifacts.get(key);
    if (!object) throw new MmdoError('profile_corrupt', `profile object ${key} is missing`, 500);
    if (object.bytes.byteLength !== expected * 4) {
      throw new MmdoError('profile_corrupt', `profile object ${key} holds ${object.bytes.byteLength} bytes, expected ${expected * 4}`, 500);
    }
    const out = new Float32Array(expected);
    new Uint8Array(out.buffer).set(object.bytes);
    return out;
  }
}

function segment(value: string, what: string): string {
  if (!SEGMENT.test(value) || value.includes('..')) throw new ValidationError(`${what} '${value}' is not a valid key segment`, { what, value });
  return value;
}

function floatBytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { MmdoError, NotFoundError } from '../../../domain/errors.js';
import type { ProfileSummary, ProfileVersion } from '../../../domain/profile/profile.js';
import type { ProfileStore } from '../../../ports/stores.js';
import { assertSegment } from './keys.js';

/** profile.json: everything but the large float arrays, which live beside it as little-endian Float32 files. */
const ManifestSchema = z.object({
  format: z.literal(1),
  name: z.string(),
  version: z.number().int().positive(),
  createdAt: z.string(),
  backbone: z.object({ id: z.string(), sha256: z.string() }),
  pixelSizeUm: z.number().positive().nullable(),
  features: z.object({
    layers: z.array(z.string()),
    neighbourhood: z.number().int().positive(),
    k: z.number().int().positive(),
    coresetRatio: z.number().positive().max(1),
    projectionDim: z.number().int().positive().nullable(),
    seed: z.number().int(),
  }),
  bank: z.object({ dim: z.number().int().positive(), count: z.number().int().nonnegative(), file: z.literal('bank.f32') }),
  calibration: z.object({
    normalImageScores: z.array(z.number()),
    suspect: z.number(),
    anomalous: z.number(),
    pixelThreshold: z.number(),
    pixelScoreLow: z.number().optional(),
    normalNoveltyScores: z.array(z.number()),
  }),
  embeddings: z.object({ dim: z.number().int().nonnegative(), ids: z.array(z.string()), file: z.literal('embeddings.f32') }),
  enrolled: z.object({ bank: z.array(z.string()), calibration: z.array(z.string()) }),
  sources: z.array(z.object({ name: z.string(), sha256: z.string(), role: z.enum(['bank', 'calibration']), pixelSizeUm: z.number().positive().optional() })).optional(),
});
type Manifest = z.infer<typeof ManifestSchema>;

const VERSION_DIR = /^v(\d+)$/;

/**
 * Profiles on disk: `root/<tenant>/<name>/v<N>/{profile.json,bank.f32,embeddings.f32}`.
 * A version is written to a staging folder and renamed into place, so readers never see half a version
 * and two writers never get the same number (the rename fails for the loser, who takes the next one).
 */
export class FileProfileStore implements ProfileStore {
  constructor(private readonly root: string) {}

  async saveNewVersion(tenant: string, profile: Omit<ProfileVersion, 'version'>): Promise<number> {
    const dir = this.profileDir(tenant, profile.name);
    await mkdir(dir, { recursive: true });
    const staging = join(dir, `.staging-${randomUUID()}`);
    await mkdir(staging);
    try {
      for (let attempt = 0; attempt < 100; attempt++) {
        const version = (await this.versions(dir)).at(-1) ?? 0;
        const next = version + 1;
        await this.writeVersion(staging, { ...profile, version: next });
        try {
          await rename(staging, join(dir, `v${next}`));
          return next;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
        }
      }
      throw new MmdoError('profile_conflict', `could not allocate a new version of profile '${profile.name}'`, 409);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async load(tenant: string, name: string, version?: number): Promise<ProfileVersion> {
    const dir = this.profileDir(tenant, name);
    const chosen = version ?? (await this.versions(dir)).at(-1);
    if (chosen === undefined) throw new NotFoundError('profile', name);
    const vdir = join(dir, `v${chosen}`);
    let text: string;
    try {
      text = await readFile(join(vdir, 'profile.json'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('profile version', `${name}@${chosen}`);
      throw error;
    }
    const m = ManifestSchema.parse(JSON.parse(text));
    const bank = await readFloats(join(vdir, m.bank.file), m.bank.count * m.bank.dim);
    const embeddings = await readFloats(join(vdir, m.embeddings.file), m.embeddings.ids.length * m.embeddings.dim);
    return {
      name: m.name,
      version: m.version,
      createdAt: m.createdAt,
      backbone: m.backbone,
      pixelSizeUm: m.pixelSizeUm,
      features: m.features,
      bank: { dim: m.bank.dim, count: m.bank.count, vectors: bank },
      calibration: m.calibration,
      embeddings: { dim: m.embeddings.dim, ids: m.embeddings.ids, vectors: embeddings },
      enrolled: m.enrolled,
      ...(m.sources ? { sources: m.sources } : {}),
    };
  }

  async list(tenant: string): Promise<ProfileSummary[]> {
    const tenantDir = join(this.root, assertSegment(tenant, 'tenant'));
    const names = await readdir(tenantDir).catch(() => [] as string[]);
    const summaries: ProfileSummary[] = [];
    for (const name of names.sort()) {
      const versions = await this.versions(join(tenantDir, name));
      if (versions.length === 0) continue;
      const details = [];
      for (const v of versions) {
        const m = ManifestSchema.parse(JSON.parse(await readFile(join(tenantDir, name, `v${v}`, 'profile.json'), 'utf8')));
        details.push({ version: v, createdAt: m.createdAt, bankImages: m.enrolled.bank.length, backboneId: m.backbone.id });
      }
      summaries.push({ name, latestVersion: versions[versions.length - 1]!, versions: details });
    }
    return summaries;
  }

  private profileDir(tenant: string, name: string): string {
    return join(this.root, assertSegment(tenant, 'tenant'), assertSegment(name, 'profile name'));
  }

  /** Version numbers present, ascending. */
  private async versions(dir: string): Promise<number[]> {
    const entries = await readdir(dir).catch(() => [] as string[]);
    return entries.map((e) => VERSION_DIR.exec(e)?.[1]).filter((v): v is string => v !== undefined).map(Number).sort((a, b) => a - b);
  }

  private async writeVersion(dir: string, p: ProfileVersion): Promise<void> {
    const manifest: Manifest = {
      format: 1,
      name: p.name,
      version: p.version,
      createdAt: p.createdAt,
      backbone: { id: p.backbone.id, sha256: p.backbone.sha256 },
      pixelSizeUm: p.pixelSizeUm,
      features: { ...p.features, layers: [...p.features.layers] },
      bank: { dim: p.bank.dim, count: p.bank.count, file: 'bank.f32' },
      calibration: {
        ...p.calibration,
        normalImageScores: [...p.calibration.normalImageScores],
        normalNoveltyScores: [...p.calibration.normalNoveltyScores],
      },
      embeddings: { dim: p.embeddings.dim, ids: [...p.embeddings.ids], file: 'embeddings.f32' },
      enrolled: { bank: [...p.enrolled.bank], calibration: [...p.enrolled.calibration] },
      ...(p.sources ? { sources: p.sources.map((s) => ({ ...s })) } : {}),
    };
    const parsed = ManifestSchema.parse(manifest);
    if (p.bank.vectors.length !== p.bank.count * p.bank.dim) throw new RangeError('bank vectors do not match count * dim');
    if (p.embeddings.vectors.length !== p.embeddings.ids.length * p.embeddings.dim) throw new RangeError('embeddings do not match ids * dim');
    await writeFile(join(dir, 'bank.f32'), floatBytes(p.bank.vectors));
    await writeFile(join(dir, 'embeddings.f32'), floatBytes(p.embeddings.vectors));
    await writeFile(join(dir, 'profile.json'), JSON.stringify(parsed, null, 1));
  }
}

function floatBytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

async function readFloats(path: string, expected: number): Promise<Float32Array> {
  const bytes = await readFile(path);
  if (bytes.byteLength !== expected * 4) {
    throw new MmdoError('profile_corrupt', `profile file ${path} holds ${bytes.byteLength} bytes, expected ${expected * 4}`, 500);
  }
  // Copy into a fresh, aligned buffer: Node's pooled Buffers may start at an odd offset.
  const out = new Float32Array(expected);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

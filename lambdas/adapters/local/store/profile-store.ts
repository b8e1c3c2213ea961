import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MmdoError, NotFoundError } from '../../../domain/errors.js';
import type { ProfileSummary, ProfileVersion } from '../../../domain/profile/profile.js';
import type { DensityComponent } from '../../../domain/scoring/density.js';
import type { ProfileCatalog, ProfileDescription } from '../../../ports/inspection.js';
import type { ProfileStore } from '../../../ports/stores.js';
import { LruCache } from '../../../domain/cache/lru.js';
import { decodeDensity, decodeManifest, decodeProfile, describeManifest, encodeProfile, PROFILE_FILES, versionSummary, type ProfileManifest } from '../../profile-codec.js';
import { assertSegment } from './keys.js';

const VERSION_DIR = /^v(\d+)$/;

/**
 * Profiles on disk: `root/<tenant>/<name>/v<N>/{profile.json,bank.f32,embeddings.f32[,density.f32]}`.
 * A version is written to a staging folder and renamed into place, so readers never see half a version
 * and two writers never get the same number (the rename fails for the loser, who takes the next one).
 */
export class FileProfileStore implements ProfileStore, ProfileCatalog {
  /** Density components of recently used versions (reading one means its floats and a Cholesky factor per block). */
  private readonly densities = new LruCache<[string, string, number], DensityComponent>(8);

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
    const { manifest, dir } = await this.manifest(tenant, name, version);
    return decodeProfile(manifest, {
      bank: await readFile(join(dir, manifest.bank.file)),
      embeddings: await readFile(join(dir, manifest.embeddings.file)),
      density: manifest.density ? await this.densityFile(dir, manifest) : undefined,
    }, dir);
  }

  density(tenant: string, name: string, version: number): Promise<DensityComponent> {
    return this.densities.get([tenant, name, version], async () => {
      const { manifest, dir } = await this.manifest(tenant, name, version);
      if (!manifest.density) throw new NotFoundError('density component of profile version', `${name}@${version}`);
      return decodeDensity(manifest, await this.densityFile(dir, manifest), dir);
    });
  }

  private async densityFile(dir: string, manifest: ProfileManifest): Promise<Uint8Array> {
    try {
      return await readFile(join(dir, manifest.density!.file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new MmdoError('profile_corrupt', `profile file ${join(dir, PROFILE_FILES.density)} is missing although its manifest names it`, 500, { where: dir });
    }
  }

  /** Settings and calibration only (profile.json), without the float files. */
  async describe(tenant: string, name: string, version?: number): Promise<ProfileDescription> {
    return describeManifest((await this.manifest(tenant, name, version)).manifest);
  }

  private async manifest(tenant: string, name: string, version?: number): Promise<{ manifest: ProfileManifest; dir: string }> {
    const dir = this.profileDir(tenant, name);
    const chosen = version ?? (await this.versions(dir)).at(-1);
    if (chosen === undefined) throw new NotFoundError('profile', name);
    const vdir = join(dir, `v${chosen}`);
    let text: string;
    try {
      text = await readFile(join(vdir, PROFILE_FILES.manifest), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('profile version', `${name}@${chosen}`);
      throw error;
    }
    return { manifest: decodeManifest(text, join(vdir, PROFILE_FILES.manifest)), dir: vdir };
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
        const path = join(tenantDir, name, `v${v}`, PROFILE_FILES.manifest);
        details.push(versionSummary(decodeManifest(await readFile(path, 'utf8'), path)));
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
    const encoded = encodeProfile(p);
    await writeFile(join(dir, PROFILE_FILES.bank), encoded.bankBytes);
    await writeFile(join(dir, PROFILE_FILES.embeddings), encoded.embeddingsBytes);
    if (encoded.densityBytes) await writeFile(join(dir, PROFILE_FILES.density), encoded.densityBytes);
    await writeFile(join(dir, PROFILE_FILES.manifest), encoded.manifestBytes);
  }
}

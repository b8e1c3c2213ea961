import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { MmdoError, NotFoundError, ValidationError } from '../../domain/errors.js';
import type { ProfileSummary, ProfileVersion } from '../../domain/profile/profile.js';
import type { DensityComponent } from '../../domain/scoring/density.js';
import type { ProfileCatalog, ProfileDescription } from '../../ports/inspection.js';
import type { ArtifactStore, ProfileStore } from '../../ports/stores.js';
import { LruCache } from '../../domain/cache/lru.js';
import { decodeDensity, decodeManifest, decodeProfile, describeManifest, encodeProfile, PROFILE_FILES, type ProfileManifest } from '../profile-codec.js';
import { ProfileRegistry, type RegistryRow } from './profile-registry.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

/** Tenant and profile names: one key segment, no '#' (the registry's key separator). */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** Writers racing for the same name each take the next free number; this bounds a pathological pile-up. */
const MAX_CLAIM_ATTEMPTS = 50;

export interface S3ProfileStoreOptions {
  /** The artifact bucket (the SageMaker model may read `<tenant>/profiles/*` there). */
  readonly bucket: string;
  /** The profile registry table (`<prefix>-profiles`, MMDO_PROFILES_TABLE in the stack). */
  readonly table: string;
}

/** S3 key prefix of one profile version's files: `<tenant>/profiles/<name>/v<N>`. */
export function profileVersionPrefix(tenant: string, name: string, version: number): string {
  if (!Number.isInteger(version) || version < 1) throw new ValidationError(`profile version '${version}' must be a positive integer`, { version });
  return `${segment(tenant, 'tenant')}/profiles/${segment(name, 'profile name')}/v${version}`;
}

/** The object keys of one profile version (the model container reads `bank` by version). */
export function profileObjectKeys(tenant: string, name: string, version: number): { manifest: string; bank: string; embeddings: string; density: string } {
  const prefix = profileVersionPrefix(tenant, name, version);
  return {
    manifest: `${prefix}/${PROFILE_FILES.manifest}`, bank: `${prefix}/${PROFILE_FILES.bank}`,
    embeddings: `${prefix}/${PROFILE_FILES.embeddings}`, density: `${prefix}/${PROFILE_FILES.density}`,
  };
}

/**
 * Profiles in the cloud: the files (profile-codec's format, the same as on disk) in the artifact bucket under
 * `<tenant>/profiles/<name>/v<N>/`, and a registry row per version in DynamoDB that says which versions exist.
 *
 * Saving: (1) claim N with a conditional put of a `writing` row (attribute_not_exists: the one winner of N;
 * losers try N+1), (2) write the three objects under v<N>/, (3) flip the row to `ready`. Readers only trust
 * `ready` rows, so they never see a version before all its files are in place. The number is claimed before the
 * files are written, not after: two writers racing for N would otherwise both write under v<N>/ and the loser's
 * late PUTs could replace the winner's memory bank. A writer that dies mid-way leaves a `writing` row: that
 * number is skipped, never reused, never read.
 */
/**
 * One profile version's three files by explicit number, in any ArtifactStore with the cloud layout (the artifact
 * bucket, or a local folder for the model container). It knows nothing of which versions exist or are complete:
 * that is the registry's. The model container reads through it: the workflow always names the version (ingest
 * resolves it through the registry), and versions are immutable, so the container needs no DynamoDB access.
 */
export class ProfileVersionFiles {
  constructor(private readonly objects: ArtifactStore) {}

  /** Writes the version's files, the float files before the manifest. Callers own the number (S3ProfileStore claims it). */
  async write(tenant: string, profile: ProfileVersion): Promise<void> {
    const encoded = encodeProfile(profile);
    const keys = profileObjectKeys(tenant, profile.name, profile.version);
    await this.objects.put(keys.bank, encoded.bankBytes, 'application/octet-stream');
    await this.objects.put(keys.embeddings, encoded.embeddingsBytes, 'application/octet-stream');
    if (encoded.densityBytes) await this.objects.put(keys.density, encoded.densityBytes, 'application/octet-stream');
    await this.objects.put(keys.manifest, encoded.manifestBytes, 'application/json');
  }

  /** The version's manifest, checked to name the version asked for; NotFoundError when it is not there. */
  async manifest(tenant: string, name: string, version: number): Promise<ProfileManifest> {
    const keys = profileObjectKeys(tenant, name, version);
    const object = await this.objects.get(keys.manifest);
    if (!object) throw new NotFoundError('profile version', `${name}@${version}`);
    const manifest = decodeManifest(object.bytes, keys.manifest);
    if (manifest.name !== name || manifest.version !== version) {
      throw new MmdoError('profile_corrupt', `profile manifest ${keys.manifest} names '${manifest.name}' v${manifest.version}, expected '${name}' v${version}`, 500, {
        where: keys.manifest,
      });
    }
    return manifest;
  }

  async load(tenant: string, name: string, version: number): Promise<ProfileVersion> {
    return this.loadWith(await this.manifest(tenant, name, version), tenant);
  }

  /** The float arrays of a version whose manifest is already read. */
  async loadWith(manifest: ProfileManifest, tenant: string): Promise<ProfileVersion> {
    const keys = profileObjectKeys(tenant, manifest.name, manifest.version);
    // Fetched together; a missing file is reported in this order (bank first), not by which request failed first.
    const settled = await Promise.allSettled([
      this.required(keys.bank), this.required(keys.embeddings), manifest.density ? this.required(keys.density) : undefined,
    ]);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [bank, embeddings, density] = settled.map((r) => (r as PromiseFulfilledResult<Uint8Array | undefined>).value);
    return decodeProfile(manifest, { bank: bank!, embeddings: embeddings!, density }, profileVersionPrefix(tenant, manifest.name, manifest.version));
  }

  /** The density component of a version whose manifest is already read (NotFoundError when it has none). */
  async densityWith(manifest: ProfileManifest, tenant: string): Promise<DensityComponent> {
    if (!manifest.density) throw new NotFoundError('density component of profile version', `${manifest.name}@${manifest.version}`);
    const keys = profileObjectKeys(tenant, manifest.name, manifest.version);
    return decodeDensity(manifest, await this.required(keys.density), profileVersionPrefix(tenant, manifest.name, manifest.version));
  }

  private async required(key: string): Promise<Uint8Array> {
    const object = await this.objects.get(key);
    if (!object) throw new MmdoError('profile_corrupt', `profile object ${key} is missing although its manifest is there`, 500, { where: key });
    return object.bytes;
  }
}

export class S3ProfileStore implements ProfileStore, ProfileCatalog {
  private readonly files: ProfileVersionFiles;
  private readonly registry: ProfileRegistry;
  /** Density components of recently used versions (reading one means its floats and a Cholesky factor per block). */
  private readonly densities = new LruCache<[string, string, number], DensityComponent>(8);

  constructor(s3: S3Client, dynamo: DynamoDBClient, options: S3ProfileStoreOptions) {
    this.files = new ProfileVersionFiles(new S3ArtifactStore(s3, options.bucket));
    this.registry = new ProfileRegistry(dynamo, options.table);
  }

  async saveNewVersion(tenant: string, profile: Omit<ProfileVersion, 'version'>): Promise<number> {
    segment(tenant, 'tenant');
    segment(profile.name, 'profile name');
    // Validate before claiming a number, so a bad profile never leaves a claimed row behind.
    encodeProfile({ ...profile, version: 1 });
    const writer = randomUUID();
    let version = (await this.registry.highestTaken(tenant, profile.name)) + 1;
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const row: RegistryRow & { status: 'writing' } = {
        tenant,
        profile: profile.name,
        version,
        status: 'writing',
        writer,
        createdAt: profile.createdAt,
        bankImages: profile.enrolled.bank.length,
        backboneId: profile.backbone.id,
        prefix: profileVersionPrefix(tenant, profile.name, version),
      };
      if (await this.registry.claim(row)) {
        await this.files.write(tenant, { ...profile, version });
        await this.registry.commit(tenant, profile.name, version, writer);
        return version;
      }
      // Someone holds N: look again rather than just N+1, as several may have gone ahead meanwhile.
      version = Math.max(version + 1, (await this.registry.highestTaken(tenant, profile.name)) + 1);
    }
    throw new MmdoError('profile_conflict', `could not allocate a new version of profile '${profile.name}' after ${MAX_CLAIM_ATTEMPTS} attempts`, 409, {
      tenant,
      profile: profile.name,
    });
  }

  async load(tenant: string, name: string, version?: number): Promise<ProfileVersion> {
    return this.files.loadWith(await this.manifest(tenant, name, version), tenant);
  }

  /** The version's settings, calibration and sizes without downloading its float arrays (ingest and fuse steps). */
  async describe(tenant: string, name: string, version?: number): Promise<ProfileDescription> {
    return describeManifest(await this.manifest(tenant, name, version));
  }

  density(tenant: string, name: string, version: number): Promise<DensityComponent> {
    return this.densities.get([tenant, name, version], async () => this.files.densityWith(await this.manifest(tenant, name, version), tenant));
  }

  async list(tenant: string): Promise<ProfileSummary[]> {
    segment(tenant, 'tenant');
    const byName = new Map<string, RegistryRow[]>();
    for (const row of await this.registry.ready(tenant)) byName.set(row.profile, [...(byName.get(row.profile) ?? []), row]);
    return [...byName.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, rows]) => ({
        name,
        latestVersion: rows.at(-1)!.version,
        versions: rows.map((r) => ({ version: r.version, createdAt: r.createdAt, bankImages: r.bankImages, backboneId: r.backboneId })),
      }));
  }

  /** The manifest of a ready version (the latest when omitted), checked against the registry row. */
  private async manifest(tenant: string, name: string, version?: number): Promise<ProfileManifest> {
    segment(tenant, 'tenant');
    segment(name, 'profile name');
    const rows = await this.registry.ready(tenant, name);
    const row = version === undefined ? rows.at(-1) : rows.find((r) => r.version === version);
    if (!row) throw version === undefined ? new NotFoundError('profile', name) : new NotFoundError('profile version', `${name}@${version}`);
    try {
      return await this.files.manifest(tenant, name, row.version);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      const where = profileObjectKeys(tenant, name, row.version).manifest;
      throw new MmdoError('profile_corrupt', `profile object ${where} is missing although its version is registered`, 500, { where });
    }
  }
}

function segment(value: string, what: string): string {
  if (!SEGMENT.test(value) || value.includes('..')) {
    throw new ValidationError(`${what} '${value}' may only contain letters, digits, '.', '_' and '-' (not starting with '.' or '-')`, { what, value });
  }
  return value;
}

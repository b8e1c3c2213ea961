import { NotFoundError } from '../../domain/errors.js';
import type { ProfileSummary, ProfileVersion } from '../../domain/profile/profile.js';
import type { DensityComponent } from '../../domain/scoring/density.js';
import type { ProfileCatalog, ProfileDescription } from '../../ports/inspection.js';
import type { ProfileStore } from '../../ports/stores.js';

/**
 * Profiles in memory, for work that builds a profile only to measure it (evaluation, tuning): the same contract
 * as the file and S3 stores (numbered versions, never overwritten), nothing written anywhere.
 */
export class MemoryProfileStore implements ProfileStore, ProfileCatalog {
  private readonly versions = new Map<string, ProfileVersion[]>();

  async saveNewVersion(tenant: string, profile: Omit<ProfileVersion, 'version'>): Promise<number> {
    const list = this.versions.get(this.key(tenant, profile.name)) ?? [];
    const version = list.length + 1;
    list.push({ ...profile, version });
    this.versions.set(this.key(tenant, profile.name), list);
    return version;
  }

  async load(tenant: string, name: string, version?: number): Promise<ProfileVersion> {
    const list = this.versions.get(this.key(tenant, name));
    const found = version === undefined ? list?.at(-1) : list?.[version - 1];
    if (!found) throw new NotFoundError(version === undefined ? 'profile' : 'profile version', version === undefined ? name : `${name}@${version}`);
    return found;
  }

  async describe(tenant: string, name: string, version?: number): Promise<ProfileDescription> {
    const { bank, embeddings, density: _density, ...rest } = await this.load(tenant, name, version);
    return { ...rest, bank: { dim: bank.dim, count: bank.count }, embeddings: { dim: embeddings.dim, ids: embeddings.ids } };
  }

  async density(tenant: string, name: string, version: number): Promise<DensityComponent> {
    const { density } = await this.load(tenant, name, version);
    if (!density) throw new NotFoundError('density component of profile version', `${name}@${version}`);
    return density;
  }

  async list(tenant: string): Promise<ProfileSummary[]> {
    const prefix = `${tenant}\u0000`;
    return [...this.versions].filter(([k]) => k.startsWith(prefix)).map(([, list]) => ({
      name: list[0]!.name,
      latestVersion: list.length,
      versions: list.map((p) => ({ version: p.version, createdAt: p.createdAt, bankImages: p.enrolled.bank.length, backboneId: p.backbone.id })),
    }));
  }

  private key(tenant: string, name: string): string {
    return `${tenant}\u0000${name}`;
  }
}

import type { ProfileVersion, ProfileSummary } from '../domain/profile/profile.js';
import type { DensityComponent } from '../domain/scoring/density.js';
import type { EmbeddingIndex } from '../ports/embedding-index.js';
import type { ProfileCatalog, ProfileDescription } from '../ports/inspection.js';
import type { ProfileStore } from '../ports/stores.js';
import type { EmbeddingIndexFor } from './publish-profile.js';
import { publishEmbeddings } from './publish-embeddings.js';

/**
 * A profile store that publishes as it saves: each new version's enrolled image embeddings go to the embedding
 * index (novelty) right after the version's files and registry row, as `mmdo enroll --publish` does
 * (publish-profile.ts: the profile first, then its embeddings). Used where versions are made in the cloud (the
 * profile-jobs function), so a version is searchable before anything scores against it: a recalibration scores
 * its labels against the version its enrolment just made.
 */
export class PublishingProfileStore implements ProfileStore, ProfileCatalog {
  constructor(
    private readonly inner: ProfileStore & ProfileCatalog,
    private readonly indexFor: EmbeddingIndexFor,
    private readonly options: { readonly material?: string } = {},
  ) {}

  async saveNewVersion(tenant: string, profile: Omit<ProfileVersion, 'version'>): Promise<number> {
    const version = await this.inner.saveNewVersion(tenant, profile);
    if (profile.embeddings.dim > 0 && profile.embeddings.ids.length > 0) {
      const index: EmbeddingIndex = await this.indexFor(profile.backbone, profile.embeddings.dim);
      await publishEmbeddings({ ...profile, version }, index, { tenant, ...(this.options.material ? { material: this.options.material } : {}) });
    }
    return version;
  }

  load(tenant: string, name: string, version?: number): Promise<ProfileVersion> {
    return this.inner.load(tenant, name, version);
  }

  list(tenant: string): Promise<ProfileSummary[]> {
    return this.inner.list(tenant);
  }

  describe(tenant: string, name: string, version?: number): Promise<ProfileDescription> {
    return this.inner.describe(tenant, name, version);
  }

  density(tenant: string, name: string, version: number): Promise<DensityComponent> {
    return this.inner.density(tenant, name, version);
  }
}

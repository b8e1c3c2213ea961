import { LruCache } from '../../domain/cache/lru.js';
import type { ProfileVersion } from '../../domain/profile/profile.js';
import type { ProfileStore } from '../../ports/stores.js';
import type { VectorIndex, VectorIndexFactory } from '../../ports/vector-index.js';

export interface LoadedProfile {
  readonly profile: ProfileVersion;
  readonly index: VectorIndex;
}

/**
 * Profiles with their memory-bank index, built once per (tenant, name, version) and kept for the next images.
 * Versions are immutable, so a cached entry never goes stale; "latest" is resolved on every call (cheap) so a
 * newly enrolled version is picked up.
 */
export class BankIndexCache {
  private readonly cache: LruCache<[string, string, number], LoadedProfile>;

  constructor(
    private readonly profiles: ProfileStore,
    private readonly indexes: VectorIndexFactory,
    private readonly kind: (bankSize: number) => 'exact' | 'approximate',
    capacity = 4,
  ) {
    this.cache = new LruCache(capacity, (loaded) => loaded.index.dispose());
  }

  async get(tenant: string, name: string, version?: number): Promise<LoadedProfile> {
    const resolved = version ?? (await this.latest(tenant, name));
    return this.cache.get([tenant, name, resolved], async () => {
      const profile = await this.profiles.load(tenant, name, resolved);
      const index = await this.indexes.build(profile.bank.vectors, profile.bank.dim, this.kind(profile.bank.count));
      return { profile, index };
    });
  }

  dispose(): Promise<void> {
    return this.cache.clear();
  }

  private async latest(tenant: string, name: string): Promise<number> {
    const summary = (await this.profiles.list(tenant)).find((p) => p.name === name);
    // Unknown profile: let load() raise its NotFoundError with the name.
    return summary?.latestVersion ?? (await this.profiles.load(tenant, name)).version;
  }
}

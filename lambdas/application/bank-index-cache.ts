import type { ProfileVersion } from '../domain/profile/profile.js';
import type { ProfileStore } from '../ports/stores.js';
import type { VectorIndex, VectorIndexFactory } from '../ports/vector-index.js';

export interface LoadedProfile {
  readonly profile: ProfileVersion;
  readonly index: VectorIndex;
}

/**
 * Profiles with their memory-bank index, built once per (tenant, name, version) and kept for the next images.
 * Versions are immutable, so a cached entry never goes stale; "latest" is resolved on every call (cheap) so a
 * newly enrolled version is picked up. Least recently used entries beyond `capacity` are disposed.
 */
export class BankIndexCache {
  private readonly entries = new Map<string, Promise<LoadedProfile>>();

  constructor(
    private readonly profiles: ProfileStore,
    private readonly indexes: VectorIndexFactory,
    private readonly kind: (bankSize: number) => 'exact' | 'approximate',
    private readonly capacity = 4,
  ) {}

  async get(tenant: string, name: string, version?: number): Promise<LoadedProfile> {
    const resolved = version ?? (await this.latest(tenant, name));
    const key = JSON.stringify([tenant, name, resolved]);
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // re-insert: Map order is our recency order
    } else {
      entry = this.load(tenant, name, resolved);
      entry.catch(() => this.entries.delete(key));
    }
    this.entries.set(key, entry);
    await this.evict();
    return entry;
  }

  async dispose(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) await e.then((l) => l.index.dispose()).catch(() => {});
  }

  private async latest(tenant: string, name: string): Promise<number> {
    const summary = (await this.profiles.list(tenant)).find((p) => p.name === name);
    // Unknown profile: let load() raise its NotFoundError with the name.
    return summary?.latestVersion ?? (await this.profiles.load(tenant, name)).version;
  }

  private async load(tenant: string, name: string, version: number): Promise<LoadedProfile> {
    const profile = await this.profiles.load(tenant, name, version);
    const index = await this.indexes.build(profile.bank.vectors, profile.bank.dim, this.kind(profile.bank.count));
    return { profile, index };
  }

  private async evict(): Promise<void> {
    while (this.entries.size > this.capacity) {
      const [key, oldest] = this.entries.entries().next().value as [string, Promise<LoadedProfile>];
      this.entries.delete(key);
      await oldest.then((l) => l.index.dispose()).catch(() => {});
    }
  }
}

import type { DensityComponent } from '../domain/scoring/density.js';

/**
 * Density components of recently used profile versions (versions never change, so an entry never goes stale):
 * reading one means its float file and a Cholesky factor per block, about 0.1 s, which a run of inspections
 * against the same version should pay once. A failed read is not kept.
 */
export class DensityCache {
  private readonly entries = new Map<string, Promise<DensityComponent>>();

  constructor(private readonly capacity = 8) {}

  get(tenant: string, name: string, version: number, read: () => Promise<DensityComponent>): Promise<DensityComponent> {
    const key = JSON.stringify([tenant, name, version]);
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const loading = read();
    this.entries.set(key, loading);
    loading.catch(() => this.entries.delete(key));
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return loading;
  }
}

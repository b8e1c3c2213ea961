/**
 * A small least-recently-used cache of promised values (profiles, memory-bank indexes, scoring heads): one load
 * per key at a time, a failed load is forgotten so the next call tries again, and entries beyond `capacity` are
 * handed to `dispose` (release native memory) once their load has settled.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<string, Promise<V>>();

  constructor(
    private readonly capacity: number,
    private readonly dispose: (value: V) => Promise<void> | void = () => {},
    private readonly keyOf: (key: K) => string = (key) => JSON.stringify(key),
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`cache capacity must be a positive integer, got ${capacity}`);
  }

  get(key: K, load: () => Promise<V>): Promise<V> {
    const id = this.keyOf(key);
    let entry = this.entries.get(id);
    if (entry) {
      this.entries.delete(id); // re-inserted below: Map order is the recency order
    } else {
      entry = load();
      entry.catch(() => {
        if (this.entries.get(id) === entry) this.entries.delete(id);
      });
    }
    this.entries.set(id, entry);
    while (this.entries.size > this.capacity) {
      const [oldest, evicted] = this.entries.entries().next().value as [string, Promise<V>];
      this.entries.delete(oldest);
      void evicted.then((v) => this.dispose(v)).catch(() => {});
    }
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Disposes every settled entry and empties the cache. */
  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const entry of all) await entry.then((v) => this.dispose(v)).catch(() => {});
  }
}

import { ValidationError } from '../../../domain/errors.js';
import type { EmbeddingFilter, EmbeddingIndex, EmbeddingNeighbour, EmbeddingRecord } from '../../../ports/embedding-index.js';

interface Stored {
  readonly id: string;
  readonly profileVersion?: number;
  readonly material?: string;
  readonly label?: string;
  readonly vector: Float32Array;
}

/**
 * Image-level embeddings in memory, searched exactly (brute force: enrolled images number in the hundreds or
 * thousands per profile, a few microseconds each). The same semantics as the OpenSearch index:
 * - a record is identified by tenant, profile, profile version and id: indexing it again replaces it (publishing a
 *   version twice is idempotent), and each version keeps its own records (a run pinned to v1 finds v1's images);
 * - tenant and profile always filter; profileVersion and material filter when given, and a record without the
 *   field does not match a filter on it (a term filter on a missing field matches nothing);
 * - vectors of different widths live apart, as OpenSearch keeps one index per backbone: a query only meets
 *   records of its own width;
 * - without a version filter every version's records count (an image in two versions can come back twice).
 * Distances are Euclidean, nearest first, ties by id.
 */
export class InProcessEmbeddingIndex implements EmbeddingIndex {
  /** width → `tenant\0profile` → `version\0id` → record */
  private readonly spaces = new Map<number, Map<string, Map<string, Stored>>>();

  async index(records: readonly EmbeddingRecord[]): Promise<void> {
    for (const r of records) {
      if (r.vector.length === 0) throw new ValidationError(`embedding '${r.id}' is empty`, { id: r.id });
      if (!r.vector.every(Number.isFinite)) throw new ValidationError(`embedding '${r.id}' holds a value that is not finite`, { id: r.id });
    }
    for (const r of records) {
      // Another width for the same record replaces it too: remove it from the space it was in.
      for (const [width, groups] of this.spaces) if (width !== r.vector.length) groups.get(groupKey(r.tenant, r.profile))?.delete(recordKey(r));
      const space = getOrCreate(this.spaces, r.vector.length, () => new Map<string, Map<string, Stored>>());
      const group = getOrCreate(space, groupKey(r.tenant, r.profile), () => new Map<string, Stored>());
      group.set(recordKey(r), {
        id: r.id,
        vector: Float32Array.from(r.vector), // a copy: the caller may reuse its buffer
        ...(r.profileVersion !== undefined ? { profileVersion: r.profileVersion } : {}),
        ...(r.material !== undefined ? { material: r.material } : {}),
        ...(r.label !== undefined ? { label: r.label } : {}),
      });
    }
  }

  async nearest(vector: Float32Array, k: number, filter: EmbeddingFilter): Promise<EmbeddingNeighbour[]> {
    if (!Number.isInteger(k) || k < 1) throw new ValidationError(`k must be a positive integer, got ${k}`, { k });
    if (vector.length === 0) throw new ValidationError('the query embedding is empty');
    const group = this.spaces.get(vector.length)?.get(groupKey(filter.tenant, filter.profile));
    if (!group) return [];
    const hits: { record: Stored; distance: number }[] = [];
    for (const record of group.values()) {
      if (filter.profileVersion !== undefined && record.profileVersion !== filter.profileVersion) continue;
      if (filter.material !== undefined && record.material !== filter.material) continue;
      hits.push({ record, distance: euclidean(vector, record.vector) });
    }
    hits.sort((a, b) => a.distance - b.distance || (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0));
    return hits.slice(0, k).map(({ record, distance }) => ({ id: record.id, distance, ...(record.label !== undefined ? { label: record.label } : {}) }));
  }

  /** Records held (all tenants). */
  get size(): number {
    let n = 0;
    for (const space of this.spaces.values()) for (const group of space.values()) n += group.size;
    return n;
  }
}

function recordKey(r: Pick<EmbeddingRecord, 'id' | 'profileVersion'>): string {
  return `${r.profileVersion ?? ''}\u0000${r.id}`;
}

function groupKey(tenant: string, profile: string): string {
  return `${tenant}\u0000${profile}`;
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}

function euclidean(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

import { nearestImages } from '../../application/scoring.js';
import { LruCache } from '../../domain/cache/lru.js';
import type { ImageEmbeddings } from '../../domain/profile/profile.js';
import type { EmbeddingFilter, EmbeddingIndex, EmbeddingNeighbour } from '../../ports/embedding-index.js';
import type { ProfileStore } from '../../ports/stores.js';

/**
 * The EmbeddingIndex port on one machine: a profile version's own enrolled embeddings, searched exactly (the
 * cloud's OpenSearch index holds the same records, published per version). Read-only: enrolment writes them.
 */
export class ProfileEmbeddingIndex implements EmbeddingIndex {
  private readonly cache = new LruCache<[string, string, number], ImageEmbeddings>(8);

  constructor(private readonly profiles: ProfileStore) {}

  async index(): Promise<void> {
    throw new Error('profile embeddings are written by enrolment, not indexed one by one');
  }

  async nearest(vector: Float32Array, k: number, filter: EmbeddingFilter): Promise<EmbeddingNeighbour[]> {
    const load = async () => (await this.profiles.load(filter.tenant, filter.profile, filter.profileVersion)).embeddings;
    // Only pinned versions are cached: "latest" changes when a version is enrolled.
    const embeddings = filter.profileVersion === undefined ? await load() : await this.cache.get([filter.tenant, filter.profile, filter.profileVersion], load);
    return nearestImages(vector, embeddings, k).nearest;
  }
}

import { ValidationError } from '../domain/errors.js';
import type { ProfileVersion } from '../domain/profile/profile.js';
import type { EmbeddingIndex, EmbeddingRecord } from '../ports/embedding-index.js';

export interface PublishEmbeddingsOptions {
  readonly tenant: string;
  /** The cathode material the profile describes (e.g. 'Li-S'); lets novelty search within one material. */
  readonly material?: string;
  /** Records sent per `index` call (an OpenSearch bulk request): bounds request size. */
  readonly batchSize?: number;
}

const DEFAULT_BATCH = 256;

/**
 * After enrolment: makes a profile version's enrolled image embeddings searchable (novelty, nearest known
 * samples), one record per enrolled bank image, tagged with tenant, profile, version and material. Records are
 * keyed by tenant, profile, version and image id: publishing a version again is idempotent, and each version keeps
 * its own records, so inspection (which always searches its pinned version) finds that version's images.
 * Returns the number of records indexed.
 */
export async function publishEmbeddings(profile: ProfileVersion, index: EmbeddingIndex, options: PublishEmbeddingsOptions): Promise<number> {
  const { dim, ids, vectors } = profile.embeddings;
  if (vectors.length !== ids.length * dim) {
    throw new ValidationError(`profile '${profile.name}' v${profile.version}: ${vectors.length} embedding values for ${ids.length} ids × ${dim}`);
  }
  const seen = new Set<string>();
  const duplicate = ids.find((id) => seen.size === seen.add(id).size);
  if (duplicate !== undefined) {
    // Same id twice would silently keep one embedding of two images.
    throw new ValidationError(`profile '${profile.name}' v${profile.version} enrols two images named '${duplicate}'; image ids must be unique to publish embeddings`, {
      id: duplicate,
    });
  }
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError(`batchSize must be a positive integer, got ${batchSize}`);
  if (ids.length === 0 || dim === 0) return 0;

  const records: EmbeddingRecord[] = ids.map((id, i) => ({
    id,
    tenant: options.tenant,
    profile: profile.name,
    profileVersion: profile.version,
    ...(options.material !== undefined ? { material: options.material } : {}),
    vector: vectors.subarray(i * dim, (i + 1) * dim),
  }));
  for (let start = 0; start < records.length; start += batchSize) await index.index(records.slice(start, start + batchSize));
  return records.length;
}

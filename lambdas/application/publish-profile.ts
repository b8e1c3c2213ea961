import type { ProfileVersion } from '../domain/profile/profile.js';
import type { EmbeddingIndex } from '../ports/embedding-index.js';
import type { ProfileStore } from '../ports/stores.js';
import { publishEmbeddings } from './publish-embeddings.js';

/** The embedding index of a backbone (OpenSearch keeps one per backbone, as widths differ); may prepare it first. */
export type EmbeddingIndexFor = (backbone: ProfileVersion['backbone'], dim: number) => EmbeddingIndex | Promise<EmbeddingIndex>;

export interface PublishProfileOptions {
  /** The profile to copy: its tenant and name in the source store, and a version (the latest when omitted). */
  readonly from: { readonly tenant: string; readonly name: string; readonly version?: number };
  /** The tenant it is published under (the first segment of upload keys: `<tenant>/<profile>/...`). */
  readonly tenant: string;
  /** Cathode material recorded with each embedding (novelty may filter by it). */
  readonly material?: string;
}

export interface PublishedProfile {
  readonly tenant: string;
  readonly profile: string;
  readonly sourceVersion: number;
  /** The version number in the target store (its own sequence: not necessarily the source's). */
  readonly version: number;
  /** Enrolled image embeddings indexed for novelty (0 without an index). */
  readonly embeddings: number;
}

/**
 * Publishes a profile enrolled on one machine to the cloud: the version becomes the next version of the same name
 * in the target store (S3ProfileStore: files in the artifact bucket, a registry row in DynamoDB), and its enrolled
 * image embeddings go to the embedding index for novelty, tagged with the new version number. The profile is saved
 * first: the version number is only known then, and a profile without embeddings still scores patches (novelty is
 * left out of the fusion), whereas embeddings without a profile would be unreachable.
 */
export async function publishProfile(
  source: ProfileStore,
  target: ProfileStore,
  indexFor: EmbeddingIndexFor | undefined,
  options: PublishProfileOptions,
): Promise<PublishedProfile> {
  const loaded = await source.load(options.from.tenant, options.from.name, options.from.version);
  const { version: sourceVersion, ...profile } = loaded;
  const version = await target.saveNewVersion(options.tenant, profile);
  let embeddings = 0;
  if (indexFor && profile.embeddings.dim > 0 && profile.embeddings.ids.length > 0) {
    const index = await indexFor(profile.backbone, profile.embeddings.dim);
    embeddings = await publishEmbeddings({ ...profile, version }, index, { tenant: options.tenant, ...(options.material ? { material: options.material } : {}) });
  }
  return { tenant: options.tenant, profile: profile.name, sourceVersion, version, embeddings };
}

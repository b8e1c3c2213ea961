import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { z } from 'zod';
import { MmdoError, ValidationError } from '../../domain/errors.js';
import type { EmbeddingFilter, EmbeddingIndex, EmbeddingNeighbour, EmbeddingRecord } from '../../ports/embedding-index.js';

export interface OpenSearchClientOptions {
  /** Domain URL, e.g. https://search-mmdo-embeddings-xyz.eu-west-1.es.amazonaws.com */
  readonly node: string;
  /** Sign requests with SigV4 for this region (Amazon OpenSearch Service); unsigned when omitted. */
  readonly region?: string;
}

/** A client for the domain: SigV4-signed with the Lambda role's credentials on AWS, plain elsewhere. */
export function createOpenSearchClient(options: OpenSearchClientOptions): Client {
  if (!options.region) return new Client({ node: options.node });
  const provider = defaultProvider();
  return new Client({
    ...AwsSigv4Signer({ region: options.region, service: 'es', getCredentials: () => provider() }),
    node: options.node,
  });
}

/** Prefix of the per-backbone embedding indices the stack grants (`<prefix><backbone>`). */
export const DEFAULT_EMBEDDING_INDEX_PREFIX = 'mmdo-embeddings-';

export interface OpenSearchEmbeddingIndexOptions {
  /** Index name prefix (EMBEDDING_INDEX_PREFIX in the stack): one index per backbone, as dimensions differ. */
  readonly indexPrefix: string;
  readonly backbone: string;
  readonly dim: number;
  /** Make indexed records searchable before `index` returns (enrolment, tests); off for bulk loads. */
  readonly refresh?: boolean;
  /** HNSW graph parameters (faiss). */
  readonly m?: number;
  readonly efConstruction?: number;
  readonly efSearch?: number;
}

const VECTOR_FIELD = 'embedding';

const SearchResponseSchema = z.object({
  hits: z.object({
    hits: z.array(
      z.object({
        _id: z.string(),
        _score: z.number().nullable(),
        _source: z.object({ imageId: z.string(), label: z.string().optional() }).partial().optional(),
      }),
    ),
  }),
});

const BulkResponseSchema = z.object({
  errors: z.boolean(),
  items: z.array(z.record(z.string(), z.object({ status: z.number(), error: z.object({ type: z.string(), reason: z.string().optional() }).optional() }))),
});

/**
 * Image-level embeddings in OpenSearch k-NN: faiss HNSW in L2 space, filtered by tenant, profile (and version,
 * material) during the search (efficient filtering, OpenSearch 2.9+), so a restrictive filter still yields k.
 */
export class OpenSearchEmbeddingIndex implements EmbeddingIndex {
  readonly indexName: string;

  constructor(
    private readonly client: Client,
    private readonly options: OpenSearchEmbeddingIndexOptions,
  ) {
    const backbone = options.backbone.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
    this.indexName = `${options.indexPrefix}${backbone}`;
    if (!Number.isInteger(options.dim) || options.dim < 1) throw new ValidationError('embedding dimension must be a positive integer', { dim: options.dim });
  }

  /** The index template: every index named `<prefix><backbone>*` gets the k-NN mapping. Idempotent. */
  templateBody(): Record<string, unknown> {
    const o = this.options;
    return {
      index_patterns: [`${this.indexName}*`],
      template: {
        settings: { index: { knn: true, 'knn.algo_param.ef_search': o.efSearch ?? 100 } },
        mappings: {
          properties: {
            [VECTOR_FIELD]: {
              type: 'knn_vector',
              dimension: o.dim,
              method: {
                name: 'hnsw',
                space_type: 'l2',
                engine: 'faiss',
                parameters: { ef_construction: o.efConstruction ?? 128, m: o.m ?? 16 },
              },
            },
            imageId: { type: 'keyword' },
            tenant: { type: 'keyword' },
            profile: { type: 'keyword' },
            profileVersion: { type: 'integer' },
            material: { type: 'keyword' },
            label: { type: 'keyword' },
          },
        },
      },
    };
  }

  async ensureTemplate(): Promise<void> {
    await this.client.indices.putIndexTemplate({ name: this.indexName, body: this.templateBody() as never });
  }

  async index(records: readonly EmbeddingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const body: Record<string, unknown>[] = [];
    for (const r of records) {
      if (r.vector.length !== this.options.dim) {
        throw new ValidationError(`embedding '${r.id}' has ${r.vector.length} values, the index takes ${this.options.dim}`, { id: r.id });
      }
      body.push({ index: { _index: this.indexName, _id: documentId(r) } });
      body.push({
        [VECTOR_FIELD]: Array.from(r.vector),
        imageId: r.id,
        tenant: r.tenant,
        profile: r.profile,
        ...(r.profileVersion !== undefined ? { profileVersion: r.profileVersion } : {}),
        ...(r.material !== undefined ? { material: r.material } : {}),
        ...(r.label !== undefined ? { label: r.label } : {}),
      });
    }
    const response = await this.client.bulk({ body: body as never, ...(this.options.refresh ? { refresh: 'wait_for' as const } : {}) });
    const parsed = BulkResponseSchema.parse(response.body);
    if (parsed.errors) {
      const failed = parsed.items.map((item) => Object.values(item)[0]).filter((r) => r && r.status >= 300);
      const first = failed[0]?.error;
      throw new MmdoError('embedding_index_failed', `${failed.length} of ${records.length} embeddings were not indexed: ${first?.type ?? 'error'} ${first?.reason ?? ''}`.trim(), 502, {
        failed: failed.length,
      });
    }
  }

  async nearest(vector: Float32Array, k: number, filter: EmbeddingFilter): Promise<EmbeddingNeighbour[]> {
    if (vector.length !== this.options.dim) throw new ValidationError(`query has ${vector.length} values, the index takes ${this.options.dim}`);
    const response = await this.client.search({ index: this.indexName, body: this.searchBody(vector, k, filter) as never });
    const hits = SearchResponseSchema.parse(response.body).hits.hits;
    return hits.map((hit) => ({
      id: hit._source?.imageId ?? hit._id,
      distance: l2FromScore(hit._score ?? 0),
      ...(hit._source?.label !== undefined ? { label: hit._source.label } : {}),
    }));
  }

  /** A k-NN query whose filter is applied inside the HNSW search (efficient filtering). */
  searchBody(vector: Float32Array, k: number, filter: EmbeddingFilter): Record<string, unknown> {
    const terms: Record<string, unknown>[] = [{ term: { tenant: filter.tenant } }, { term: { profile: filter.profile } }];
    if (filter.profileVersion !== undefined) terms.push({ term: { profileVersion: filter.profileVersion } });
    if (filter.material !== undefined) terms.push({ term: { material: filter.material } });
    return {
      size: k,
      _source: ['imageId', 'label'],
      query: { knn: { [VECTOR_FIELD]: { vector: Array.from(vector), k, filter: { bool: { filter: terms } } } } },
    };
  }
}

/**
 * Tenant, profile and version are part of the id: one tenant's record can never replace another's, publishing a
 * version again rewrites the same documents (idempotent), and publishing v2 leaves v1's records for runs pinned to v1.
 */
export function documentId(r: Pick<EmbeddingRecord, 'tenant' | 'profile' | 'profileVersion' | 'id'>): string {
  return `${r.tenant}/${r.profile}/v${r.profileVersion ?? 0}/${r.id}`;
}

/**
 * The faiss/nmslib L2 score is 1 / (1 + d²) with d the Euclidean distance; novelty works in d, as the local
 * index does.
 */
export function l2FromScore(score: number): number {
  if (!(score > 0)) return Number.POSITIVE_INFINITY;
  return Math.sqrt(Math.max(0, 1 / score - 1));
}

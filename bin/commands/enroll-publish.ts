import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { createOpenSearchClient, DEFAULT_EMBEDDING_INDEX_PREFIX, OpenSearchEmbeddingIndex } from '../../lambdas/adapters/aws/opensearch-embedding-index.js';
import { createS3Client } from '../../lambdas/adapters/aws/s3-artifact-store.js';
import { S3ProfileStore } from '../../lambdas/adapters/aws/s3-profile-store.js';
import { publishProfile, type EmbeddingIndexFor, type PublishedProfile } from '../../lambdas/application/publish-profile.js';
import type { ProfileStore } from '../../lambdas/ports/stores.js';

/**
 * `mmdo enroll --publish`: where a locally enrolled profile goes in the cloud. Names come from the stateful
 * stack's outputs (ArtifactBucketName, ProfilesTableName, SearchDomainUrl); credentials from the AWS SDK's default
 * chain (attach the ProfilePublisherPolicyArn output's policy). MMDO_S3_ENDPOINT_URL and MMDO_DYNAMODB_ENDPOINT_URL
 * point the clients at local stand-ins, as for the handlers.
 */
export const PublishOptionsSchema = z.object({
  tenant: z.string().min(1),
  bucket: z.string().min(1),
  profilesTable: z.string().min(1),
  opensearchUrl: z.url().optional(),
  indexPrefix: z.string().min(1).default(DEFAULT_EMBEDDING_INDEX_PREFIX),
  material: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
});
export type PublishOptions = z.infer<typeof PublishOptionsSchema>;

export async function publishToCloud(
  local: ProfileStore,
  from: { tenant: string; name: string; version?: number },
  options: PublishOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PublishedProfile> {
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const s3 = createS3Client({ region, ...(env.MMDO_S3_ENDPOINT_URL ? { endpoint: env.MMDO_S3_ENDPOINT_URL } : {}) });
  const dynamo = new DynamoDBClient({ region, ...(env.MMDO_DYNAMODB_ENDPOINT_URL ? { endpoint: env.MMDO_DYNAMODB_ENDPOINT_URL } : {}) });
  const opensearchUrl = options.opensearchUrl;
  const indexFor: EmbeddingIndexFor | undefined = opensearchUrl
    ? async (backbone, dim) => {
        // Amazon OpenSearch Service takes SigV4-signed requests only; any other node (a local OpenSearch) unsigned.
        const signed = new URL(opensearchUrl).hostname.endsWith('.amazonaws.com');
        const client = createOpenSearchClient({ node: opensearchUrl, ...(signed ? { region } : {}) });
        const index = new OpenSearchEmbeddingIndex(client, { indexPrefix: options.indexPrefix, backbone: backbone.id, dim });
        // The k-NN mapping must exist before the first document, or OpenSearch would map vectors as plain floats.
        await index.ensureTemplate();
        return index;
      }
    : undefined;
  try {
    return await publishProfile(local, new S3ProfileStore(s3, dynamo, { bucket: options.bucket, table: options.profilesTable }), indexFor, {
      from,
      tenant: options.tenant,
      ...(options.material ? { material: options.material } : {}),
    });
  } finally {
    s3.destroy();
    dynamo.destroy();
  }
}

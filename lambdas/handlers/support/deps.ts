import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createS3Client, S3ArtifactStore } from '../../adapters/aws/s3-artifact-store.js';
import { DynamoDbReportStore } from '../../adapters/aws/dynamodb-report-store.js';
import { createOpenSearchClient, OpenSearchEmbeddingIndex } from '../../adapters/aws/opensearch-embedding-index.js';
import { S3ProfileStore } from '../../adapters/aws/s3-profile-store.js';
import { createSageMakerClient, SageMakerEndpoint, SageMakerPatchScorer } from '../../adapters/aws/sagemaker-backbone.js';
import type { CloudDeps } from '../../application/cloud/steps.js';
import type { PatchScorer } from '../../ports/patch-scorer.js';
import type { EmbeddingIndex } from '../../ports/embedding-index.js';
import type { ImageDecoder, ImageEncoder } from '../../ports/image-codec.js';
import { MmdoError } from '../../domain/errors.js';
import { HandlerEnvSchema } from './config.js';
import { DynamoDbClaims } from './dynamodb-claims.js';
import { S3UploadSource } from './upload-source.js';

/**
 * The composition root of the cloud steps: AWS clients from the environment, built once per Lambda container and
 * reused across invocations. sharp (native, from a layer) is imported only by the steps that decode or encode.
 */
export function cloudDepsFromEnv(env: NodeJS.ProcessEnv = process.env): CloudDeps {
  const config = HandlerEnvSchema.parse(env);
  const region = config.AWS_REGION;
  const s3 = createS3Client({ region, ...(config.MMDO_S3_ENDPOINT_URL ? { endpoint: config.MMDO_S3_ENDPOINT_URL } : {}) });
  const dynamo = new DynamoDBClient({ region, ...(config.MMDO_DYNAMODB_ENDPOINT_URL ? { endpoint: config.MMDO_DYNAMODB_ENDPOINT_URL } : {}) });
  const artifacts = new S3ArtifactStore(s3, config.MMDO_ARTIFACT_BUCKET);
  const endpoint = new SageMakerEndpoint(
    createSageMakerClient({ region, ...(config.MMDO_SAGEMAKER_ENDPOINT_URL ? { endpoint: config.MMDO_SAGEMAKER_ENDPOINT_URL } : {}) }),
    config.MMDO_SAGEMAKER_ENDPOINT,
  );
  let scorer: Promise<PatchScorer> | undefined;
  let sharp: Promise<typeof import('../../adapters/local/image/sharp-image-decoder.js') & typeof import('../../adapters/local/image/sharp-image-encoder.js')> | undefined;
  const codecs = () => (sharp ??= Promise.all([
    import('../../adapters/local/image/sharp-image-decoder.js'),
    import('../../adapters/local/image/sharp-image-encoder.js'),
  ]).then(([d, e]) => ({ ...d, ...e })));
  const indexes = new Map<string, EmbeddingIndex>();
  return {
    uploads: new S3UploadSource(s3),
    artifacts,
    profiles: new S3ProfileStore(s3, dynamo, { bucket: config.MMDO_ARTIFACT_BUCKET, table: config.MMDO_PROFILES_TABLE }),
    decoder: { decode: async (bytes, limits) => new (await codecs()).SharpImageDecoder().decode(bytes, limits) } satisfies ImageDecoder,
    encoder: { encodePng: async (image) => new (await codecs()).SharpImageEncoder().encodePng(image) } satisfies ImageEncoder,
    scorer: () => {
      scorer ??= SageMakerPatchScorer.create(endpoint);
      scorer.catch(() => (scorer = undefined));
      return scorer;
    },
    embeddings: (backbone, dim) => {
      if (!config.MMDO_OPENSEARCH_ENDPOINT) throw new MmdoError('configuration', 'MMDO_OPENSEARCH_ENDPOINT is not set', 500);
      const key = `${backbone.id}/${dim}`;
      let index = indexes.get(key);
      if (!index) {
        const client = createOpenSearchClient({ node: config.MMDO_OPENSEARCH_ENDPOINT, region });
        index = new OpenSearchEmbeddingIndex(client, { indexPrefix: config.MMDO_EMBEDDING_INDEX_PREFIX, backbone: backbone.id, dim });
        indexes.set(key, index);
      }
      return index;
    },
    reports: new DynamoDbReportStore(dynamo, config.MMDO_REPORTS_TABLE),
    claims: new DynamoDbClaims(dynamo, config.MMDO_IDEMPOTENCY_TABLE, config.MMDO_CLAIM_TTL_DAYS),
  };
}

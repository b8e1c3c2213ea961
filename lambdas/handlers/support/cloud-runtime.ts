import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CloudDeps } from '../../application/pipeline/run-step.js';
import { MmdoError } from '../../domain/errors.js';
import type { EmbeddingIndex } from '../../ports/embedding-index.js';
import { DEFAULT_INGEST_LIMITS, type ImageDecoder, type ImageEncoder } from '../../ports/image-codec.js';
import type { PatchScorer } from '../../ports/patch-scorer.js';
import { scratchKey, StoreScratch } from '../../adapters/scratch/store-scratch.js';
import { HandlerEnvSchema } from './config.js';
import { DynamoDbClaims } from '../../adapters/aws/dynamodb-claims.js';
import { DynamoDbReportStore } from '../../adapters/aws/dynamodb-report-store.js';
import { DynamoDbUsageLedger } from '../../adapters/aws/dynamodb-usage-ledger.js';
import { MeteredReportStore } from '../../application/metering/metered-reports.js';
import { DynamoDbHistoryStore } from '../../adapters/aws/dynamodb-history-store.js';
import { ReportHistory } from '../../adapters/report-history.js';
import { createOpenSearchClient, OpenSearchEmbeddingIndex } from '../../adapters/aws/opensearch-embedding-index.js';
import { createS3Client, S3ArtifactStore } from '../../adapters/aws/s3-artifact-store.js';
import { S3InputSource } from '../../adapters/aws/s3-input-source.js';
import { S3ProfileStore } from '../../adapters/aws/s3-profile-store.js';
import { createSageMakerClient, SageMakerEndpoint, SageMakerPatchScorer } from '../../adapters/aws/sagemaker-backbone.js';

type Codecs = typeof import('../../adapters/image/sharp-image-decoder.js') & typeof import('../../adapters/image/sharp-image-encoder.js');

/**
 * The composition root of the cloud steps: AWS clients from the environment, built once per Lambda container and
 * reused across invocations. sharp (native, from a layer) is loaded only by the steps that decode or encode.
 */
export function cloudRuntimeFromEnv(env: NodeJS.ProcessEnv = process.env): CloudDeps {
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
  let codecs: Promise<Codecs> | undefined;
  const sharp = () => (codecs ??= Promise.all([import('../../adapters/image/sharp-image-decoder.js'), import('../../adapters/image/sharp-image-encoder.js')]).then(([d, e]) => ({ ...d, ...e })));
  const indexes = new Map<string, EmbeddingIndex>();
  const reports = new DynamoDbReportStore(dynamo, config.MMDO_REPORTS_TABLE);
  return {
    inputs: new S3InputSource(s3),
    artifacts,
    profiles: new S3ProfileStore(s3, dynamo, { bucket: config.MMDO_ARTIFACT_BUCKET, table: config.MMDO_PROFILES_TABLE }),
    decoder: { decode: async (bytes, limits) => new (await sharp()).SharpImageDecoder().decode(bytes, limits) } satisfies ImageDecoder,
    encoder: { encodePng: async (image) => new (await sharp()).SharpImageEncoder().encodePng(image) } satisfies ImageEncoder,
    scorer: () => {
      const made = (scorer ??= SageMakerPatchScorer.create(endpoint));
      made.catch(() => (scorer = undefined));
      return made;
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
    // Completed reports are billed once, by report id, where they are written (no ledger: nothing billed).
    reports: config.MMDO_USAGE_TABLE ? new MeteredReportStore(reports, new DynamoDbUsageLedger(dynamo, config.MMDO_USAGE_TABLE)) : reports,
    history: new ReportHistory(reports, new DynamoDbHistoryStore(dynamo, config.MMDO_REPORTS_TABLE)),
    limits: DEFAULT_INGEST_LIMITS,
    claims: new DynamoDbClaims(dynamo, config.MMDO_IDEMPOTENCY_TABLE, config.MMDO_CLAIM_TTL_DAYS),
    scratchFor: (job, step) => new StoreScratch(artifacts, scratchKey(job.tenant, job.reportId, step)),
  };
}

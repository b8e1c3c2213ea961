import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { DynamoDbApiStore } from '../../adapters/aws/dynamodb-api-store.js';
import { DynamoDbFeedbackStore } from '../../adapters/aws/dynamodb-feedback-store.js';
import { DynamoDbProfileJobStore } from '../../adapters/aws/dynamodb-profile-job-store.js';
import { DynamoDbReportStore } from '../../adapters/aws/dynamodb-report-store.js';
import { DynamoDbUsageLedger } from '../../adapters/aws/dynamodb-usage-ledger.js';
import { createEventBridgeClient, EventBridgeProfileEvents } from '../../adapters/aws/eventbridge-profile-events.js';
import { createSageMakerClient, SageMakerBackbone, SageMakerEndpoint } from '../../adapters/aws/sagemaker-backbone.js';
import { MemoryScratch } from '../../adapters/scratch/memory-scratch.js';
import { inProcessWorkspace } from '../../adapters/scoring/workspace.js';
import { BruteForceIndexFactory } from '../../adapters/vector-index/brute-force-index.js';
import { Enrollment } from '../../application/enroll.js';
import { FeedbackService, pipelineRescorer } from '../../application/feedback/index.js';
import type { CloudDeps } from '../../application/pipeline/run-step.js';
import type { ProfileJobDeps } from '../../application/profile-jobs.js';
import { PublishingProfileStore } from '../../application/publishing-profile-store.js';
import type { Backbone } from '../../ports/backbone.js';
import type { EmbeddingIndex } from '../../ports/embedding-index.js';
import { DEFAULT_INGEST_LIMITS } from '../../ports/image-codec.js';
import type { ProfileCatalog } from '../../ports/inspection.js';
import type { ProfileEventSink } from '../../ports/profile-jobs.js';
import type { ProfileStore } from '../../ports/stores.js';
import { cloudRuntimeFromEnv } from './cloud-runtime.js';
import { HandlerEnvSchema } from './config.js';
import { CLOUD_ENROLMENT_MAX_PIXELS } from './profile-job-limits.js';

/** The profile-jobs function's settings beyond the pipeline's (lib/constructs/profile-jobs.ts sets them). */
export const ProfileJobEnvSchema = HandlerEnvSchema.extend({
  MMDO_API_TABLE: z.string().min(1),
  MMDO_USAGE_TABLE: z.string().min(1),
  MMDO_EVENTS_ENDPOINT_URL: z.string().url().optional(),
});

export interface ProfileJobPorts {
  /** Patch features for enrolment: the SageMaker endpoint's backbone (no ONNX Runtime in this function). */
  readonly backbone: Backbone;
  readonly events: ProfileEventSink;
  readonly log?: (line: string) => void;
}

export type CloudProfileJobDeps = ProfileJobDeps & { readonly jobs: DynamoDbProfileJobStore };

/**
 * What a profile job needs in the cloud, from the pipeline's cloud ports: enrolment with the same application code
 * as the CLI (Enrollment: the SageMaker backbone for features, the pure-TypeScript exact index for the calibration
 * searches, an in-process workspace for the operating point), feedback applied by FeedbackService (labels scored
 * again by the pipeline's scoring stages on the endpoint), every version saved to S3 + the registry and its
 * embeddings published at once (PublishingProfileStore), usage in the ledger, profile events on EventBridge.
 */
export function cloudProfileJobDeps(cloud: CloudDeps, dynamo: DynamoDBClient, tables: { api: string; usage: string; reports: string }, ports: ProfileJobPorts): CloudProfileJobDeps {
  const vectorIndexes = new BruteForceIndexFactory();
  const templates = new Map<string, Promise<EmbeddingIndex>>();
  const indexFor = (backbone: { id: string; sha256: string }, dim: number) => {
    const key = `${backbone.id}/${dim}`;
    let made = templates.get(key);
    if (!made) {
      // The k-NN mapping must exist before the first document (OpenSearch would map vectors as plain floats).
      const index = cloud.embeddings(backbone, dim);
      const ensure = (index as { ensureTemplate?: () => Promise<void> }).ensureTemplate;
      made = (ensure ? ensure.call(index) : Promise.resolve()).then(() => index);
      made.catch(() => templates.delete(key));
      templates.set(key, made);
    }
    return made;
  };
  const profiles = new PublishingProfileStore(cloud.profiles as ProfileStore & ProfileCatalog, indexFor);
  const limits = { ...DEFAULT_INGEST_LIMITS, maxPixels: CLOUD_ENROLMENT_MAX_PIXELS };
  const enrollment = new Enrollment(
    { decoder: cloud.decoder, encoder: cloud.encoder, backbone: ports.backbone, vectorIndexes, profiles, artifacts: cloud.artifacts, workspace: () => inProcessWorkspace(ports.backbone, vectorIndexes, 'exact') },
    { limits },
  );
  const rescorer = pipelineRescorer({ profiles: cloud.profiles, decoder: cloud.decoder, scorer: cloud.scorer, embeddings: cloud.embeddings, scratch: () => new MemoryScratch(), limits });
  const feedback = new FeedbackService({
    reports: new DynamoDbReportStore(dynamo, tables.reports), feedback: new DynamoDbFeedbackStore(dynamo, tables.reports), profiles, artifacts: cloud.artifacts, enrollment, rescorer,
  });
  return {
    jobs: new DynamoDbProfileJobStore(dynamo, tables.api),
    artifacts: cloud.artifacts,
    profiles,
    enrollment,
    feedback,
    controls: new DynamoDbApiStore(dynamo, tables.api),
    usage: new DynamoDbUsageLedger(dynamo, tables.usage),
    events: ports.events,
    ...(ports.log ? { log: ports.log } : {}),
  };
}

/** The Lambda's composition root: clients from the environment, the endpoint's backbone asked once per container. */
export async function profileJobDepsFromEnv(env: NodeJS.ProcessEnv = process.env, log?: (line: string) => void): Promise<CloudProfileJobDeps> {
  const config = ProfileJobEnvSchema.parse(env);
  const region = config.AWS_REGION;
  const dynamo = new DynamoDBClient({ region, ...(config.MMDO_DYNAMODB_ENDPOINT_URL ? { endpoint: config.MMDO_DYNAMODB_ENDPOINT_URL } : {}) });
  const endpoint = new SageMakerEndpoint(
    createSageMakerClient({ region, ...(config.MMDO_SAGEMAKER_ENDPOINT_URL ? { endpoint: config.MMDO_SAGEMAKER_ENDPOINT_URL } : {}) }),
    config.MMDO_SAGEMAKER_ENDPOINT,
  );
  const events = new EventBridgeProfileEvents(createEventBridgeClient({ region, ...(config.MMDO_EVENTS_ENDPOINT_URL ? { endpoint: config.MMDO_EVENTS_ENDPOINT_URL } : {}) }));
  return cloudProfileJobDeps(cloudRuntimeFromEnv(env), dynamo, { api: config.MMDO_API_TABLE, usage: config.MMDO_USAGE_TABLE, reports: config.MMDO_REPORTS_TABLE }, {
    backbone: await SageMakerBackbone.create(endpoint), events, ...(log ? { log } : {}),
  });
}

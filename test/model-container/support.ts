import { createSageMakerClient, SageMakerEndpoint, type RetryPolicy } from '../../lambdas/adapters/aws/sagemaker-backbone.js';
import { builtinBackbone } from '../../lambdas/adapters/onnx/model-store.js';
import { profilesTableDefinition } from '../../lambdas/adapters/aws/profile-registry.js';
import { S3ArtifactStore } from '../../lambdas/adapters/aws/s3-artifact-store.js';
import { ProfileVersionFiles, S3ProfileStore } from '../../lambdas/adapters/aws/s3-profile-store.js';
import { BankScorer } from '../../model-container/src/bank-scorer.js';
import { InferenceEngine } from '../../model-container/src/engine.js';
import { startModelServer, type RunningServer } from '../../model-container/src/server.js';
import { startDynalite, startS3rver } from '../support/loopback-aws.js';

const BUCKET = 'mmdo-artifacts';
const TABLE = 'mmdo-profiles';

export interface TestContainer {
  readonly server: RunningServer;
  readonly engine: InferenceEngine;
  /** Where tests enrol profiles: the cloud store (artifact bucket in s3rver + registry in dynalite). */
  readonly profiles: S3ProfileStore;
  endpoint(retry?: RetryPolicy): SageMakerEndpoint;
  close(): Promise<void>;
}

/**
 * The real model server on loopback (built-in backbone, CPU). Profiles are saved through S3ProfileStore; the
 * container reads them from the bucket by explicit version, without the registry, as on SageMaker.
 */
export async function startTestContainer(options: { maxTiles?: number; delayMs?: number; maxPayloadBytes?: number } = {}): Promise<TestContainer> {
  const [s3, dynamo] = await Promise.all([startS3rver([BUCKET]), startDynalite([profilesTableDefinition(TABLE)])]);
  const engine = await InferenceEngine.create(builtinBackbone(), 'cpu');
  const profiles = new S3ProfileStore(s3.client, dynamo.client, { bucket: BUCKET, table: TABLE });
  const scorer = new BankScorer(new ProfileVersionFiles(new S3ArtifactStore(s3.client, BUCKET)), engine.device, engine.descriptor);
  const server = await startModelServer({
    engine,
    scorer,
    host: '127.0.0.1',
    port: 0,
    batching: { maxTiles: options.maxTiles ?? 8, delayMs: options.delayMs ?? 5 },
    ...(options.maxPayloadBytes ? { maxPayloadBytes: options.maxPayloadBytes } : {}),
  });
  return {
    server,
    engine,
    profiles,
    endpoint: (retry) => new SageMakerEndpoint(
      createSageMakerClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      'mmdo-test',
      retry,
    ),
    async close() {
      await server.close();
      await scorer.dispose();
      await engine.dispose();
      await Promise.all([s3.stop(), dynamo.stop()]);
    },
  };
}

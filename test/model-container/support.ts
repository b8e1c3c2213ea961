import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSageMakerClient, SageMakerEndpoint, type RetryPolicy } from '../../lambdas/adapters/aws/sagemaker-backbone.js';
import { builtinBackbone } from '../../lambdas/adapters/local/onnx/model-store.js';
import { FileArtifactStore } from '../../lambdas/adapters/local/store/artifact-store.js';
import { ArtifactProfileStore } from '../../lambdas/application/cloud/artifact-profile-store.js';
import { BankScorer } from '../../model-container/src/bank-scorer.js';
import { InferenceEngine } from '../../model-container/src/engine.js';
import { startModelServer, type RunningServer } from '../../model-container/src/server.js';

export interface TestContainer {
  readonly server: RunningServer;
  readonly engine: InferenceEngine;
  readonly profiles: ArtifactProfileStore;
  endpoint(retry?: RetryPolicy): SageMakerEndpoint;
  close(): Promise<void>;
}

/** The real model server on loopback (built-in backbone, CPU), with profiles in a temporary folder. */
export async function startTestContainer(options: { maxTiles?: number; delayMs?: number; maxPayloadBytes?: number } = {}): Promise<TestContainer> {
  const root = await mkdtemp(join(tmpdir(), 'mmdo-container-'));
  const engine = await InferenceEngine.create(builtinBackbone(), 'cpu');
  const profiles = new ArtifactProfileStore(new FileArtifactStore(root));
  const scorer = new BankScorer(profiles, engine.device, engine.descriptor);
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
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Entry point of the model container. SageMaker runs the image as `docker run <image> serve`; locally:
 *   node --import tsx model-container/src/main.ts            (port 8080, built-in backbone or MMDO_BACKBONE)
 * Environment: MMDO_BACKBONE (ONNX file/folder; unset = built-in filter bank), MMDO_DEVICE (auto|cuda|cpu),
 * PORT or SAGEMAKER_BIND_TO_PORT, MMDO_ARTIFACT_BUCKET (memory banks in S3) or MMDO_PROFILE_ROOT (a local folder
 * with the same <tenant>/profiles/<name>/v<N>/ layout; versions are read by the number each request names, so
 * no DynamoDB access is needed), MMDO_MAX_BATCH (tiles per ORT run), MMDO_BATCH_DELAY_MS.
 */
import { z } from 'zod';
import { createS3Client, S3ArtifactStore } from '../../lambdas/adapters/aws/s3-artifact-store.js';
import { ProfileVersionFiles } from '../../lambdas/adapters/aws/s3-profile-store.js';
import { resolveBackbone } from '../../lambdas/adapters/onnx/model-store.js';
import { FileArtifactStore } from '../../lambdas/adapters/files/file-artifact-store.js';
import { BankScorer } from './bank-scorer.js';
import { InferenceEngine } from './engine.js';
import { startModelServer, type RunningServer } from './server.js';

const EnvSchema = z.object({
  MMDO_BACKBONE: z.string().optional(),
  MMDO_DEVICE: z.enum(['auto', 'cuda', 'cpu']).default('auto'),
  SAGEMAKER_BIND_TO_PORT: z.coerce.number().int().positive().optional(),
  PORT: z.coerce.number().int().nonnegative().optional(),
  HOST: z.string().default('0.0.0.0'),
  MMDO_ARTIFACT_BUCKET: z.string().optional(),
  MMDO_S3_ENDPOINT: z.string().url().optional(),
  MMDO_PROFILE_ROOT: z.string().optional(),
  MMDO_MAX_BATCH: z.coerce.number().int().positive().default(8),
  MMDO_BATCH_DELAY_MS: z.coerce.number().nonnegative().default(4),
});

export async function startFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const config = EnvSchema.parse(env);
  const resolved = await resolveBackbone({ model: config.MMDO_BACKBONE || 'builtin' });
  const engine = await InferenceEngine.create(resolved, config.MMDO_DEVICE);
  const artifacts = config.MMDO_ARTIFACT_BUCKET
    ? new S3ArtifactStore(createS3Client(config.MMDO_S3_ENDPOINT ? { endpoint: config.MMDO_S3_ENDPOINT } : {}), config.MMDO_ARTIFACT_BUCKET)
    : config.MMDO_PROFILE_ROOT
      ? new FileArtifactStore(config.MMDO_PROFILE_ROOT)
      : undefined;
  const scorer = artifacts ? new BankScorer(new ProfileVersionFiles(artifacts), engine.device, engine.descriptor) : undefined;
  const log = (line: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
  const server = await startModelServer({
    engine,
    ...(scorer ? { scorer } : {}),
    batching: { maxTiles: config.MMDO_MAX_BATCH, delayMs: config.MMDO_BATCH_DELAY_MS },
    host: config.HOST,
    port: config.SAGEMAKER_BIND_TO_PORT ?? config.PORT ?? 8080,
    log,
  });
  log({ msg: 'model server ready', url: server.url, backbone: engine.descriptor.id, device: engine.device, profiles: config.MMDO_ARTIFACT_BUCKET ? `s3://${config.MMDO_ARTIFACT_BUCKET}` : config.MMDO_PROFILE_ROOT ?? null });
  return server;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const server = await startFromEnv();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void server.close().then(() => process.exit(0)));
}

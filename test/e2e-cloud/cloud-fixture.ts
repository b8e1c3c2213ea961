/**
 * The cloud path on one machine, for the parity and workflow tests: s3rver (upload and artifact buckets),
 * dynalite (reports, claims, profile registry), the real model container on loopback (built-in backbone, memory
 * banks read from the artifact bucket by version), the project's cloud handlers wired by their own composition
 * root, and the state machine that `cdk synth` emits (test/support/synthesized-workflow.ts). OpenSearch cannot run
 * here: the in-process embedding index (the same filters and ids) stands in for it. A local runtime enrols the
 * profile that both paths score against.
 */
import { DEFAULT_SCORING_SETTINGS } from '../../lambdas/domain/profile/settings.js';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDbReportStore } from '../../lambdas/adapters/aws/dynamodb-report-store.js';
import { reportsTableDefinition } from '../../lambdas/adapters/aws/dynamodb-tables.js';
import { profilesTableDefinition } from '../../lambdas/adapters/aws/profile-registry.js';
import { S3ArtifactStore } from '../../lambdas/adapters/aws/s3-artifact-store.js';
import { ProfileVersionFiles, S3ProfileStore } from '../../lambdas/adapters/aws/s3-profile-store.js';
import { createLocalRuntime, type LocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { InProcessEmbeddingIndex } from '../../lambdas/adapters/local/vector-index/in-process-embedding-index.js';
import { builtinBackbone } from '../../lambdas/adapters/onnx/model-store.js';
import type { WorkflowFunction } from '../../lambdas/application/pipeline/definition.js';
import type { CloudDeps } from '../../lambdas/application/pipeline/run-step.js';
import { publishProfile } from '../../lambdas/application/publish-profile.js';
import { uploadsFromNotification } from '../../lambdas/handlers/support/s3-upload-events.js';
import { BankScorer } from '../../model-container/src/bank-scorer.js';
import { InferenceEngine } from '../../model-container/src/engine.js';
import { startModelServer, type RunningServer } from '../../model-container/src/server.js';
import { startDynalite, startS3rver, type LoopbackDynamo, type LoopbackS3 } from '../support/loopback-aws.js';
import { runWorkflow, type ResultEventSink, type StepHandler, type WorkflowRun } from '../support/synthesized-workflow.js';

export const UPLOADS = 'mmdo-uploads';
export const ARTIFACTS = 'mmdo-artifacts';
const REPORTS = 'mmdo-reports';
const IDEMPOTENCY = 'mmdo-idempotency';
const PROFILES = 'mmdo-profiles';

export interface CloudFixture {
  readonly s3: LoopbackS3;
  readonly dynamo: LoopbackDynamo;
  readonly local: LocalRuntime;
  readonly reports: DynamoDbReportStore;
  readonly artifacts: S3ArtifactStore;
  readonly embeddings: InProcessEmbeddingIndex;
  /** The model container's URL (the SageMaker endpoint's stand-in). */
  readonly modelUrl: string;
  /** The cloud handlers' ports as their composition root builds them (with the embedding index stand-in). */
  readonly deps: CloudDeps;
  readonly handlers: Record<WorkflowFunction, StepHandler>;
  readonly sinks: ResultEventSink;
  /** Puts an object into the upload bucket and returns the EventBridge event S3 would send for it. */
  upload(key: string, body: Uint8Array, metadata?: Record<string, string>): Promise<Record<string, unknown>>;
  /** Puts an object without an event (a sidecar sheet: the rule only matches image suffixes). */
  put(key: string, body: Uint8Array | string): Promise<void>;
  run(event: unknown, handlers?: Record<WorkflowFunction, StepHandler>): Promise<WorkflowRun>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  readonly tenant: string;
  readonly profile: string;
  /** Normal images enrolled locally, then published to the cloud stores. */
  readonly normals: readonly Uint8Array[];
  readonly pixelSizeUm?: number;
  /** Tile side the profile is enrolled with (small: larger images are tiled and stitched). */
  readonly tileSize?: number;
  /** Fit the density component from this many bank images (the product needs DEFAULT_DENSITY_MIN_BANK_IMAGES). */
  readonly densityMinBankImages?: number;
}

export async function startCloudFixture(options: FixtureOptions): Promise<CloudFixture> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const home = await mkdtemp(join(tmpdir(), 'mmdo-cloud-'));
  const s3 = await startS3rver([UPLOADS, ARTIFACTS]);
  const dynamo = await startDynalite([
    reportsTableDefinition(REPORTS),
    profilesTableDefinition(PROFILES),
    { TableName: IDEMPOTENCY, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] },
  ]);
  const local = await createLocalRuntime({
    home, backboneOverride: 'builtin', env: {},
    enrollment: {
      recipe: {
        settings: {
          ...(options.tileSize ? { tileSize: options.tileSize } : {}),
          ...(options.densityMinBankImages ? { density: { ...DEFAULT_SCORING_SETTINGS.density, minBankImages: options.densityMinBankImages } } : {}),
        },
      },
    },
  });
  await local.enrollment.enroll({
    tenant: options.tenant, profile: options.profile, images: options.normals.map((bytes, i) => ({ name: `normal-${i}.png`, bytes })),
    ...(options.pixelSizeUm ? { pixelSizeUm: options.pixelSizeUm } : {}),
  });
  // As `mmdo enroll --publish` does: the profile files to S3 + the registry, its image embeddings to the index.
  const embeddings = new InProcessEmbeddingIndex();
  await publishProfile(local.profiles, new S3ProfileStore(s3.client, dynamo.client, { bucket: ARTIFACTS, table: PROFILES }), () => embeddings, {
    from: { tenant: options.tenant, name: options.profile }, tenant: options.tenant,
  });

  const engine = await InferenceEngine.create(builtinBackbone(), 'cpu');
  const scorer = new BankScorer(new ProfileVersionFiles(new S3ArtifactStore(s3.client, ARTIFACTS)), engine.device, engine.descriptor);
  const container: RunningServer = await startModelServer({ engine, scorer, host: '127.0.0.1', port: 0 });

  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  const { cloudRuntimeFromEnv } = await import('../../lambdas/handlers/support/cloud-runtime.js');
  const deps: CloudDeps = {
    ...cloudRuntimeFromEnv({
      AWS_REGION: 'us-east-1', MMDO_UPLOAD_BUCKET: UPLOADS, MMDO_ARTIFACT_BUCKET: ARTIFACTS, MMDO_REPORTS_TABLE: REPORTS,
      MMDO_IDEMPOTENCY_TABLE: IDEMPOTENCY, MMDO_PROFILES_TABLE: PROFILES, MMDO_SAGEMAKER_ENDPOINT: 'mmdo-embed-local',
      MMDO_SAGEMAKER_ENDPOINT_URL: container.url, MMDO_S3_ENDPOINT_URL: s3.url, MMDO_DYNAMODB_ENDPOINT_URL: dynamo.url,
    }),
    embeddings: () => embeddings,
  };
  const modules = {
    analyse: await import('../../lambdas/handlers/analyse.js'),
    report: await import('../../lambdas/handlers/report.js'),
    'record-failure': await import('../../lambdas/handlers/record-failure.js'),
  };
  const handlers: Record<WorkflowFunction, StepHandler> = {
    analyse: modules.analyse.createAnalyseHandler(() => deps),
    report: modules.report.createReportHandler(() => deps),
    'record-failure': modules['record-failure'].createRecordFailureHandler(() => deps),
  };
  const sinks: ResultEventSink = { events: [], deadLetters: [] };
  return {
    s3, dynamo, local, deps, handlers, sinks, embeddings, modelUrl: container.url,
    reports: new DynamoDbReportStore(dynamo.client, REPORTS),
    artifacts: new S3ArtifactStore(s3.client, ARTIFACTS),
    async upload(key, body, metadata) {
      const notified = new Promise<unknown>((resolve) => s3.server.once('event', resolve));
      await s3.client.send(new PutObjectCommand({ Bucket: UPLOADS, Key: key, Body: body, ...(metadata ? { Metadata: metadata } : {}) }));
      const [object] = uploadsFromNotification(await notified);
      return {
        version: '0', id: randomUUID(), 'detail-type': 'Object Created', source: 'aws.s3', account: '123456789012', time: new Date().toISOString(),
        region: 'us-east-1', resources: [`arn:aws:s3:::${UPLOADS}`],
        detail: {
          version: '0', bucket: { name: object!.bucket }, object: { key: object!.key, size: object!.size, etag: object!.etag },
          'request-id': randomUUID(), requester: '123456789012', reason: 'PutObject',
        },
      };
    },
    async put(key, body) {
      await s3.client.send(new PutObjectCommand({ Bucket: UPLOADS, Key: key, Body: body }));
    },
    run: (event, overrides) => runWorkflow(event, overrides ?? handlers, sinks),
    async close() {
      await container.close();
      await scorer.dispose();
      await engine.dispose();
      await local.close();
      await s3.stop();
      await dynamo.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

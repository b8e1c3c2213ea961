import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { z } from 'zod';
import { DynamoDbReportStore } from '../../lambdas/adapters/aws/dynamodb-report-store.js';
import { reportsTableDefinition } from '../../lambdas/adapters/aws/dynamodb-tables.js';
import { profilesTableDefinition } from '../../lambdas/adapters/aws/profile-registry.js';
import { createS3Client, S3ArtifactStore } from '../../lambdas/adapters/aws/s3-artifact-store.js';
import { ProfileVersionFiles, S3ProfileStore } from '../../lambdas/adapters/aws/s3-profile-store.js';
import { uploadsFromNotification } from '../../lambdas/handlers/support/s3-upload-events.js';
import { builtinBackbone } from '../../lambdas/adapters/local/onnx/model-store.js';
import { createLocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { publishProfile } from '../../lambdas/application/publish-profile.js';
import type { CloudDeps } from '../../lambdas/application/cloud/steps.js';
import { getGrey } from '../../lambdas/application/cloud/rasters.js';
import { DEFAULT_BORDER_PAD } from '../../lambdas/application/features.js';
import { decodeFrame } from '../../lambdas/domain/wire/tensor-frame.js';
import type { Report } from '../../lambdas/domain/report/report.js';
import { RESULT_DETAIL_TYPES, type PipelineStep } from '../../lib/handler-entries.js';
import { BankScorer } from '../../model-container/src/bank-scorer.js';
import { InferenceEngine } from '../../model-container/src/engine.js';
import { startModelServer, type RunningServer } from '../../model-container/src/server.js';
import { grainTexture, toPng } from '../e2e/textures.js';
import { micrographPng } from '../local/support.js';
import { InProcessEmbeddingIndex } from './in-process-embedding-index.js';
import { runInspection, type StepHandler } from './workflow.js';

const UPLOADS = 'mmdo-uploads';
const ARTIFACTS = 'mmdo-artifacts';
const REPORTS = 'mmdo-reports';
const IDEMPOTENCY = 'mmdo-idempotency';
const PROFILES = 'mmdo-profiles';
const SIZE = 192;
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }; // s3rver's fixed key; dynalite and the container accept any

let dir: string;
let s3rver: S3rver;
let s3: S3Client;
let dynamo: Server;
let dynamoClient: DynamoDBClient;
let engine: InferenceEngine;
let scorer: BankScorer;
let container: RunningServer;
let reports: DynamoDbReportStore;
let handlers: Record<PipelineStep, StepHandler>;
const events: { type: string; detail: Record<string, unknown> }[] = [];
const deadLetters: unknown[] = [];
const sinks = { events: { publish: async (type: string, detail: Record<string, unknown>) => void events.push({ type, detail }) }, deadLetters };

/** Uploads an object and returns the EventBridge "Object Created" event built from s3rver's notification. */
async function upload(key: string, body: Uint8Array): Promise<Record<string, unknown>> {
  const notified = new Promise<unknown>((resolve) => s3rver.once('event', resolve));
  await s3.send(new PutObjectCommand({ Bucket: UPLOADS, Key: key, Body: body }));
  const [object] = uploadsFromNotification(await notified);
  return {
    version: '0', id: randomUUID(), 'detail-type': 'Object Created', source: 'aws.s3', time: new Date().toISOString(),
    region: 'us-east-1', resources: [`arn:aws:s3:::${UPLOADS}`],
    detail: { bucket: { name: object!.bucket }, object: { key: object!.key, size: object!.size, etag: object!.etag } },
  };
}

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  dir = await mkdtemp(join(tmpdir(), 'mmdo-e2e-cloud-'));

  s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3'), configureBuckets: [{ name: UPLOADS }, { name: ARTIFACTS }] });
  const { port: s3Port } = (await s3rver.run()) as AddressInfo;
  const s3Url = `http://127.0.0.1:${s3Port}`;
  s3 = createS3Client({ endpoint: s3Url, credentials });

  dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', resolve));
  const dynamoUrl = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  dynamoClient = new DynamoDBClient({ endpoint: dynamoUrl, region: 'us-east-1', credentials });
  await dynamoClient.send(new CreateTableCommand(reportsTableDefinition(REPORTS)));
  await dynamoClient.send(new CreateTableCommand(profilesTableDefinition(PROFILES)));
  await dynamoClient.send(new CreateTableCommand({
    TableName: IDEMPOTENCY, BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  }));
  reports = new DynamoDbReportStore(dynamoClient, REPORTS);

  // Enrol with the embedded pipeline, then publish the profile where the cloud reads it (S3 + the registry) and
  // its image embeddings where novelty searches them (the OpenSearch port), as `mmdo enroll --publish` does.
  const runtime = await createLocalRuntime({ home: join(dir, 'home'), backboneOverride: 'builtin' });
  const normals = await Promise.all(Array.from({ length: 10 }, (_, i) => micrographPng(100 + i, SIZE)));
  await runtime.enrollment.enroll({ tenant: 'local', profile: 'grains', images: normals.map((bytes, i) => ({ name: `normal-${i}.png`, bytes })), pixelSizeUm: 0.1 });
  const embeddingIndex = new InProcessEmbeddingIndex();
  const published = await publishProfile(runtime.profiles, new S3ProfileStore(s3, dynamoClient, { bucket: ARTIFACTS, table: PROFILES }), () => embeddingIndex, {
    from: { tenant: 'local', name: 'grains' },
    tenant: 'acme',
  });
  const enrolledImages = (await runtime.profiles.load('local', 'grains')).embeddings.ids.length;
  await runtime.close();
  expect(enrolledImages).toBeGreaterThan(0);
  expect(published).toEqual({ tenant: 'acme', profile: 'grains', sourceVersion: 1, version: 1, embeddings: enrolledImages });

  // The model container, loading memory banks from the artifact bucket by version as it does on SageMaker.
  engine = await InferenceEngine.create(builtinBackbone(), 'cpu');
  scorer = new BankScorer(new ProfileVersionFiles(new S3ArtifactStore(s3, ARTIFACTS)), engine.device, engine.descriptor);
  container = await startModelServer({ engine, scorer, host: '127.0.0.1', port: 0 });

  const { cloudDepsFromEnv } = await import('../../lambdas/handlers/support/deps.js');
  const env = {
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER',
    MMDO_UPLOAD_BUCKET: UPLOADS, MMDO_ARTIFACT_BUCKET: ARTIFACTS, MMDO_REPORTS_TABLE: REPORTS, MMDO_IDEMPOTENCY_TABLE: IDEMPOTENCY,
    MMDO_PROFILES_TABLE: PROFILES,
    MMDO_SAGEMAKER_ENDPOINT: 'mmdo-embed-local', MMDO_SAGEMAKER_ENDPOINT_URL: container.url,
    MMDO_S3_ENDPOINT_URL: s3Url, MMDO_DYNAMODB_ENDPOINT_URL: dynamoUrl,
  };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  const deps: CloudDeps = { ...cloudDepsFromEnv(env), embeddings: () => embeddingIndex };
  const modules = {
    ingest: await import('../../lambdas/handlers/ingest.js'),
    embed: await import('../../lambdas/handlers/embed.js'),
    score: await import('../../lambdas/handlers/score.js'),
    microstructure: await import('../../lambdas/handlers/microstructure.js'),
    fuse: await import('../../lambdas/handlers/fuse.js'),
    'write-report': await import('../../lambdas/handlers/write-report.js'),
    'record-failure': await import('../../lambdas/handlers/record-failure.js'),
  };
  handlers = {
    ingest: modules.ingest.createIngestHandler(() => deps),
    embed: modules.embed.createEmbedHandler(() => deps),
    score: modules.score.createScoreHandler(() => deps),
    microstructure: modules.microstructure.createMicrostructureHandler(() => deps),
    fuse: modules.fuse.createFuseHandler(() => deps),
    'write-report': modules['write-report'].createWriteReportHandler(() => deps),
    'record-failure': modules['record-failure'].createRecordFailureHandler(() => deps),
  } as Record<PipelineStep, StepHandler>;
}, 120_000);

afterAll(async () => {
  await container?.close();
  await scorer?.dispose();
  await engine?.dispose();
  await s3rver?.close();
  await new Promise<void>((resolve) => (dynamo ? dynamo.close(() => resolve()) : resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('cloud pipeline in-process: s3rver → handlers → model container → dynalite', () => {
  let normalReport: Report;
  let normalEvent: Record<string, unknown>;

  test('uploads become stored reports; a defect scores above a normal image', async () => {
    normalEvent = await upload('acme/grains/batch-1/normal.png', await micrographPng(300, SIZE));
    const defectEvent = await upload('acme/grains/batch-1/defect.png', await micrographPng(301, SIZE, 'crack'));

    const runs = [await runInspection(normalEvent, handlers, sinks), await runInspection(defectEvent, handlers, sinks)];
    expect(runs.map((r) => r.outcome)).toEqual(['completed', 'completed']);
    const [normal, defect] = await Promise.all(runs.map((r) => reports.get('acme', (r.state.report as { reportId: string }).reportId)));
    expect(normal?.status).toBe('completed');
    expect(defect?.status).toBe('completed');
    normalReport = normal!;
    expect(defect!.scores!.score).toBeGreaterThan(normal!.scores!.score);
    expect(defect!.regions.length).toBeGreaterThan(0);
    expect(defect!.profile).toEqual({ name: 'grains', version: 1 });
    expect(defect!.backbone?.sha256).toBe(builtinBackbone().sha256);
    expect(defect!.novelty?.nearest.length).toBeGreaterThan(0);
    expect(defect!.scores!.components.map((c) => c.name).sort()).toEqual(['consistency', 'novelty', 'patch']);
    expect(defect!.microstructure).toBeDefined();

    const artifacts = new S3ArtifactStore(s3, ARTIFACTS);
    for (const key of Object.values(defect!.artifacts)) expect((await artifacts.get(key))?.contentType).toBe('image/png');
    // The embed step tiles the image padded by the profile's reflected border, as local inspection does; the score
    // step crops the stitched map back to the image.
    const { embed, score } = runs[1]!.state as { embed: { scoresKey: string }; score: { scoreMapKey: string } };
    const header = decodeFrame((await artifacts.get(embed.scoresKey))!.bytes, z.object({
      width: z.number(), height: z.number(), pad: z.number(), tiles: z.array(z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })),
    })).header;
    expect(header).toMatchObject({ width: SIZE, height: SIZE, pad: DEFAULT_BORDER_PAD });
    expect(Math.max(...header.tiles.map((t) => t.x + t.width))).toBeGreaterThanOrEqual(SIZE + 2 * DEFAULT_BORDER_PAD);
    expect(Math.max(...header.tiles.map((t) => t.y + t.height))).toBeGreaterThanOrEqual(SIZE + 2 * DEFAULT_BORDER_PAD);
    const map = await getGrey(artifacts, score.scoreMapKey);
    expect([map.width, map.height]).toEqual([SIZE, SIZE]);
    const completed = events.filter((e) => e.type === RESULT_DETAIL_TYPES.completed);
    expect(completed.map((e) => e.detail.reportId)).toEqual([normal!.id, defect!.id]);
    expect(completed[1]!.detail).toMatchObject({ tenant: 'acme', status: 'completed', verdict: defect!.scores!.verdict, written: true });
  });

  test('a duplicate event (redelivered or a second notification for the same version) makes no second report', async () => {
    const before = (await reports.list('acme')).items.length;
    const eventsBefore = events.length;
    const redelivered = await runInspection(normalEvent, handlers, sinks);
    const secondNotification = await runInspection({ ...normalEvent, id: randomUUID() }, handlers, sinks);
    expect([redelivered.outcome, secondNotification.outcome]).toEqual(['duplicate', 'duplicate']);
    expect(redelivered.state.ingest).toEqual({ duplicate: true, tenant: 'acme', reportId: normalReport.id });
    expect((await reports.list('acme')).items.length).toBe(before);
    expect(events.length).toBe(eventsBefore);
    expect((await reports.get('acme', normalReport.id))?.createdAt).toBe(normalReport.createdAt);
  });

  test('two overlapping runs of the same event write one report and emit one completed event', async () => {
    const event = await upload('acme/grains/batch-3/overlap.png', await micrographPng(302, SIZE));
    // Both runs pass ingest (same event id: the claim's owner) before either writes: hold each at write-report
    // until both are there, as two executions started by a redelivered event can be.
    let arrived = 0;
    let release!: () => void;
    const bothThere = new Promise<void>((resolve) => (release = resolve));
    const held: Record<PipelineStep, StepHandler> = {
      ...handlers,
      'write-report': async (state, context) => {
        if (++arrived === 2) release();
        await bothThere;
        return handlers['write-report'](state, context);
      },
    };
    const eventsBefore = events.length;
    const runs = await Promise.all([runInspection(event, held, sinks), runInspection(event, held, sinks)]);
    expect(runs.map((r) => r.outcome).sort()).toEqual(['already-reported', 'completed']);
    const reportIds = runs.map((r) => (r.state.report as { reportId: string; written: boolean }));
    expect(reportIds[0]!.reportId).toBe(reportIds[1]!.reportId);
    expect(reportIds.map((r) => r.written).sort()).toEqual([false, true]);
    const completed = events.slice(eventsBefore);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ type: RESULT_DETAIL_TYPES.completed, detail: { reportId: reportIds[0]!.reportId, written: true } });
    expect((await reports.get('acme', reportIds[0]!.reportId))?.status).toBe('completed');
  });

  test('a corrupt upload becomes a failed report with its reason, a dead letter and a failed event', async () => {
    const png = await toPng(grainTexture(64, 5));
    const corrupt = png.slice(0, 200);
    const run = await runInspection(await upload('acme/grains/batch-2/corrupt.png', corrupt), handlers, sinks);
    expect(run.outcome).toBe('failed');
    const detail = run.state.failure as { reportId: string; failure: { code: string; stage: string } };
    const stored = await reports.get('acme', detail.reportId);
    expect(stored?.status).toBe('failed');
    expect(stored?.failure?.stage).toBe('ingest');
    expect(['corrupt_image', 'truncated_image']).toContain(stored?.failure?.code);
    expect(stored?.input).toMatchObject({ name: 'batch-2/corrupt.png', bytes: 200 });
    expect(deadLetters).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: RESULT_DETAIL_TYPES.failed, detail: { reportId: detail.reportId, status: 'failed', written: true } });
  });

  test('an upload naming an unknown profile fails with not_found, filed under its tenant', async () => {
    const run = await runInspection(await upload('acme/no-such-profile/x.png', await toPng(grainTexture(64, 6))), handlers, sinks);
    expect(run.outcome).toBe('failed');
    const stored = await reports.get('acme', (run.state.failure as { reportId: string }).reportId);
    expect(stored?.failure).toMatchObject({ code: 'not_found', stage: 'ingest' });
  });
});

/**
 * The profile-jobs function around runProfileJob, over dynalite (the API table): at-most-once claims, a redelivered
 * message runs nothing twice, a job past the function's limit or out of time is recorded failed, never left running.
 * The enrolment itself is a MOCK here (a 15-minute enrolment cannot run in a test; the real one runs in
 * test/api/partner-api.test.ts through this same handler). EventBridge has no stand-in: its adapter is checked
 * against a MOCK endpoint that speaks the PutEvents protocol.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context, SQSEvent } from 'aws-lambda';
import { apiTableDefinition } from '../../lambdas/adapters/aws/dynamodb-api-store.js';
import { DynamoDbProfileJobStore } from '../../lambdas/adapters/aws/dynamodb-profile-job-store.js';
import { createEventBridgeClient, EventBridgeProfileEvents } from '../../lambdas/adapters/aws/eventbridge-profile-events.js';
import { MemoryProfileStore } from '../../lambdas/adapters/memory/memory-profile-store.js';
import type { EnrollRequest, EnrollResult } from '../../lambdas/application/contracts.js';
import { createProfileJobHandler } from '../../lambdas/handlers/profile-jobs.js';
import type { CloudProfileJobDeps } from '../../lambdas/handlers/support/profile-job-runtime.js';
import type { ProfileEvent } from '../../lambdas/ports/profile-jobs.js';
import type { UsageRecord } from '../../lambdas/ports/partner-api.js';
import { startDynalite, type LoopbackDynamo } from '../support/loopback-aws.js';

const TABLE = 'mmdo-api';
const png = new Uint8Array([1, 2, 3, 4]);

describe('profile-jobs handler (dynalite; MOCK enrolment)', () => {
  let dynamo: LoopbackDynamo;
  let jobs: DynamoDbProfileJobStore;
  let calls: EnrollRequest[];
  let events: ProfileEvent[];
  let usage: UsageRecord[];
  let enrol: (request: EnrollRequest) => Promise<EnrollResult>;
  let seq = 0;

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    dynamo = await startDynalite([apiTableDefinition(TABLE)]);
    jobs = new DynamoDbProfileJobStore(dynamo.client, TABLE);
  });
  afterAll(() => dynamo?.stop());
  beforeEach(() => {
    calls = [];
    events = [];
    usage = [];
    enrol = async (request) => ({ profile: request.profile, version: 1, bankImages: 1, calibrationImages: 1, bankVectors: 10, thresholds: { suspect: 1, anomalous: 2 }, timingsMs: {} });
  });

  const deps = (): CloudProfileJobDeps => ({
    jobs,
    artifacts: { get: async (key) => (key.startsWith('work/') ? { bytes: png, contentType: 'image/png' } : undefined) },
    profiles: new MemoryProfileStore(),
    enrollment: { enroll: (request) => (calls.push(request), enrol(request)) },
    controls: { getControl: async () => undefined },
    usage: { record: async (r) => (usage.push(r), 'recorded' as const) },
    events: { publish: async (e) => void events.push(e) },
  });
  const context = (remainingMs = 900_000) => ({ getRemainingTimeInMillis: () => remainingMs, functionName: 'profile-jobs', awsRequestId: 'r' }) as unknown as Context;
  const message = (tenant: string, id: string): SQSEvent => ({ Records: [{ messageId: `m${seq}`, body: JSON.stringify({ tenant, id }) }] as SQSEvent['Records'] });

  async function queuedJob(): Promise<{ tenant: string; id: string }> {
    const id = `enr_${String(++seq).padStart(24, '0')}`;
    const tenant = `t${seq}`;
    await jobs.create({
      id, tenant, kind: 'enrolment', profile: 'grains', status: 'awaiting_upload', createdAt: new Date().toISOString(),
      images: [0, 1].map((index) => ({ index, name: `${index}.png`, contentType: 'image/png', bytes: png.length, key: `work/${tenant}/enrolments/${id}/${index}` })),
    });
    expect(await jobs.queue(tenant, id, new Date().toISOString())).toBe(true);
    expect(await jobs.queue(tenant, id, new Date().toISOString())).toBe(false);
    return { tenant, id };
  }

  test('runs a queued job once: a redelivered message does nothing; the version is announced and the images billed once', async () => {
    const { tenant, id } = await queuedJob();
    const handler = createProfileJobHandler(async () => deps(), { exitAfterDeadline: false });
    expect(await handler(message(tenant, id), context())).toEqual({ batchItemFailures: [] });
    expect(await handler(message(tenant, id), context())).toEqual({ batchItemFailures: [] });
    expect(calls).toHaveLength(1);
    expect(await jobs.get(tenant, id)).toMatchObject({ status: 'completed', versions: [{ version: 1, source: 'enrolment' }], result: { version: 1, enrolledImages: 1 } });
    expect(usage).toEqual([expect.objectContaining({ tenant, eventId: `enrolment:${id}`, kind: 'enrolment_image', quantity: 1 })]);
    expect(events).toEqual([expect.objectContaining({ tenant, action: 'version_created', version: 1, activeVersion: 1, eventId: `${tenant}:grains:v1:created` })]);
    // Another tenant naming the same job id reaches nothing.
    expect(await jobs.get('other', id)).toBeUndefined();
    expect(await jobs.claim('other', id, new Date().toISOString())).toBe(false);
  });

  test('a job that would outlast the function is recorded failed before the limit (profile_job_timeout), not left running', async () => {
    const { tenant, id } = await queuedJob();
    enrol = () => new Promise(() => undefined);
    const handler = createProfileJobHandler(async () => deps(), { exitAfterDeadline: false });
    await handler(message(tenant, id), context(31_000));
    expect(await jobs.get(tenant, id)).toMatchObject({ status: 'failed', failure: { code: 'profile_job_timeout' } });
    expect(usage).toEqual([]);
  }, 20_000);

  test('a job still running past the function limit (its invocation died) is recorded failed when its message comes again', async () => {
    const { tenant, id } = await queuedJob();
    expect(await jobs.claim(tenant, id, new Date(Date.now() - 16 * 60_000).toISOString())).toBe(true);
    const handler = createProfileJobHandler(async () => deps(), { exitAfterDeadline: false });
    await handler(message(tenant, id), context());
    expect(await jobs.get(tenant, id)).toMatchObject({ status: 'failed', failure: { code: 'profile_job_interrupted' } });
    expect(calls).toEqual([]);
    // A job running for less than that belongs to a live invocation: left alone.
    const fresh = await queuedJob();
    await jobs.claim(fresh.tenant, fresh.id, new Date().toISOString());
    await handler(message(fresh.tenant, fresh.id), context());
    expect((await jobs.get(fresh.tenant, fresh.id))!.status).toBe('running');
  });

  test('an enrolment error ends the job failed with its code; a malformed message is a batch item failure', async () => {
    const { tenant, id } = await queuedJob();
    enrol = async () => {
      const { ValidationError } = await import('../../lambdas/domain/errors.js');
      throw new ValidationError('enrolment needs at least 2 images');
    };
    const handler = createProfileJobHandler(async () => deps(), { exitAfterDeadline: false });
    await handler(message(tenant, id), context());
    expect(await jobs.get(tenant, id)).toMatchObject({ status: 'failed', failure: { code: 'validation_failed', message: 'enrolment needs at least 2 images' } });
    expect(events).toEqual([]);
    const bad = await handler({ Records: [{ messageId: 'x', body: '{"tenant":"t","id":"nope"}' }] } as SQSEvent, context());
    expect(bad.batchItemFailures).toEqual([{ itemIdentifier: 'x' }]);
  });
});

describe('EventBridge profile events (MOCK PutEvents endpoint)', () => {
  let server: Server;
  let url: string;
  const requests: { target: string; body: Record<string, unknown> }[] = [];
  let failEntries = false;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
        requests.push({ target: String(req.headers['x-amz-target']), body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> });
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(JSON.stringify(failEntries ? { FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] } : { FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  test('puts one mmdo.profile / Profile Updated entry whose detail is the event; a refused entry is an error', async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    const sink = new EventBridgeProfileEvents(createEventBridgeClient({ region: 'us-east-1', endpoint: url }));
    const event: ProfileEvent = { eventId: 'evt_1', tenant: 'acme', profile: 'grains', action: 'deleted', version: null, activeVersion: null, source: 'api', occurredAt: '2026-12-05T10:00:00.000Z' };
    await sink.publish(event);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.target).toBe('AWSEvents.PutEvents');
    const [entry] = requests[0]!.body.Entries as { Source: string; DetailType: string; Detail: string }[];
    expect(entry).toMatchObject({ Source: 'mmdo.profile', DetailType: 'Profile Updated' });
    expect(JSON.parse(entry!.Detail)).toEqual(event);
    failEntries = true;
    await expect(sink.publish(event)).rejects.toMatchObject({ code: 'event_not_published' });
  });
});

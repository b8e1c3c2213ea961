import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import dynalite from 'dynalite';
import { DynamoDbReportStore } from '../../lambdas/adapters/aws/dynamodb-report-store.js';
import { reportsTableDefinition } from '../../lambdas/adapters/aws/dynamodb-tables.js';
import { DynamoDbWebhookSubscriptions, webhooksTableDefinition } from '../../lambdas/adapters/aws/dynamodb-webhook-subscriptions.js';
import { createWebhookSender } from '../../lambdas/adapters/webhooks/http-sender.js';
import { PROFILE_EVENT_DETAIL_TYPE, PROFILE_EVENT_SOURCE, type CloudDispatchDeps, type RetryMessage } from '../../lambdas/application/webhooks/cloud-dispatch.js';
import { createWebhookDispatchHandler } from '../../lambdas/handlers/webhook-dispatch.js';
import { RESULT_DETAIL_TYPES, RESULT_EVENT_SOURCE } from '../../lib/handler-entries.js';
import { Receiver } from '../adapters/local/webhooks/receiver.js';
import { sampleReport } from '../domain/webhooks/fixtures.js';

/**
 * The cloud dispatcher in-process: subscriptions and reports in dynalite, a real receiver on 127.0.0.1. SQS is the
 * one part with no local stand-in here, so the retry queue is a MOCK that records what would be sent.
 */
describe('webhook-dispatch handler (dynalite, real receiver, mock SQS)', () => {
  let server: Server;
  let subscriptions: DynamoDbWebhookSubscriptions;
  let reports: DynamoDbReportStore;
  let receiver: Receiver;
  let clock: number;
  let scheduled: { message: RetryMessage; delaySeconds: number }[];
  let dead: { message: RetryMessage; reason: string }[];
  let logged: string[];
  let handler: ReturnType<typeof createWebhookDispatchHandler>;
  let tenantSeq = 0;
  let tenant: string;

  beforeAll(async () => {
    server = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await client.send(new CreateTableCommand(webhooksTableDefinition('webhooks')));
    await client.send(new CreateTableCommand(reportsTableDefinition('reports')));
    subscriptions = new DynamoDbWebhookSubscriptions(client, 'webhooks');
    reports = new DynamoDbReportStore(client, 'reports');
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(async () => {
    tenant = `t${++tenantSeq}`;
    receiver = await Receiver.start();
    clock = Date.now();
    scheduled = [];
    dead = [];
    logged = [];
    const deps: CloudDispatchDeps = {
      subscriptions,
      reports,
      retries: {
        schedule: async (message, delaySeconds) => void scheduled.push({ message, delaySeconds }),
        deadLetter: async (message, reason) => void dead.push({ message, reason }),
      },
      // Loopback is allowed only because the receiver runs here; the Lambda wiring always refuses it.
      send: createWebhookSender({ policy: { allowLoopback: true }, timeoutMs: 2000 }),
      retry: { scheduleMs: [5_000, 7_200_000], jitter: 0 },
      apiBaseUrl: 'https://api.example.com',
      now: () => clock,
      log: (message) => void logged.push(message),
    };
    handler = createWebhookDispatchHandler(() => deps);
  });
  afterEach(() => receiver.close());

  const context = { functionName: 'webhook-dispatch', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:w', memoryLimitInMB: '512' } as unknown as Context;
  const sqsEvent = (...bodies: unknown[]): SQSEvent => ({
    Records: bodies.map((body, i) => ({ messageId: `m${i}`, body: typeof body === 'string' ? body : JSON.stringify(body) })) as SQSEvent['Records'],
  });
  const resultEvent = (reportId: string, status: 'completed' | 'failed' = 'completed') => ({
    version: '0',
    id: `evt-${reportId}`,
    source: RESULT_EVENT_SOURCE,
    'detail-type': status === 'completed' ? RESULT_DETAIL_TYPES.completed : RESULT_DETAIL_TYPES.failed,
    detail: { tenant, reportId, status, written: true },
  });

  async function subscribe(events: ('inspection.completed' | 'inspection.failed' | 'profile.updated')[] = ['inspection.completed', 'inspection.failed']) {
    const created = await subscriptions.create(tenant, { url: receiver.url, events });
    receiver.secret = created.secret;
    return created.subscription;
  }

  test('a result event reaches the tenant\'s subscribers of its type, signed with the secret from DynamoDB; list() never shows secrets', async () => {
    await subscribe(['inspection.completed']);
    await subscriptions.create(tenant, { url: 'https://failures-only.example.com/', events: ['inspection.failed'] });
    await reports.put(sampleReport('completed', 'r1', tenant));
    expect(await handler(sqsEvent(resultEvent('r1')), context)).toEqual({ batchItemFailures: [] });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.verified).toBe(true);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
      type: 'inspection.completed',
      data: { reportId: 'r1', tenant, verdict: 'anomalous', links: { report: 'https://api.example.com/v1/inspections/r1' } },
    });
    expect(JSON.stringify(await subscriptions.list(tenant))).not.toContain('whsec_');
  });

  test('a profile event (EventBridge mmdo.profile) reaches the subscribers of profile.updated only, signed, with the same webhook-id when redelivered', async () => {
    await subscribe(['profile.updated']);
    await subscriptions.create(tenant, { url: 'https://inspections-only.example.com/', events: ['inspection.completed'] });
    const event = {
      version: '0', id: 'evt-p1', source: PROFILE_EVENT_SOURCE, 'detail-type': PROFILE_EVENT_DETAIL_TYPE,
      detail: { eventId: `${tenant}:grains:v2:created`, tenant, profile: 'grains', action: 'version_created', version: 2, activeVersion: 2, source: 'feedback', job: { kind: 'recalibration', id: 'rcl_1' }, occurredAt: new Date(clock).toISOString() },
    };
    expect(await handler(sqsEvent(event, event), context)).toEqual({ batchItemFailures: [] });
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(receiver.received[0]!.headers['webhook-id']);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
      type: 'profile.updated',
      data: { tenant, profile: 'grains', action: 'version_created', version: 2, links: { job: 'https://api.example.com/v1/profiles/grains/recalibrations/rcl_1' } },
    });
    // A malformed profile event is a batch item failure (SQS redelivers it, then dead-letters it).
    const bad = await handler(sqsEvent({ ...event, detail: { ...event.detail, action: 'renamed' } }), context);
    expect(bad.batchItemFailures).toHaveLength(1);
  });

  test('a failed attempt becomes a delayed retry message; the retry delivers with the same webhook-id', async () => {
    await subscribe();
    await reports.put(sampleReport('failed', 'r2', tenant));
    receiver.script.push(503);
    await handler(sqsEvent(resultEvent('r2', 'failed')), context);
    expect(scheduled).toEqual([{ delaySeconds: 5, message: expect.objectContaining({ kind: 'webhook-retry', attempts: 1, notBefore: clock + 5000 }) }]);
    clock += 5000;
    expect(await handler(sqsEvent(scheduled[0]!.message), context)).toEqual({ batchItemFailures: [] });
    expect(receiver.received.map((r) => r.verified)).toEqual([true, true]);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(receiver.received[0]!.headers['webhook-id']);
    expect(scheduled).toHaveLength(1);
  });

  test('waits past the 15-minute SQS limit hop; an exhausted schedule goes to the dead-letter queue with its reason', async () => {
    await subscribe();
    await reports.put(sampleReport('completed', 'r3', tenant));
    receiver.script.push(500, 500, 500);
    await handler(sqsEvent(resultEvent('r3')), context);
    clock += 5000;
    await handler(sqsEvent(scheduled[0]!.message), context);
    const longWait = scheduled[1]!;
    expect(longWait).toMatchObject({ delaySeconds: 900, message: { attempts: 2, notBefore: clock + 7_200_000 } });
    // Arrives after 15 minutes, early: put back for the rest without an attempt.
    clock += 900_000;
    await handler(sqsEvent(longWait.message), context);
    expect(scheduled[2]).toMatchObject({ delaySeconds: 900, message: { attempts: 2, notBefore: longWait.message.notBefore } });
    expect(receiver.received).toHaveLength(2);
    clock = longWait.message.notBefore;
    await handler(sqsEvent(longWait.message), context);
    expect(receiver.received).toHaveLength(3);
    expect(dead).toEqual([{ message: expect.objectContaining({ attempts: 3 }), reason: 'gave up after 3 attempts; last: HTTP 500' }]);
  });

  test('a redelivered event carries the same webhook-id; retries to a deleted subscription are dropped', async () => {
    const subscription = await subscribe();
    await reports.put(sampleReport('completed', 'r4', tenant));
    receiver.script.push(500);
    await handler(sqsEvent(resultEvent('r4')), context);
    await handler(sqsEvent(resultEvent('r4')), context);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(await subscriptions.delete(tenant, subscription.id)).toBe(true);
    clock += 5000;
    await handler(sqsEvent(scheduled[0]!.message), context);
    expect(receiver.received).toHaveLength(2);
    expect(logged).toContain('webhook retry dropped: subscription deleted or disabled');
  });

  test('410 Gone disables the subscription; records that cannot be handled are batch item failures, the others go on', async () => {
    const subscription = await subscribe();
    await reports.put(sampleReport('completed', 'r5', tenant));
    receiver.script.push(410);
    const out = await handler(sqsEvent('not json', resultEvent('missing-report'), { source: 'elsewhere' }, resultEvent('r5')), context);
    expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m0', 'm1', 'm2']);
    expect((await subscriptions.list(tenant))[0]).toMatchObject({ id: subscription.id, disabledReason: 'the receiver answered 410 Gone' });
    expect(await subscriptions.forEvent(tenant, 'inspection.completed')).toEqual([]);
  });
});

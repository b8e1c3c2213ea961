/**
 * Exactly one usage record per billable event: the deployed workflow (the definition `cdk synth` emits, over the
 * real handlers, s3rver, dynalite and the model container) with its report step billing through the ledger, run
 * with duplicate S3 events, overlapping runs, a ledger write that fails and is retried, and a failed inspection.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbUsageLedger, usageTableDefinition } from '../../lambdas/adapters/aws/dynamodb-usage-ledger.js';
import { SqliteApiStore } from '../../lambdas/adapters/local/store/api-store.js';
import { MeteredReportStore } from '../../lambdas/application/metering/metered-reports.js';
import { marketplaceRecords, meterReport } from '../../lambdas/application/metering/usage.js';
import type { WorkflowFunction } from '../../lambdas/application/pipeline/definition.js';
import type { StepHandler } from '../support/synthesized-workflow.js';
import type { UsageLedger, UsageRecord } from '../../lambdas/ports/partner-api.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../../lambdas/domain/report/report.js';
import { startCloudFixture, type CloudFixture } from '../e2e-cloud/cloud-fixture.js';
import { micrographPng } from '../local/support.js';

const TENANT = 'acme';
const SIZE = 128;
const ALL_TIME = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };

describe('metering through the cloud workflow', () => {
  let fixture: CloudFixture;
  let ledger: DynamoDbUsageLedger;
  let handlers: Record<WorkflowFunction, StepHandler>;
  /** Fails the next `n` ledger writes with a throttling error (retryable by the workflow's definition). */
  let failNext = 0;

  beforeAll(async () => {
    fixture = await startCloudFixture({ tenant: TENANT, profile: 'grains', normals: await Promise.all(Array.from({ length: 6 }, (_, i) => micrographPng(100 + i, SIZE))), pixelSizeUm: 0.1 });
    await fixture.dynamo.client.send(new CreateTableCommand(usageTableDefinition('mmdo-usage')));
    ledger = new DynamoDbUsageLedger(fixture.dynamo.client, 'mmdo-usage');
    const flaky: UsageLedger = {
      record: (r) => (failNext-- > 0 ? Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })) : ledger.record(r)),
      list: (t, q) => ledger.list(t, q),
    };
    const { createReportHandler } = await import('../../lambdas/handlers/report.js');
    handlers = { ...fixture.handlers, report: createReportHandler(() => ({ ...fixture.deps, reports: new MeteredReportStore(fixture.deps.reports, flaky) })) };
  }, 120_000);
  afterAll(async () => {
    await fixture?.close();
  });

  const records = () => ledger.list(TENANT, ALL_TIME);

  test('one completed upload is one record; redelivered and duplicate S3 events add none', async () => {
    const event = await fixture.upload(`${TENANT}/grains/batch-1/a.png`, await micrographPng(300, SIZE));
    const run = await fixture.run(event, handlers);
    expect(run.outcome).toBe('succeeded');
    const reportId = (run.output as { job: { reportId: string } }).job.reportId;
    expect(await records()).toEqual([expect.objectContaining({ tenant: TENANT, eventId: `inspection:${reportId}`, kind: 'inspection', quantity: 1, profile: 'grains', reportId })]);
    await fixture.run(event, handlers);
    await fixture.run({ ...event, id: randomUUID() }, handlers);
    expect(await records()).toHaveLength(1);
  });

  test('two overlapping runs of one upload bill once', async () => {
    const event = await fixture.upload(`${TENANT}/grains/batch-1/b.png`, await micrographPng(301, SIZE));
    let arrived = 0;
    let release!: () => void;
    const bothThere = new Promise<void>((resolve) => (release = resolve));
    const held = {
      ...handlers,
      report: async (state: unknown, context: Parameters<StepHandler>[1]) => {
        if (++arrived === 2) release();
        await bothThere;
        return handlers.report(state, context);
      },
    };
    const runs = await Promise.all([fixture.run(event, held), fixture.run(event, held)]);
    expect(runs.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(await records()).toHaveLength(2);
  });

  test('a ledger write that fails is retried by the workflow and bills once; the report is not written twice', async () => {
    failNext = 1;
    const run = await fixture.run(await fixture.upload(`${TENANT}/grains/batch-1/c.png`, await micrographPng(302, SIZE)), handlers);
    expect(run.outcome).toBe('succeeded');
    expect(failNext).toBeLessThanOrEqual(0);
    const reportId = (run.output as { job: { reportId: string } }).job.reportId;
    expect((await records()).filter((r) => r.reportId === reportId)).toHaveLength(1);
  });

  test('a failed inspection bills nothing', async () => {
    const before = (await records()).length;
    const run = await fixture.run(await fixture.upload(`${TENANT}/grains/batch-1/broken.png`, (await micrographPng(303, SIZE)).slice(0, 150)), handlers);
    expect(run.outcome).toBe('failed');
    expect(await records()).toHaveLength(before);
  });
});

describe('the usage ledger', () => {
  const report = (id: string, status: 'completed' | 'failed', createdAt: string): Report => ({
    schemaVersion: REPORT_SCHEMA_VERSION, id, tenant: 'acme', createdAt, status,
    input: { name: `${id}.png`, sha256: '0'.repeat(64), bytes: 1, warnings: [] }, metadata: null, backbone: null,
    profile: { name: 'grains', version: 1 }, scores: null, regions: [], artifacts: {}, timingsMs: {},
    ...(status === 'failed' ? { failure: { code: 'corrupt_image', message: 'x', stage: 'ingest' } } : {}),
  });

  test('locally too (SQLite): the same report metered again, after a crash or a retry, is one record; failed ones none', async () => {
    const store = new SqliteApiStore(':memory:');
    try {
      for (let i = 0; i < 3; i++) await meterReport(store, report('r1', 'completed', '2026-12-01T10:15:00.000Z'));
      await meterReport(store, report('r2', 'failed', '2026-12-01T10:16:00.000Z'));
      expect(await store.list('acme', ALL_TIME)).toEqual([expect.objectContaining({ eventId: 'inspection:r1', quantity: 1 })]);
      expect(await store.list('globex', ALL_TIME)).toEqual([]);
      expect(await store.list('acme', { from: '2026-12-01T10:15:00.001Z', to: '2026-12-02T00:00:00Z' })).toEqual([]);
    } finally {
      store.close();
    }
  });

  test('maps onto AWS Marketplace BatchMeterUsage records: one per customer, dimension and hour', () => {
    const records: UsageRecord[] = [
      { tenant: 'acme', eventId: 'inspection:1', kind: 'inspection', quantity: 1, occurredAt: '2026-12-01T10:05:00.000Z' },
      { tenant: 'acme', eventId: 'inspection:2', kind: 'inspection', quantity: 1, occurredAt: '2026-12-01T10:59:59.000Z' },
      { tenant: 'acme', eventId: 'inspection:3', kind: 'inspection', quantity: 1, occurredAt: '2026-12-01T11:00:00.000Z' },
      { tenant: 'globex', eventId: 'inspection:4', kind: 'inspection', quantity: 1, occurredAt: '2026-12-01T10:30:00.000Z' },
    ];
    expect(marketplaceRecords(records, (t) => `cust-${t}`)).toEqual([
      { CustomerIdentifier: 'cust-acme', Dimension: 'inspection', Quantity: 2, Timestamp: new Date('2026-12-01T10:00:00.000Z') },
      { CustomerIdentifier: 'cust-acme', Dimension: 'inspection', Quantity: 1, Timestamp: new Date('2026-12-01T11:00:00.000Z') },
      { CustomerIdentifier: 'cust-globex', Dimension: 'inspection', Quantity: 1, Timestamp: new Date('2026-12-01T10:00:00.000Z') },
    ]);
  });
});

import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { DynamoDbReportStore } from '../../../lambdas/adapters/aws/dynamodb-report-store.js';
import { reportsTableDefinition } from '../../../lambdas/adapters/aws/dynamodb-tables.js';
import { ValidationError } from '../../../lambdas/domain/errors.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../../../lambdas/domain/report/report.js';

const TABLE = 'mmdo-reports-test';
let server: Server;
let client: DynamoDBClient;
let store: DynamoDbReportStore;

function report(tenant: string, id: string, createdAt: string, extra: Partial<Report> = {}): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    id,
    tenant,
    createdAt,
    status: 'completed',
    input: { name: `${id}.png`, sha256: 'a'.repeat(64), bytes: 100, warnings: [] },
    metadata: null,
    backbone: { id: 'filter-bank', sha256: 'b'.repeat(64) },
    profile: { name: 'cathode', version: 1 },
    scores: {
      score: 0.25,
      verdict: 'normal',
      thresholds: { suspect: 0.5, anomalous: 0.8 },
      components: [{ name: 'patch', raw: 1.5, calibrated: 0.25, weight: 1, contribution: 1 }],
    },
    regions: [],
    artifacts: { heatmap: `${tenant}/reports/${id}/heatmap.png` },
    timingsMs: { total: 12.5 },
    ...extra,
  };
}

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(new CreateTableCommand(reportsTableDefinition(TABLE)));
  store = new DynamoDbReportStore(client, TABLE);
});

afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('DynamoDbReportStore against dynalite', () => {
  test('round-trips a report under its tenant only', async () => {
    const r = report('acme', 'r-roundtrip', '2026-03-01T10:00:00Z', { metadata: { batch: 'B7', sulfurLoading: 4.2 } });
    await store.put(r);
    expect(await store.get('acme', 'r-roundtrip')).toEqual(r);
    expect(await store.get('other', 'r-roundtrip')).toBeUndefined();
  });

  test('a duplicate put makes no second report and never overwrites a completed one', async () => {
    const first = report('dup', 'obj-v1', '2026-03-02T10:00:00.000Z');
    expect(await store.putOnce(first)).toBe('written');
    const late = report('dup', 'obj-v1', '2026-03-02T11:00:00.000Z', { status: 'failed', scores: null, failure: { code: 'x', message: 'late', stage: 'embed' } });
    expect(await store.putOnce(late)).toBe('duplicate');
    expect(await store.get('dup', 'obj-v1')).toEqual(first);
    expect((await store.list('dup')).items).toHaveLength(1);
  });

  test('a failed report can be replaced by the completed one of a retried run', async () => {
    const failed = report('retry', 'obj-v2', '2026-03-03T10:00:00.000Z', { status: 'failed', scores: null, failure: { code: 'endpoint', message: 'timeout', stage: 'embed' } });
    expect(await store.putOnce(failed)).toBe('written');
    const done = report('retry', 'obj-v2', '2026-03-03T10:05:00.000Z');
    expect(await store.putOnce(done)).toBe('written');
    expect((await store.get('retry', 'obj-v2'))?.status).toBe('completed');
  });

  test('idempotency does not rely on transactions (dynalite has none)', async () => {
    await expect(client.send(new TransactWriteItemsCommand({ TransactItems: [] }))).rejects.toThrow();
  });

  test('lists newest first by time with cursor pagination, honouring since', async () => {
    const times = ['2026-04-01T00:00:00Z', '2026-04-02T00:00:00.500Z', '2026-04-03T00:00:00Z', '2026-04-04T00:00:00Z', '2026-04-05T00:00:00Z'];
    for (const [i, t] of times.entries()) await store.put(report('pages', `p${i}`, t));
    await store.put(report('pages-other', 'x', '2026-04-06T00:00:00Z'));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list('pages', { limit: 2, cursor });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.cursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(['p4', 'p3', 'p2', 'p1', 'p0']);
    expect(pages).toBe(3);

    const since = await store.list('pages', { since: '2026-04-02T00:00:00Z' });
    expect(since.items.map((r) => r.id)).toEqual(['p4', 'p3', 'p2', 'p1']);
    expect(since.cursor).toBeUndefined();
  });

  test('lists by batch within the tenant', async () => {
    await store.put(report('batches', 'a1', '2026-05-01T00:00:00Z', { metadata: { batch: 'A' } }));
    await store.put(report('batches', 'b1', '2026-05-02T00:00:00Z', { metadata: { batch: 'B' } }));
    await store.put(report('batches', 'a2', '2026-05-03T00:00:00Z', { metadata: { batch: 'A' } }));
    await store.put(report('batches-2', 'a3', '2026-05-04T00:00:00Z', { metadata: { batch: 'A' } }));
    expect((await store.list('batches', { batch: 'A' })).items.map((r) => r.id)).toEqual(['a2', 'a1']);
    const first = await store.list('batches', { batch: 'A', limit: 1 });
    expect(first.items.map((r) => r.id)).toEqual(['a2']);
    const second = await store.list('batches', { batch: 'A', limit: 1, cursor: first.cursor });
    expect(second.items.map((r) => r.id)).toEqual(['a1']);
    expect(second.cursor).toBeUndefined();
  });

  test("a cursor cannot be replayed against another tenant's rows", async () => {
    const page = await store.list('pages', { limit: 1 });
    await expect(store.list('pages-other', { cursor: page.cursor })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.list('pages', { cursor: 'garbage' })).rejects.toBeInstanceOf(ValidationError);
  });

  test('stores a report too large for one item compressed', async () => {
    const microstructure = { graph: Array.from({ length: 10_000 }, (_, i) => ({ node: i, degree: i % 7, area: i * 0.37 })) };
    const big = report('big', 'huge', '2026-06-01T00:00:00Z', { microstructure });
    await store.put(big);
    expect(await store.get('big', 'huge')).toEqual(big);
  });

  test('rejects tenants that could break key scoping', async () => {
    await expect(store.get('a#b', 'x')).rejects.toBeInstanceOf(ValidationError);
  });
});

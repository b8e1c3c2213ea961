import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReportStore } from '../../../../lambdas/adapters/local/store/report-store.js';
import type { Report } from '../../../../lambdas/domain/report/report.js';

function report(tenant: string, id: string, createdAt: string, batch?: string): Report {
  return {
    schemaVersion: '1.0', id, tenant, createdAt, status: 'failed',
    input: { name: `${id}.png`, sha256: '0'.repeat(64), bytes: 0, warnings: [] },
    metadata: batch ? { batch } : null, backbone: null, profile: null, scores: null, regions: [], artifacts: {},
    timingsMs: {}, failure: { code: 'empty_input', message: 'empty', stage: 'decode' },
  };
}

describe('SqliteReportStore', () => {
  let dir: string;
  let store: SqliteReportStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmdo-reports-'));
    store = new SqliteReportStore(join(dir, 'db', 'reports.sqlite'));
  });
  afterEach(async () => { store.close(); await rm(dir, { recursive: true, force: true }); });

  test('stores, reads back and never shows one tenant another tenant\'s reports', async () => {
    await store.put(report('acme', 'r1', '2026-01-01T00:00:00.000Z'));
    expect((await store.get('acme', 'r1'))?.input.name).toBe('r1.png');
    expect(await store.get('other', 'r1')).toBeUndefined();
    expect((await store.list('other')).items).toEqual([]);
  });

  test('lists newest first, pages with a cursor, filters by batch and since', async () => {
    for (let i = 0; i < 7; i++) {
      await store.put(report('t', `r${i}`, `2026-01-0${i + 1}T00:00:00.000Z`, i % 2 === 0 ? 'even' : 'odd'));
    }
    const first = await store.list('t', { limit: 3 });
    expect(first.items.map((r) => r.id)).toEqual(['r6', 'r5', 'r4']);
    const second = await store.list('t', { limit: 3, cursor: first.cursor });
    expect(second.items.map((r) => r.id)).toEqual(['r3', 'r2', 'r1']);
    const third = await store.list('t', { limit: 3, cursor: second.cursor });
    expect(third.items.map((r) => r.id)).toEqual(['r0']);
    expect(third.cursor).toBeUndefined();
    expect((await store.list('t', { batch: 'even' })).items.map((r) => r.id)).toEqual(['r6', 'r4', 'r2', 'r0']);
    expect((await store.list('t', { since: '2026-01-06T00:00:00.000Z' })).items.map((r) => r.id)).toEqual(['r6', 'r5']);
    await expect(store.list('t', { cursor: 'garbage' })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  test('persists across reopen and rejects invalid reports', async () => {
    await store.put(report('t', 'keep', '2026-01-01T00:00:00.000Z'));
    store.close();
    store = new SqliteReportStore(join(dir, 'db', 'reports.sqlite'));
    expect((await store.get('t', 'keep'))?.id).toBe('keep');
    await expect(store.put({ ...report('t', 'bad', 'not a date') })).rejects.toThrow();
  });
});

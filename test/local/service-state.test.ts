import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LOCAL_WEBHOOK_OPTIONS, LocalWebhooks } from '../../lambdas/adapters/local/webhooks/dispatcher.js';
import { Intake } from '../../lambdas/local/intake.js';
import type { InspectionJob } from '../../lambdas/local/jobs.js';
import { openServiceState } from '../../lambdas/local/service-state.js';
import { UploadStore } from '../../lambdas/local/uploads.js';
import { Worker } from '../../lambdas/local/worker.js';
import { micrographPng, mockDeps, tempHome, waitFor } from './support.js';

const WORKER = { concurrency: 1, leaseMs: 60_000, maxAttempts: 3, retryDelayMs: 0, pollMs: 20 };
const HOOKS = { ...DEFAULT_LOCAL_WEBHOOK_OPTIONS, pollMs: 60_000 }; // nothing is sent: the rows are what is checked

// The pipeline here is the MOCK InspectionService of support.ts: what is tested is how a job's end is recorded.
describe('service state: queue and webhook outbox in one SQLite file (mock InspectionService)', () => {
  let home: string;
  let cleanup: () => void;
  let dir: string;
  beforeEach(() => {
    ({ home, cleanup } = tempHome());
    dir = join(home, 'service');
    mkdirSync(dir, { recursive: true });
  });
  afterEach(() => cleanup());

  async function runOne(announceFails: boolean) {
    const state = openServiceState<InspectionJob>(dir, HOOKS, () => undefined);
    const deps = mockDeps(home);
    const uploads = new UploadStore(join(dir, 'uploads'));
    await uploads.init();
    const { subscription } = state.webhooks.subscriptions.create('local', { url: 'http://127.0.0.1:9/hook', events: ['inspection.completed', 'inspection.failed'] });
    const lines: string[] = [];
    const worker = new Worker(state.queue, uploads, deps, {
      ...WORKER,
      announce: (report) => {
        state.webhooks.announce(report, 'http://127.0.0.1:7433');
        if (announceFails) throw new Error('the disk filled up while writing the outbox');
      },
    }, (l) => lines.push(l), async () => undefined);
    const intake = new Intake(state.queue, uploads, () => worker.wake());
    const { id } = await intake.submit({ tenant: 'local', name: 'a.png', content: await micrographPng(1, 64), profile: 'demo', source: { kind: 'http' } });
    worker.start();
    return { state, deps, worker, id, subscription, lines };
  }

  test("a job's end and its webhook delivery commit together", async () => {
    const { state, deps, worker, id, subscription } = await runOne(false);
    try {
      await waitFor(async () => (state.queue.get(id)?.status === 'completed' ? true : undefined), 10_000, 'the job to complete');
      const deliveries = state.webhooks.outbox.list('local', subscription.id);
      expect(deliveries).toEqual([expect.objectContaining({ eventType: 'inspection.completed', status: 'pending' })]);
      expect(existsSync(join(dir, 'webhooks.sqlite'))).toBe(false);
    } finally {
      await worker.stop(1000);
      state.close();
      deps.close();
    }
  });

  test('when the outbox write fails, the end is not recorded either: the job is retried, never completed without its webhook', async () => {
    const { state, deps, worker, id, subscription, lines } = await runOne(true);
    try {
      await waitFor(async () => (lines.some((l) => l.includes('the disk filled up')) ? true : undefined), 10_000, 'the failed settle');
      await worker.stop(1000);
      expect(state.queue.get(id)?.status).not.toBe('completed');
      expect(state.webhooks.outbox.list('local', subscription.id)).toEqual([]);
    } finally {
      await worker.stop(1000);
      state.close();
      deps.close();
    }
  });

  test('a second service state on the same folder is refused; subscriptions of an older webhooks.sqlite are imported once', async () => {
    const old = LocalWebhooks.open(join(dir, 'webhooks.sqlite'), HOOKS, () => undefined);
    const { subscription } = old.subscriptions.create('local', { url: 'http://127.0.0.1:9/old', events: ['inspection.completed'] });
    old.close();
    const lines: string[] = [];
    const state = openServiceState<InspectionJob>(dir, HOOKS, (l) => lines.push(l));
    try {
      expect(state.webhooks.subscriptions.list('local')).toEqual([expect.objectContaining({ id: subscription.id, url: 'http://127.0.0.1:9/old' })]);
      expect(existsSync(join(dir, 'webhooks.sqlite'))).toBe(false);
      expect(existsSync(join(dir, 'webhooks.sqlite.imported'))).toBe(true);
      expect(lines.join('\n')).toMatch(/imported 1 webhook/);
      expect(() => openServiceState<InspectionJob>(dir, HOOKS, () => undefined)).toThrow(expect.objectContaining({ code: 'service_already_running' }));
    } finally {
      state.close();
    }
    const again = openServiceState<InspectionJob>(dir, HOOKS, () => undefined);
    expect(again.webhooks.subscriptions.list('local')).toHaveLength(1);
    again.close();
  });
});

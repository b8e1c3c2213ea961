import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LOCAL_WEBHOOK_OPTIONS, LocalWebhooks, type LocalWebhookOptions } from '../../../../lambdas/adapters/local/webhooks/dispatcher.js';
import { WebhookPayloadSchema } from '../../../../lambdas/domain/webhooks/payload.js';
import { sampleReport } from '../../../domain/webhooks/fixtures.js';
import { Receiver, waitUntil } from './receiver.js';

describe('local webhook delivery to a real receiver on 127.0.0.1', () => {
  let dir: string;
  let receiver: Receiver;
  let webhooks: LocalWebhooks | undefined;
  const lines: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mmdo-webhooks-'));
    receiver = await Receiver.start();
  });
  afterEach(async () => {
    await webhooks?.stop();
    webhooks?.close();
    webhooks = undefined;
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function open(overrides: Partial<LocalWebhookOptions> = {}): LocalWebhooks {
    webhooks = LocalWebhooks.open(join(dir, 'webhooks.sqlite'), { ...DEFAULT_LOCAL_WEBHOOK_OPTIONS, pollMs: 50, timeoutMs: 2000, ...overrides }, (l) => lines.push(l));
    webhooks.start();
    return webhooks;
  }

  function subscribe(hooks: LocalWebhooks, url = receiver.url) {
    const created = hooks.subscriptions.create('local', { url, events: ['inspection.completed', 'inspection.failed'] });
    receiver.secret = created.secret;
    return created.subscription;
  }

  test('a signed event is delivered and verified by the receiver; the database file is private to its owner', async () => {
    const hooks = open();
    const subscription = subscribe(hooks);
    expect(hooks.announce(sampleReport('completed'), 'http://127.0.0.1:7433')).toBe(1);
    await waitUntil(() => hooks.outbox.list('local', subscription.id)[0]?.status === 'delivered', 10_000, 'delivery');
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request!.verified).toBe(true);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(WebhookPayloadSchema.parse(JSON.parse(request!.body))).toMatchObject({ type: 'inspection.completed', data: { reportId: 'rep-1', verdict: 'anomalous' } });
    expect(statSync(join(dir, 'webhooks.sqlite')).mode & 0o777).toBe(0o600);
  });

  test('failures are retried with growing delays, keeping the webhook-id, each attempt signed again', async () => {
    const hooks = open({ retry: { scheduleMs: [150, 450], jitter: 0 } });
    const subscription = subscribe(hooks);
    receiver.script.push(500, 503);
    hooks.announce(sampleReport('failed'));
    await waitUntil(() => hooks.outbox.list('local', subscription.id)[0]?.status === 'delivered', 10_000, 'delivery after retries');
    const got = receiver.received;
    expect(got).toHaveLength(3);
    expect(got.every((r) => r.verified)).toBe(true);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const gaps = [got[1]!.at - got[0]!.at, got[2]!.at - got[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(140);
    expect(gaps[1]).toBeGreaterThanOrEqual(440);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
    const [view] = hooks.outbox.list('local', subscription.id);
    expect(view).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, lastError: null });
  });

  test('when the schedule is used up the delivery is dead with the last error', async () => {
    const hooks = open({ retry: { scheduleMs: [50], jitter: 0 } });
    const subscription = subscribe(hooks);
    receiver.script.push(500, 500, 500);
    hooks.announce(sampleReport('completed'));
    await waitUntil(() => hooks.outbox.list('local', subscription.id)[0]?.status === 'dead', 10_000, 'dead delivery');
    expect(receiver.received).toHaveLength(2);
    expect(hooks.outbox.list('local', subscription.id)[0]).toMatchObject({ attempts: 2, lastStatus: 500, lastError: 'gave up after 2 attempts; last: HTTP 500' });
  });

  test('a receiver that does not answer in time counts as a failure and is retried', async () => {
    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const hooks = open({ timeoutMs: 200, retry: { scheduleMs: [50], jitter: 0 } });
      const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hook`;
      const { subscription } = hooks.subscriptions.create('local', { url, events: ['inspection.completed'] });
      const started = Date.now();
      hooks.announce(sampleReport('completed'));
      await waitUntil(() => hooks.outbox.list('local', subscription.id)[0]?.status === 'dead', 10_000, 'dead delivery');
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(hooks.outbox.list('local', subscription.id)[0]).toMatchObject({ attempts: 2, lastStatus: null, lastError: expect.stringMatching(/no answer within 200 ms/) });
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  test('SSRF guard at send time (mock DNS): private targets and, outside local mode, loopback are never contacted', async () => {
    // MOCK resolver: there is no DNS here, so every name "resolves" to the cloud metadata address, as a rebinding attack would.
    const hooks = open({ policy: { allowLoopback: false }, resolve: async () => ['169.254.169.254'] });
    const loop = subscribe(hooks);
    const { subscription: internal } = hooks.subscriptions.create('local', { url: 'https://rebound.example.test/', events: ['inspection.completed'] });
    hooks.announce(sampleReport('completed'));
    await waitUntil(() => [loop.id, internal.id].every((id) => hooks.outbox.list('local', id)[0]?.status === 'dead'), 10_000, 'refusals');
    expect(receiver.received).toHaveLength(0);
    expect(hooks.outbox.list('local', loop.id)[0]).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/loopback/) });
    expect(hooks.outbox.list('local', internal.id)[0]).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/169\.254\.169\.254/) });
  });

  test('410 Gone stops deliveries to that subscriber', async () => {
    const hooks = open();
    const subscription = subscribe(hooks);
    receiver.script.push(410);
    hooks.announce(sampleReport('completed', 'a'));
    await waitUntil(() => hooks.subscriptions.get('local', subscription.id)?.disabledReason !== undefined, 10_000, 'disabled subscription');
    expect(hooks.announce(sampleReport('completed', 'b'))).toBe(0);
    expect(receiver.received).toHaveLength(1);
  });

  test('deliveries survive a restart: queued while stopped, sent after the next start', async () => {
    const first = open();
    await first.stop();
    const subscription = subscribe(first);
    first.announce(sampleReport('completed'));
    first.close();
    webhooks = undefined;
    const second = open();
    await waitUntil(() => second.outbox.list('local', subscription.id)[0]?.status === 'delivered', 10_000, 'delivery after restart');
    expect(receiver.received.map((r) => r.verified)).toEqual([true]);
  });
});

/**
 * Rotating a webhook signing secret with an overlap window: during the window every delivery carries a signature
 * with the new and with the old secret (a receiver verifying with either accepts it); after it, only the new one.
 * Locally end to end (service, outbox, a real Standard Webhooks receiver); in the cloud on the subscription table
 * in dynalite and the dispatcher's sender.
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbWebhookSubscriptions, webhooksTableDefinition } from '../../lambdas/adapters/aws/dynamodb-webhook-subscriptions.js';
import { createWebhookSender } from '../../lambdas/adapters/webhooks/http-sender.js';
import { verifyWebhook } from '../../lambdas/domain/webhooks/signature.js';
import type { RunningService } from '../../lambdas/local/service.js';
import { Receiver, waitUntil } from '../adapters/local/webhooks/receiver.js';
import { startDynalite, type LoopbackDynamo } from '../support/loopback-aws.js';
import { createDeps, micrographPng, prepareDemoProfile, start, tempHome, testOptions, waitForReport, type TestDeps } from '../local/support.js';

describe('local service', () => {
  let home: string;
  let cleanup: () => void;
  let deps: TestDeps;
  let service: RunningService;
  let receiver: Receiver;

  beforeAll(async () => {
    ({ home, cleanup } = tempHome());
    deps = await createDeps(home);
    await prepareDemoProfile(deps, home);
    service = await start(deps, testOptions(home, { inbox: null, webhooks: { pollMs: 50 } }));
    receiver = await Receiver.start();
  }, 60_000);
  afterAll(async () => {
    await service.stop();
    await receiver.close();
    await deps.close();
    cleanup();
  });

  const api = (path: string, init?: RequestInit) => fetch(`${service.url}${path}`, init);
  const inspect = async (seed: number) => {
    const { id } = (await (await api(`/v1/inspections?name=r${seed}.png`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: await micrographPng(seed, 96) })).json()) as { id: string };
    await waitForReport(service.url, id);
  };

  test('during the overlap both secrets verify each delivery; after it only the new one', async () => {
    const created = (await (await api('/v1/webhooks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: receiver.url }) })).json()) as { id: string; secret: string };
    const rotated = await api(`/v1/webhooks/${created.id}/rotate-secret`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ overlapSeconds: 3600 }) });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const { secret, previousSecretExpiresAt } = (await rotated.json()) as { secret: string; previousSecretExpiresAt: string };
    expect(secret).not.toBe(created.secret);
    expect(Date.parse(previousSecretExpiresAt) - Date.now()).toBeGreaterThan(3500_000);
    expect(await (await api(`/v1/webhooks/${created.id}`)).text()).not.toContain(secret);

    receiver.secret = created.secret; // a receiver that has not switched yet
    await inspect(401);
    await waitUntil(() => receiver.received.length === 1, 10_000, 'delivery in the overlap');
    const during = receiver.received[0]!;
    expect(during.verified).toBe(true);
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    await expect(verifyWebhook(secret, during.headers as Record<string, string>, during.body)).resolves.toBeUndefined();

    // No overlap: the old secret stops at once.
    const again = (await (await api(`/v1/webhooks/${created.id}/rotate-secret`, { method: 'POST' })).json()) as { secret: string };
    const now = (await (await api(`/v1/webhooks/${created.id}/rotate-secret`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"overlapSeconds":0}' })).json()) as { secret: string };
    expect(now.secret).not.toBe(again.secret);
    receiver.secret = now.secret;
    await inspect(402);
    await waitUntil(() => receiver.received.length === 2, 10_000, 'delivery after the overlap');
    const after = receiver.received[1]!;
    expect(after.verified).toBe(true);
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    await expect(verifyWebhook(again.secret, after.headers as Record<string, string>, after.body)).rejects.toThrow();
  }, 60_000);
});

describe('cloud subscription table (dynalite)', () => {
  let dynamo: LoopbackDynamo;
  let table: DynamoDbWebhookSubscriptions;
  beforeAll(async () => {
    dynamo = await startDynalite([]);
    await dynamo.client.send(new CreateTableCommand(webhooksTableDefinition('webhooks')));
    table = new DynamoDbWebhookSubscriptions(dynamo.client, 'webhooks');
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  test('rotation signs with both secrets until the window ends; another tenant cannot rotate', async () => {
    const receiver = await Receiver.start();
    try {
      const { subscription, secret: old } = await table.create('acme', { url: receiver.url, events: ['inspection.completed'] });
      expect(await table.rotate('globex', subscription.id, 3600_000)).toBeUndefined();
      const rotated = (await table.rotate('acme', subscription.id, 3600_000))!;
      const signing = (await table.forEvent('acme', 'inspection.completed'))[0]!;
      expect(signing.secrets).toEqual([rotated.secret, old]);
      receiver.secret = old;
      const send = createWebhookSender({ policy: { allowLoopback: true }, timeoutMs: 2000 });
      expect((await send({ url: receiver.url, secrets: signing.secrets, messageId: 'msg_1', body: '{"type":"inspection.completed"}' })).status).toBe(200);
      await expect(verifyWebhook(rotated.secret, receiver.received[0]!.headers as Record<string, string>, receiver.received[0]!.body)).resolves.toBeUndefined();
      // A rotation whose window already ended (as if made two hours ago) leaves one secret.
      const late = (await table.rotate('acme', subscription.id, 3600_000, new Date(Date.now() - 7200_000)))!;
      expect((await table.getForSigning('acme', subscription.id))!.secrets).toEqual([late.secret]);
      expect(JSON.stringify(await table.list('acme'))).not.toContain('whsec_');
    } finally {
      await receiver.close();
    }
  });
});

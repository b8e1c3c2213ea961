import { verifyWebhook, WebhookVerificationError } from '../../lambdas/domain/webhooks/signature.js';
import { WebhookPayloadSchema, type WebhookPayload } from '../../lambdas/domain/webhooks/payload.js';
import type { RunningService } from '../../lambdas/local/service.js';
import { Receiver, waitUntil } from '../adapters/local/webhooks/receiver.js';
import { createDeps, micrographPng, prepareDemoProfile, start, tempHome, testOptions, waitForReport, type TestDeps } from './support.js';

/** The local service end to end: subscribe over HTTP, inspect, and a real receiver on 127.0.0.1 gets a signed event. */
describe('local service webhooks', () => {
  let home: string;
  let cleanup: () => void;
  let deps: TestDeps;
  let service: RunningService;
  let receiver: Receiver;
  const lines: string[] = [];

  beforeAll(async () => {
    ({ home, cleanup } = tempHome());
    deps = await createDeps(home);
    await prepareDemoProfile(deps, home);
    service = await start(deps, testOptions(home, { inbox: null, webhooks: { retry: { scheduleMs: [100, 200], jitter: 0 }, pollMs: 50 } }), lines);
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await service.stop();
    await receiver.close();
    await deps.close();
    cleanup();
  });

  const api = (path: string, init?: RequestInit) => fetch(`${service.url}${path}`, init);
  const subscribe = (body: unknown) => api('/v1/webhooks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function expectProblem(res: Response, status: number, code: string): Promise<string> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe(code);
    return body.detail;
  }

  test('subscribe → inspect → the receiver verifies a signed inspection.completed; a tampered body fails; the secret is shown once', async () => {
    const res = await subscribe({ url: receiver.url, events: ['inspection.completed'], description: 'LIMS' });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const created = (await res.json()) as { id: string; secret: string; url: string; events: string[] };
    expect(created).toMatchObject({ url: receiver.url, events: ['inspection.completed'], description: 'LIMS', secret: expect.stringMatching(/^whsec_/) });
    expect(res.headers.get('location')).toBe(`/v1/webhooks/${created.id}`);
    receiver.secret = created.secret;

    const listed = await (await api('/v1/webhooks')).text();
    const one = await (await api(`/v1/webhooks/${created.id}`)).text();
    expect(JSON.parse(listed).items).toHaveLength(1);
    for (const text of [listed, one]) expect(text).not.toContain(created.secret);

    receiver.script.push(500); // the first attempt fails: the outbox retries after 100 ms
    const accepted = (await (await api('/v1/inspections?name=hook.png', { method: 'POST', headers: { 'content-type': 'image/png' }, body: await micrographPng(7, 96, 'crack') })).json()) as { id: string };
    const report = await waitForReport(service.url, accepted.id);
    expect(report.status).toBe('completed');
    await waitUntil(() => receiver.received.length >= 2, 10_000, 'webhook');

    const [failedAttempt, delivered] = receiver.received;
    expect([failedAttempt!.verified, delivered!.verified]).toEqual([true, true]);
    expect(delivered!.headers['webhook-id']).toBe(failedAttempt!.headers['webhook-id']);
    const payload: WebhookPayload = WebhookPayloadSchema.parse(JSON.parse(delivered!.body));
    expect(payload).toMatchObject({ type: 'inspection.completed', data: { reportId: accepted.id, tenant: 'local', verdict: report.scores!.verdict, score: report.scores!.score } });
    // Links point back at this service.
    expect(((await (await fetch(payload.data.links.report!)).json()) as { id: string }).id).toBe(accepted.id);

    // Our own helper agrees with the receiver, and refuses the body once changed.
    await expect(verifyWebhook(created.secret, delivered!.headers as Record<string, string>, delivered!.body)).resolves.toBeUndefined();
    const tampered = delivered!.body.replace(/"score":[0-9.e-]+/, '"score":0');
    expect(tampered).not.toBe(delivered!.body);
    await expect(verifyWebhook(created.secret, delivered!.headers as Record<string, string>, tampered)).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(await receiver.replay(delivered!, tampered)).toBe(401);

    const deliveries = (await (await api(`/v1/webhooks/${created.id}/deliveries`)).json()) as { items: { status: string; attempts: number; lastStatus: number }[] };
    expect(deliveries.items).toEqual([expect.objectContaining({ status: 'delivered', attempts: 2, lastStatus: 200 })]);
  });

  test('a failed inspection sends inspection.failed to subscribers of that type only', async () => {
    const failures = await Receiver.start('/failures');
    try {
      const created = (await (await subscribe({ url: failures.url, events: ['inspection.failed'] })).json()) as { secret: string };
      failures.secret = created.secret;
      const before = receiver.received.length;
      const png = await micrographPng(8, 96);
      // Complete, with its pixel data scrambled: accepted at the door (a cut file is refused there), fails in the pipeline.
      const damaged = png.slice();
      for (let i = Math.floor(damaged.length * 0.4); i < damaged.length * 0.6; i++) damaged[i]! ^= 0x5a;
      const res = await api('/v1/inspections?name=damaged.png', { method: 'POST', headers: { 'content-type': 'image/png' }, body: damaged });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      expect((await waitForReport(service.url, id)).status).toBe('failed');
      await waitUntil(() => failures.received.length === 1, 10_000, 'failure webhook');
      expect(failures.received[0]!.verified).toBe(true);
      expect(JSON.parse(failures.received[0]!.body)).toMatchObject({ type: 'inspection.failed', data: { reportId: id, status: 'failed', failure: { code: expect.any(String) } } });
      expect(receiver.received.length).toBe(before);
    } finally {
      await failures.close();
    }
  });

  test('refused subscriptions: plain http off-machine, private / link-local / mapped addresses, bad bodies (SSRF guard)', async () => {
    expect(await expectProblem(await subscribe({ url: 'http://hooks.example.com/x' }), 422, 'webhook_target_refused')).toMatch(/https/);
    for (const url of ['https://169.254.169.254/latest/meta-data/', 'https://10.0.0.8/hook', 'https://[::ffff:192.168.0.1]/', 'https://[fe80::1]/', 'http://0.0.0.0:8080/']) {
      await expectProblem(await subscribe({ url }), 422, 'webhook_target_refused');
    }
    await expectProblem(await subscribe({ url: receiver.url, events: ['inspection.started'] }), 400, 'validation_failed');
    await expectProblem(await subscribe({ url: receiver.url, secret: 'whsec_mine' }), 400, 'validation_failed');
    await expectProblem(await subscribe({}), 400, 'validation_failed');
    await expectProblem(await api('/v1/webhooks', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: receiver.url }), 415, 'unsupported_media_type');
    await expectProblem(await api('/v1/webhooks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }), 400, 'validation_failed');
  });

  test('DELETE removes a subscription (204), then it is 404', async () => {
    const { id } = (await (await subscribe({ url: receiver.url })).json()) as { id: string };
    expect((await api(`/v1/webhooks/${id}`, { method: 'DELETE' })).status).toBe(204);
    await expectProblem(await api(`/v1/webhooks/${id}`), 404, 'not_found');
    await expectProblem(await api(`/v1/webhooks/${id}`, { method: 'DELETE' }), 404, 'not_found');
  });
});

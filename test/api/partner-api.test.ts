/**
 * The partner API contract on both runtimes (test/api/runtimes.ts): every documented route is served and nothing
 * else is, keys and scopes, synchronous detect and queued inspections, reports with image links, usage, webhooks,
 * Idempotency-Key, and tenant isolation on every route.
 */
import { createApiApp } from '../../lambdas/api/app.js';
import type { ApiBackend } from '../../lambdas/api/backend.js';
import { openApiDocument } from '../../lambdas/api/app.js';
import { routeTable } from '../../lambdas/api/routes.js';
import { makeTestImage } from '../support/images.js';
import { micrographPng } from '../local/support.js';
import { SIZE, startCloudApi, startLocalApi, TENANTS, type ApiRuntime } from './runtimes.js';

const [A, B] = TENANTS;
const PUBLIC_HOOK = 'https://93.184.215.14/hooks/mmdo';
/** A well-formed value for each path parameter (the walk reaches the route, not the validator), naming nothing that exists. */
const SAMPLE: Record<string, string> = { id: 'abc123', artifact: 'heatmap.png', name: 'walk-sample' };

function samplePath(path: string, name: string): string {
  return path.replace(/\{([^}]+)\}/g, (_, p: string) => {
    if (p === 'id' && name.toLowerCase().includes('webhook')) return `wh_${'0'.repeat(32)}`;
    if (p === 'id' && name.toLowerCase().includes('key')) return 'aaaaaaaaaaaa';
    return SAMPLE[p]!;
  });
}

async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

test('the app serves exactly the documented routes (none undocumented)', () => {
  const app = createApiApp({ backend: {} as ApiBackend, authenticate: async () => ({ tenant: 'x', scopes: ['admin'] }), browser: { corsOrigins: [] }, log: () => undefined });
  const served = new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`));
  const documented = new Set(Object.entries(openApiDocument().paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
  expect([...served].sort()).toEqual([...documented].sort());
});

describe.each([['local', startLocalApi], ['cloud', startCloudApi]] as const)('the partner API on the %s runtime', (_name, startRuntime) => {
  let rt: ApiRuntime;
  let png: Uint8Array;
  let reportId: string;

  beforeAll(async () => {
    rt = await startRuntime();
    png = await micrographPng(300, SIZE, 'crack');
  }, 180_000);
  afterAll(async () => {
    await rt?.close();
  });

  const keyOf = (tenant: (typeof TENANTS)[number]) => rt.keys[tenant];

  test('route walk: every documented route is there (no 404 route_not_found, no 405); an undocumented one is 404', async () => {
    for (const route of routeTable()) {
      const res = await rt.call(route.method, samplePath(route.path, route.name), { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: route.method === 'POST' ? '{}' : undefined });
      const body = res.headers.get('content-type')?.includes('json') ? await res.clone().json().catch(() => ({})) : {};
      expect([route.method, route.path, res.status, (body as { code?: string }).code]).not.toEqual([route.method, route.path, 404, 'route_not_found']);
      expect(res.status).not.toBe(405);
    }
    const unknown = await rt.call('GET', '/v1/admin/everything', { key: keyOf(A) });
    expect(unknown.status).toBe(404);
    expect((await rt.call('DELETE', '/v1/inspections', { key: keyOf(A) })).status).toBe(405);
  }, 60_000);

  test('keys: none or a bad one is 401; a read key cannot inspect (403); a revoked key stops working; keys are shown once and stored hashed', async () => {
    expect((await rt.call('GET', '/v1/inspections')).status).toBe(401);
    expect((await rt.call('GET', '/v1/inspections', { key: 'mmdo_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' })).status).toBe(401);
    const created = await rt.call('POST', '/v1/keys', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'reader', scopes: ['read'] }) });
    expect(created.status).toBe(201);
    const reader = await json<{ id: string; key: string; scopes: string[] }>(created);
    expect(reader.key).toMatch(/^mmdo_[a-z0-9]{12}_/);
    const stored = await rt.credentials.getKey(reader.id);
    expect(stored?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(reader.key);
    const listed = await (await rt.call('GET', '/v1/keys', { key: keyOf(A) })).text();
    expect(listed).toContain(reader.id);
    expect(listed).not.toContain(reader.key);

    expect((await rt.call('GET', '/v1/inspections', { key: reader.key })).status).toBe(200);
    const refused = await rt.call('POST', '/v1/detect', { key: reader.key, headers: { 'content-type': 'image/png' }, body: png });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ code: 'insufficient_scope' });
    expect((await rt.call('POST', '/v1/keys', { key: reader.key, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', scopes: ['admin'] }) })).status).toBe(403);

    expect((await rt.call('DELETE', `/v1/keys/${reader.id}`, { key: keyOf(A) })).status).toBe(204);
    expect((await rt.call('GET', '/v1/inspections', { key: reader.key })).status).toBe(401);
  });

  test('detect answers with the report and links to its images; the image links work; usage bills it once', async () => {
    const res = await rt.call('POST', `/v1/detect?profile=grains&name=crack.png`, { key: keyOf(A), headers: { 'content-type': 'image/png', 'idempotency-key': 'detect-1' }, body: png });
    expect(res.status).toBe(200);
    const report = await json<{ id: string; tenant: string; status: string; scores: { verdict: string }; regions: unknown[]; links: Record<string, string> }>(res);
    reportId = report.id;
    expect(report).toMatchObject({ tenant: A, status: 'completed', links: { self: `/v1/inspections/${report.id}` } });
    expect(['normal', 'suspect', 'anomalous']).toContain(report.scores.verdict);
    expect(Object.keys(report.links)).toEqual(expect.arrayContaining(['heatmap', 'overlay', 'phases']));
    // A retry with the same key is the same answer, not a second inspection (nor a second bill).
    const retried = await rt.call('POST', `/v1/detect?profile=grains&name=crack.png`, { key: keyOf(A), headers: { 'content-type': 'image/png', 'idempotency-key': 'detect-1' }, body: png });
    expect((await json<{ id: string }>(retried)).id).toBe(report.id);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');

    const got = await json<{ id: string; links: Record<string, string> }>(await rt.call('GET', `/v1/inspections/${report.id}`, { key: keyOf(A) }));
    expect(got.id).toBe(report.id);
    const image = await rt.call('GET', `/v1/inspections/${report.id}/overlay.png`, { key: keyOf(A) });
    if (rt.name === 'local') {
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
    } else {
      // The cloud answers with a short-lived presigned link to the object.
      expect(image.status).toBe(302);
      expect(image.headers.get('location')).toMatch(/X-Amz-Signature=/);
      expect(got.links.heatmap).toMatch(/X-Amz-Expires=900/);
      const fetched = await fetch(image.headers.get('location')!);
      expect(fetched.status).toBe(200);
      expect(new Uint8Array(await fetched.arrayBuffer()).slice(1, 4)).toEqual(new TextEncoder().encode('PNG'));
    }

    const usage = await json<{ totals: { inspection: number }; byProfile: { profile: string; quantity: number }[] }>(await rt.call('GET', '/v1/usage', { key: keyOf(A) }));
    expect(usage.totals.inspection).toBe(1);
    expect(usage.byProfile).toEqual([expect.objectContaining({ profile: 'grains', quantity: 1 })]);
    const csv = await rt.call('GET', '/v1/usage?format=csv', { key: keyOf(A) });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('occurredAt,eventId,kind,quantity,profile,reportId');
    expect(lines.slice(1)).toEqual([expect.stringContaining(`inspection:${report.id},inspection,1,grains,${report.id}`)]);
  }, 120_000);

  test('a queued inspection (POST /v1/inspections with a sheet) is pending, then its report; it is listed by batch', async () => {
    const form = new FormData();
    form.set('image', new Blob([await micrographPng(301, SIZE)], { type: 'image/png' }), 'queued.png');
    form.set('metadata', JSON.stringify({ batchId: 'LiS-42', sulfurLoadingWtPct: 70 }));
    form.set('profile', 'grains');
    const multipart = new Response(form);
    const res = await rt.call('POST', '/v1/inspections', { key: keyOf(A), headers: { 'content-type': multipart.headers.get('content-type')! }, body: new Uint8Array(await multipart.arrayBuffer()) });
    expect(res.status).toBe(202);
    const accepted = await json<{ id: string; status: string; links: { self: string } }>(res);
    expect(res.headers.get('location')).toBe(accepted.links.self);
    await rt.settle(A, accepted.id);
    const report = await json<{ status: string; metadata: Record<string, unknown> }>(await rt.call('GET', accepted.links.self, { key: keyOf(A) }));
    expect(report).toMatchObject({ status: 'completed', metadata: { batchId: 'LiS-42' } });
    const byBatch = await json<{ items: { id: string }[]; next: string | null }>(await rt.call('GET', '/v1/inspections?batch=LiS-42', { key: keyOf(A) }));
    expect(byBatch.items.map((r) => r.id)).toEqual([accepted.id]);
    const page1 = await json<{ items: { id: string }[]; next: string | null }>(await rt.call('GET', '/v1/inspections?limit=1', { key: keyOf(A) }));
    expect(page1.items).toHaveLength(1);
    expect(page1.next).not.toBeNull();
    const page2 = await json<{ items: { id: string }[] }>(await rt.call('GET', `/v1/inspections?limit=1&cursor=${encodeURIComponent(page1.next!)}`, { key: keyOf(A) }));
    expect(page2.items[0]!.id).not.toBe(page1.items[0]!.id);
  }, 120_000);

  test('tenant isolation on every route: B cannot read, list, fetch images of, unsubscribe, revoke, replay or be billed for A\'s data', async () => {
    const hook = await rt.call('POST', '/v1/webhooks', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: rt.name === 'local' ? 'http://127.0.0.1:9/hook' : PUBLIC_HOOK }) });
    expect(hook.status).toBe(201);
    const { id: hookId } = await json<{ id: string }>(hook);
    const aKeys = await json<{ items: { id: string }[] }>(await rt.call('GET', '/v1/keys', { key: keyOf(A) }));
    const aKeyId = aKeys.items[0]!.id;

    const asB = (method: string, path: string, body?: string) => rt.call(method, path, { key: keyOf(B), headers: body ? { 'content-type': 'application/json' } : {}, ...(body ? { body } : {}) });
    expect((await asB('GET', `/v1/inspections/${reportId}`)).status).toBe(404);
    for (const file of ['heatmap.png', 'overlay.png', 'phases.png']) expect((await asB('GET', `/v1/inspections/${reportId}/${file}`)).status).toBe(404);
    expect((await json<{ items: unknown[] }>(await asB('GET', '/v1/inspections'))).items).toEqual([]);
    expect((await json<{ items: unknown[] }>(await asB('GET', '/v1/inspections?batch=LiS-42'))).items).toEqual([]);
    expect((await json<{ items: unknown[] }>(await asB('GET', '/v1/webhooks'))).items).toEqual([]);
    expect((await asB('GET', `/v1/webhooks/${hookId}`)).status).toBe(404);
    expect((await asB('GET', `/v1/webhooks/${hookId}/deliveries`)).status).toBe(404);
    expect((await asB('DELETE', `/v1/webhooks/${hookId}`)).status).toBe(404);
    expect((await asB('POST', `/v1/webhooks/${hookId}/rotate-secret`, '{}')).status).toBe(404);
    expect((await asB('DELETE', `/v1/keys/${aKeyId}`)).status).toBe(404);
    expect((await json<{ items: { id: string }[] }>(await asB('GET', '/v1/keys'))).items.map((k) => k.id)).not.toContain(aKeyId);
    expect((await json<{ totals: { inspection: number } }>(await asB('GET', '/v1/usage'))).totals.inspection).toBe(0);
    // The same Idempotency-Key in another tenant is another request: no replay of A's answer.
    const bDetect = await rt.call('POST', '/v1/detect?profile=grains&name=b.png', { key: keyOf(B), headers: { 'content-type': 'image/png', 'idempotency-key': 'detect-1' }, body: png });
    expect(bDetect.status).toBe(200);
    expect(bDetect.headers.get('idempotent-replayed')).toBeNull();
    const bReport = await json<{ id: string; tenant: string }>(bDetect);
    expect(bReport).toMatchObject({ tenant: B });
    expect(bReport.id).not.toBe(reportId);
    // A is still whole, and billed only for its own.
    expect((await rt.call('GET', `/v1/webhooks/${hookId}`, { key: keyOf(A) })).status).toBe(200);
    expect((await rt.call('GET', `/v1/inspections/${bReport.id}`, { key: keyOf(A) })).status).toBe(404);
    const usageA = await json<{ totals: { inspection: number } }>(await rt.call('GET', '/v1/usage', { key: keyOf(A) }));
    expect(usageA.totals.inspection).toBe(2);
    expect((await json<{ totals: { inspection: number } }>(await asB('GET', '/v1/usage'))).totals.inspection).toBe(1);
  }, 120_000);

  test('webhook subscriptions: created with a secret shown once, listed without it, delivery log, secret rotated, deleted; private targets refused', async () => {
    const created = await rt.call('POST', '/v1/webhooks', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: PUBLIC_HOOK, events: ['inspection.failed'] }) });
    expect(created.status).toBe(201);
    const { id, secret } = await json<{ id: string; secret: string }>(created);
    expect(secret).toMatch(/^whsec_/);
    expect(await (await rt.call('GET', '/v1/webhooks', { key: keyOf(A) })).text()).not.toContain(secret);
    expect(await json(await rt.call('GET', `/v1/webhooks/${id}/deliveries`, { key: keyOf(A) }))).toEqual({ items: [] });
    const rotated = await rt.call('POST', `/v1/webhooks/${id}/rotate-secret`, { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: '{"overlapSeconds":600}' });
    expect(rotated.status).toBe(200);
    expect(await json(rotated)).toMatchObject({ id, secret: expect.stringMatching(/^whsec_/), previousSecretExpiresAt: expect.any(String) });
    expect((await rt.call('DELETE', `/v1/webhooks/${id}`, { key: keyOf(A) })).status).toBe(204);
    expect((await rt.call('GET', `/v1/webhooks/${id}`, { key: keyOf(A) })).status).toBe(404);
    for (const url of ['https://169.254.169.254/latest/meta-data/', 'https://10.0.0.8/hook', 'https://[::ffff:a9fe:a9fe]/']) {
      const refused = await rt.call('POST', '/v1/webhooks', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url }) });
      expect(refused.status).toBe(422);
    }
  });

  test('an upload slot: presigned POST for one key, size and type; the uploaded image is inspected as declared', async () => {
    const image = await micrographPng(310, SIZE);
    const created = await rt.call('POST', '/v1/inspections/uploads', {
      key: keyOf(A), headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'big.png', contentType: 'image/png', bytes: image.length, profile: 'grains', metadata: { batchId: 'LiS-43' } }),
    });
    expect(created.status).toBe(201);
    const slot = await json<{ id: string; status: string; upload: { url: string; fields: Record<string, string>; expiresAt: string; maxBytes: number }; links: { self: string } }>(created);
    expect(slot).toMatchObject({ status: 'awaiting_upload', upload: { maxBytes: image.length } });
    expect(Date.parse(slot.upload.expiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    expect(await json(await rt.call('GET', slot.links.self, { key: keyOf(A) }))).toMatchObject({ id: slot.id, status: 'awaiting_upload' });
    expect((await rt.call('GET', slot.links.self, { key: keyOf(B) })).status).toBe(404);
    if (rt.name === 'cloud') {
      // S3 enforces the policy; what it allows is checked here (s3rver takes the form without checking it).
      const policy = JSON.parse(Buffer.from(slot.upload.fields.Policy!, 'base64').toString()) as { conditions: unknown[] };
      expect(policy.conditions).toEqual(expect.arrayContaining([['content-length-range', image.length, image.length], { 'Content-Type': 'image/png' }, { key: slot.upload.fields.key }]));
      // The slot pins the profile's active version at the time it is made.
      expect(slot.upload.fields.key).toMatch(new RegExp(`^${A}/grains@1/api/${slot.id}/big\\.png$`));
    } else {
      expect((await postForm(slot.upload, image.slice(0, 100), 'big.png')).status).toBe(400);
      expect((await postForm({ ...slot.upload, fields: { ...slot.upload.fields, signature: 'x' + slot.upload.fields.signature!.slice(1) } }, image, 'big.png')).status).toBe(403);
    }
    expect((await postForm(slot.upload, image, 'big.png')).status).toBe(204);
    if (rt.name === 'local') expect((await postForm(slot.upload, image, 'big.png')).status).toBe(409);
    await rt.settle(A, slot.id);
    const report = await json<{ status: string; input: { name: string }; metadata: Record<string, unknown> }>(await rt.call('GET', slot.links.self, { key: keyOf(A) }));
    expect(report).toMatchObject({ status: 'completed', input: { name: 'big.png' }, metadata: { batchId: 'LiS-43' } });
  }, 120_000);

  test('instruments: credentials that can only put images under their prefix, with the sheet as metadata; revocable; per tenant', async () => {
    const created = await rt.call('POST', '/v1/instruments', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'SEM-01', profile: 'grains' }) });
    expect(created.status).toBe(201);
    const instrument = await json<{ id: string; keyPrefix: string; credentials: { url: string; fields: Record<string, string>; keyPrefix: string } }>(created);
    expect(instrument.keyPrefix).toBe(`${A}/grains/instruments/${instrument.id}/`);
    expect(instrument.credentials.keyPrefix).toBe(instrument.keyPrefix);
    // A 16-bit greyscale TIFF, as an SEM exports it, into a batch folder under the prefix.
    const tiff = await makeTestImage({ format: 'tiff', width: 96, height: 96, bitDepth: 16, value: (x, y) => 0.5 + 0.4 * Math.sin(x / 5) * Math.cos(y / 7) });
    const fields = { ...instrument.credentials.fields, key: `${instrument.keyPrefix}batch-7/field-1.tif`, 'Content-Type': 'image/tiff', 'x-amz-meta-batch-id': 'B-7', 'x-amz-meta-pixel-size-um': '0.1' };
    if (rt.name === 'cloud') {
      const policy = JSON.parse(Buffer.from(instrument.credentials.fields.Policy!, 'base64').toString()) as { conditions: unknown[] };
      expect(policy.conditions).toEqual(expect.arrayContaining([['starts-with', '$key', instrument.keyPrefix], ['starts-with', '$Content-Type', 'image/']]));
    } else {
      expect((await postForm({ ...instrument.credentials, fields: { ...fields, key: `${A}/grains/elsewhere.tif` } }, tiff, 'x.tif')).status).toBe(403);
      expect((await postForm({ ...instrument.credentials, fields: { ...fields, 'Content-Type': 'text/plain' } }, tiff, 'x.tif')).status).toBe(403);
    }
    expect((await postForm({ ...instrument.credentials, fields }, tiff, 'field-1.tif')).status).toBe(204);
    await rt.settle(A, '');
    const listed = await json<{ items: { input: { name: string; bitDepth: number }; metadata: Record<string, unknown> }[] }>(await rt.call('GET', '/v1/inspections?batch=B-7', { key: keyOf(A) }));
    expect(listed.items).toEqual([expect.objectContaining({ input: expect.objectContaining({ name: 'batch-7/field-1.tif', bitDepth: 16 }), metadata: expect.objectContaining({ 'batch-id': 'B-7' }) })]);

    expect((await json<{ items: unknown[] }>(await rt.call('GET', '/v1/instruments', { key: keyOf(B) }))).items).toEqual([]);
    expect((await rt.call('POST', `/v1/instruments/${instrument.id}/credentials`, { key: keyOf(B) })).status).toBe(404);
    expect((await rt.call('DELETE', `/v1/instruments/${instrument.id}`, { key: keyOf(B) })).status).toBe(404);
    expect((await rt.call('POST', `/v1/instruments/${instrument.id}/credentials`, { key: keyOf(A) })).status).toBe(200);
    expect((await rt.call('DELETE', `/v1/instruments/${instrument.id}`, { key: keyOf(A) })).status).toBe(204);
    expect((await rt.call('POST', `/v1/instruments/${instrument.id}/credentials`, { key: keyOf(A) })).status).toBe(409);
    if (rt.name === 'local') expect((await postForm({ ...instrument.credentials, fields: { ...fields, key: `${instrument.keyPrefix}late.tif` } }, tiff, 'late.tif')).status).toBe(403);
  }, 120_000);

  test('profiles: versions with the active one; activating a version makes it the default; deleting hides it; per tenant', async () => {
    const versions = await json<{ activeVersion: number; items: { version: number; active: boolean }[] }>(await rt.call('GET', '/v1/profiles/grains/versions', { key: keyOf(A) }));
    expect(versions.activeVersion).toBe(1);
    expect(versions.items).toEqual([expect.objectContaining({ version: 1, active: true })]);
    expect((await rt.call('PUT', '/v1/profiles/grains/active-version', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: '{"version":7}' })).status).toBe(404);
    const activated = await rt.call('PUT', '/v1/profiles/grains/active-version', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: '{"version":1}' });
    expect(await json(activated)).toMatchObject({ name: 'grains', activeVersion: 1 });
    // B's copy of the profile is its own: A's changes do not touch it, B cannot change A's.
    expect((await rt.call('PUT', '/v1/profiles/nothing/active-version', { key: keyOf(B), headers: { 'content-type': 'application/json' }, body: '{"version":1}' })).status).toBe(404);
    expect((await rt.call('DELETE', '/v1/profiles/grains', { key: keyOf(A) })).status).toBe(204);
    expect((await json<{ items: unknown[] }>(await rt.call('GET', '/v1/profiles', { key: keyOf(A) }))).items).toEqual([]);
    expect((await rt.call('GET', '/v1/profiles/grains', { key: keyOf(A) })).status).toBe(404);
    const refused = await rt.call('POST', '/v1/detect?profile=grains', { key: keyOf(A), headers: { 'content-type': 'image/png' }, body: png });
    expect(await json(refused)).toMatchObject({ status: 404, code: 'profile_not_found' });
    expect((await json<{ items: { name: string }[] }>(await rt.call('GET', '/v1/profiles', { key: keyOf(B) }))).items.map((p) => p.name)).toEqual(['grains']);
    // Reports that cite the deleted profile stay readable; activating a version brings the profile back.
    expect((await rt.call('GET', `/v1/inspections/${reportId}`, { key: keyOf(A) })).status).toBe(200);
    expect((await rt.call('PUT', '/v1/profiles/grains/active-version', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: '{"version":1}' })).status).toBe(200);
    expect((await json<{ items: unknown[] }>(await rt.call('GET', '/v1/profiles', { key: keyOf(A) }))).items).toHaveLength(1);
  });

  test('errors are problem+json with stable codes; request bodies have limits', async () => {
    const tooBig = await rt.call('POST', '/v1/webhooks', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: PUBLIC_HOOK, description: 'x'.repeat(70_000) }) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const badJson = await rt.call('POST', '/v1/keys', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: '{' });
    expect(await json(badJson)).toMatchObject({ status: 400, code: 'validation_failed' });
    const badQuery = await rt.call('GET', '/v1/inspections?limit=0', { key: keyOf(A) });
    expect(await json(badQuery)).toMatchObject({ status: 400, code: 'validation_failed' });
    const wrongType = await rt.call('POST', '/v1/webhooks', { key: keyOf(A), headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(await json(wrongType)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });
});

/** An HTML-form style upload, as a browser or curl -F sends it: the fields, then the file. */
async function postForm(upload: { url: string; fields: Record<string, string> }, bytes: Uint8Array, fileName: string): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.set(name, value);
  form.set('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: upload.fields['Content-Type'] ?? 'application/octet-stream' }), fileName);
  return fetch(upload.url, { method: 'POST', body: form });
}

/**
 * The partner API contract on both runtimes (test/api/runtimes.ts): every documented route is served and nothing
 * else is, keys and scopes, synchronous detect and queued inspections, reports with image links, usage, webhooks,
 * Idempotency-Key, and tenant isolation on every route.
 */
import sharp from 'sharp';
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
const SAMPLE: Record<string, string> = { id: 'abc123', artifact: 'heatmap.png', name: 'walk-sample', version: '1', sha256: 'a'.repeat(64) };

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
  const served = new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9]+)/g, '{$1}')}`));
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

  /** Polls a profile job (as A) until it ends; the cloud's job function runs beside the API and is awaited by settle. */
  async function finished(self: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 600; i++) {
      await rt.settle(A, '');
      const job = await json<{ status: string }>(await rt.call('GET', self, { key: keyOf(A) }));
      if (job.status === 'completed' || job.status === 'failed') return job;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${self} did not end`);
  }

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
    expect(Object.keys(report.links)).toEqual(expect.arrayContaining(['heatmap', 'overlay', 'phases', 'micrograph']));
    // A retry with the same key is the same answer, not a second inspection (nor a second bill).
    const retried = await rt.call('POST', `/v1/detect?profile=grains&name=crack.png`, { key: keyOf(A), headers: { 'content-type': 'image/png', 'idempotency-key': 'detect-1' }, body: png });
    expect((await json<{ id: string }>(retried)).id).toBe(report.id);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');

    const got = await json<{ id: string; links: Record<string, string> }>(await rt.call('GET', `/v1/inspections/${report.id}`, { key: keyOf(A) }));
    expect(got.id).toBe(report.id);
    const image = await rt.call('GET', `/v1/inspections/${report.id}/overlay.png`, { key: keyOf(A) });
    // The micrograph as inspected: the uploaded pixels at full size, as a PNG a browser shows.
    const micrograph = await rt.call('GET', `/v1/inspections/${report.id}/micrograph.png`, { key: keyOf(A) });
    const micrographBytes = new Uint8Array(await (rt.name === 'local' ? micrograph : await fetch(micrograph.headers.get('location')!)).arrayBuffer());
    expect(await sharp(micrographBytes).metadata()).toMatchObject({ format: 'png', width: SIZE, height: SIZE, channels: 1 });
    expect((await sharp(micrographBytes).extractChannel(0).raw().toBuffer()).equals(await sharp(png).extractChannel(0).raw().toBuffer())).toBe(true);
    if (rt.name === 'local') {
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
      expect(micrograph.headers.get('content-type')).toBe('image/png');
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
    for (const file of ['heatmap.png', 'overlay.png', 'phases.png', 'micrograph.png']) expect((await asB('GET', `/v1/inspections/${reportId}/${file}`)).status).toBe(404);
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
      // Another first character, whatever it was (a fixed 'x' left 1 in 64 base64url signatures unchanged).
      const signature = slot.upload.fields.signature!;
      const tampered = (signature.startsWith('A') ? 'B' : 'A') + signature.slice(1);
      expect((await postForm({ ...slot.upload, fields: { ...slot.upload.fields, signature: tampered } }, image, 'big.png')).status).toBe(403);
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

  test('profiles by enrolment: declared images, presigned uploads, start, polled to a new version; limits; per tenant; billed; profile.updated', async () => {
    const watchA = await rt.watchProfileEvents(A);
    const images = await Promise.all([0, 1, 2, 3].map((i) => micrographPng(400 + i, SIZE)));
    const declare = (list: Uint8Array[], prefix: string) => list.map((bytes, i) => ({ name: `${prefix}${i}.png`, contentType: 'image/png', bytes: bytes.length }));
    const post = (path: string, body: unknown, key = keyOf(A), headers: Record<string, string> = {}) =>
      rt.call('POST', path, { key, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

    const created = await post('/v1/profiles', { name: 'coupons', images: declare(images, 'n'), pixelSizeUm: 0.1 }, keyOf(A), { 'idempotency-key': 'coupons-1' });
    expect(created.status).toBe(201);
    type Job = {
      id: string; status: string; profile: string; versions: { version: number; source: string }[]; result: Record<string, unknown> | null; failure: { code: string } | null;
      images: { index: number; uploaded: boolean }[]; uploads?: { index: number; upload: { url: string; fields: Record<string, string>; maxBytes: number } }[]; links: Record<string, string>;
    };
    const job = await json<Job>(created);
    expect(job).toMatchObject({ status: 'awaiting_upload', profile: 'coupons', versions: [], failure: null, links: { self: `/v1/profiles/coupons/enrolments/${job.id}` } });
    expect(created.headers.get('location')).toBe(job.links.self);
    expect(job.uploads!.map((u) => [u.index, u.upload.maxBytes])).toEqual(images.map((b, i) => [i, b.length]));
    const replayed = await post('/v1/profiles', { name: 'coupons', images: declare(images, 'n'), pixelSizeUm: 0.1 }, keyOf(A), { 'idempotency-key': 'coupons-1' });
    expect((await json<Job>(replayed)).id).toBe(job.id);
    if (rt.name === 'cloud') {
      const policy = JSON.parse(Buffer.from(job.uploads![0]!.upload.fields.Policy!, 'base64').toString()) as { conditions: unknown[] };
      expect(policy.conditions).toEqual(expect.arrayContaining([['content-length-range', images[0]!.length, images[0]!.length], { 'Content-Type': 'image/png' }]));
      expect(job.uploads![0]!.upload.fields.key).toBe(`work/${A}/enrolments/${job.id}/0`);
    } else {
      expect((await postForm(job.uploads![0]!.upload, images[0]!.slice(0, 50), 'n0.png')).status).toBe(400);
    }
    // Nothing of it for another tenant; nothing starts before every image is there.
    expect((await rt.call('GET', job.links.self, { key: keyOf(B) })).status).toBe(404);
    expect((await rt.call('POST', job.links.start!, { key: keyOf(B) })).status).toBe(404);
    const early = await rt.call('POST', job.links.start!, { key: keyOf(A) });
    expect(await json(early)).toMatchObject({ status: 409, code: 'enrolment_incomplete', details: { missing: images.map((_, index) => ({ index, name: `n${index}.png` })) } });
    for (const u of job.uploads!.slice(0, 3)) expect((await postForm(u.upload, images[u.index]!, `n${u.index}.png`)).status).toBe(204);
    const partial = await json<Job>(await rt.call('GET', job.links.self, { key: keyOf(A) }));
    expect(partial.images.map((i) => i.uploaded)).toEqual([true, true, true, false]);
    expect(partial.uploads!.map((u) => u.index)).toEqual([3]);
    expect((await postForm(partial.uploads![0]!.upload, images[3]!, 'n3.png')).status).toBe(204);
    const started = await rt.call('POST', job.links.start!, { key: keyOf(A) });
    expect(started.status).toBe(202);
    expect((await json<Job>(started)).status).toMatch(/^(queued|running|completed)$/);
    expect(await json(await rt.call('POST', job.links.start!, { key: keyOf(A) }))).toMatchObject({ status: 409, code: 'enrolment_not_awaiting_upload' });
    const done = await finished(job.links.self);
    expect(done).toMatchObject({ status: 'completed', versions: [{ version: 1, source: 'enrolment' }], failure: null, result: { version: 1, enrolledImages: 4 } });

    // The version's images, a page at a time, with their roles and a thumbnail each (the image in grey); not for B.
    type Images = { items: { name: string; sha256: string; role: string; links: { thumbnail: string } }[]; next: string | null };
    const first = await json<Images>(await rt.call('GET', '/v1/profiles/coupons/versions/1/images?limit=3', { key: keyOf(A) }));
    expect(first.next).toBe('3');
    const rest = await json<Images>(await rt.call('GET', '/v1/profiles/coupons/versions/1/images?limit=3&cursor=3', { key: keyOf(A) }));
    expect(rest.next).toBeNull();
    const enrolled = [...first.items, ...rest.items];
    expect(enrolled.map((i) => i.name).sort()).toEqual(['n0.png', 'n1.png', 'n2.png', 'n3.png']);
    expect(new Set(enrolled.map((i) => i.role))).toEqual(new Set(['bank', 'calibration']));
    const calibration = await json<Images>(await rt.call('GET', '/v1/profiles/coupons/versions/1/images?role=calibration', { key: keyOf(A) }));
    expect(calibration.items.map((i) => i.name)).toEqual(enrolled.filter((i) => i.role === 'calibration').map((i) => i.name));
    const shown = enrolled.find((i) => i.name === 'n2.png')!;
    const thumb = await rt.call('GET', shown.links.thumbnail, { key: keyOf(A) });
    expect(thumb.status).toBe(rt.name === 'local' ? 200 : 302);
    const thumbBytes = new Uint8Array(await (rt.name === 'local' ? thumb : await fetch(thumb.headers.get('location')!)).arrayBuffer());
    expect(await sharp(thumbBytes).metadata()).toMatchObject({ format: 'png', width: SIZE, height: SIZE, channels: 1 });
    expect((await sharp(thumbBytes).extractChannel(0).raw().toBuffer()).equals(await sharp(images[2]!).extractChannel(0).raw().toBuffer())).toBe(true);
    expect((await rt.call('GET', '/v1/profiles/coupons/versions/1/images', { key: keyOf(B) })).status).toBe(404);
    expect((await rt.call('GET', shown.links.thumbnail, { key: keyOf(B) })).status).toBe(404);
    expect((await rt.call('GET', '/v1/profiles/coupons/versions/9/images', { key: keyOf(A) })).status).toBe(404);
    expect((await rt.call('GET', shown.links.thumbnail.replace(shown.sha256, 'f'.repeat(64)), { key: keyOf(A) })).status).toBe(404);

    // The new profile inspects like any other; a second enrolment makes version 2 with the earlier images and these.
    expect(await json(await rt.call('GET', '/v1/profiles/coupons', { key: keyOf(A) }))).toMatchObject({ name: 'coupons', latestVersion: 1, activeVersion: 1 });
    const detected = await rt.call('POST', '/v1/detect?profile=coupons', { key: keyOf(A), headers: { 'content-type': 'image/png' }, body: png });
    expect(await json(detected)).toMatchObject({ status: 'completed', profile: { name: 'coupons', version: 1 } });
    const more = [await micrographPng(410, SIZE), await micrographPng(411, SIZE)];
    const second = await json<Job>(await post('/v1/profiles/coupons/enrolments', { images: declare(more, 'm') }));
    for (const u of second.uploads!) expect((await postForm(u.upload, more[u.index]!, `m${u.index}.png`)).status).toBe(204);
    expect((await rt.call('POST', second.links.start!, { key: keyOf(A) })).status).toBe(202);
    expect(await finished(second.links.self)).toMatchObject({ status: 'completed', versions: [{ version: 2, source: 'enrolment' }], result: { bankImages: expect.any(Number), enrolledImages: 2 } });
    expect((await json<{ activeVersion: number; items: unknown[] }>(await rt.call('GET', '/v1/profiles/coupons/versions', { key: keyOf(A) })))).toMatchObject({ activeVersion: 2, items: [{ version: 1 }, { version: 2 }] });

    // A bad image ends the job failed with the reason, and makes nothing.
    const broken = await json<Job>(await post('/v1/profiles', { name: 'broken', images: [{ name: 'a.png', contentType: 'image/png', bytes: images[0]!.length }, { name: 'b.png', contentType: 'image/png', bytes: 64 }] }));
    await postForm(broken.uploads![0]!.upload, images[0]!, 'a.png');
    await postForm(broken.uploads![1]!.upload, new TextEncoder().encode('x'.repeat(64)), 'b.png');
    expect((await rt.call('POST', broken.links.start!, { key: keyOf(A) })).status).toBe(202);
    const failed = await finished(broken.links.self);
    expect(failed).toMatchObject({ status: 'failed', versions: [], failure: { code: 'unsupported_format' } });
    expect((await rt.call('GET', '/v1/profiles/broken', { key: keyOf(A) })).status).toBe(404);

    // Refused at the door: a taken name, too many images, an image over the size limit, names given twice, no images, a declared rate of one half, rates out of order.
    expect(await json(await post('/v1/profiles', { name: 'coupons', images: declare(images, 'n') }))).toMatchObject({ status: 409, code: 'profile_exists' });
    const limits = rt.name === 'cloud' ? { maxImages: 100, maxImageBytes: 64 * 1024 ** 2 } : { maxImages: 500, maxImageBytes: 200 * 1024 ** 2 };
    const many = Array.from({ length: limits.maxImages + 1 }, (_, i) => ({ name: `x${i}.png`, contentType: 'image/png', bytes: 1000 }));
    expect(await json(await post('/v1/profiles', { name: 'many', images: many }))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(await json(await post('/v1/profiles', { name: 'huge', images: [{ name: 'h.png', contentType: 'image/png', bytes: limits.maxImageBytes + 1 }] }))).toMatchObject({ status: 413, code: 'input_too_large' });
    expect(await json(await post('/v1/profiles', { name: 'twice', images: [...declare(images.slice(0, 1), 'd'), ...declare(images.slice(0, 1), 'd')] }))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(await json(await post('/v1/profiles', { name: 'none', images: [] }))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(await json(await post('/v1/profiles', { name: 'rate', suspectRate: 0.5, images: declare(images, 'r') }))).toMatchObject({ status: 400, code: 'validation_failed' });
    // A false-alarm rate above the suspect rate, both in the body: refused here, not by a failed job later.
    const inverted = await json(await post('/v1/profiles', { name: 'inverted', suspectRate: 0.01, falseAlarmRate: 0.02, images: declare(images, 'i') }));
    expect(inverted).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(JSON.stringify(inverted)).toContain('falseAlarmRate 0.02 is above suspectRate 0.01');
    expect(await json(await post('/v1/profiles/coupons/enrolments', { suspectRate: 0.01, falseAlarmRate: 0.02, images: declare(more, 'i') }))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await rt.call('GET', '/v1/profiles/inverted', { key: keyOf(A) })).status).toBe(404);
    expect(await json(await post('/v1/profiles/nothing-here/enrolments', { images: declare(images, 'n') }))).toMatchObject({ status: 404, code: 'not_found' });
    // An inspect key cannot create profiles.
    const inspector = await json<{ key: string }>(await post('/v1/keys', { name: 'inspector', scopes: ['inspect'] }));
    expect((await post('/v1/profiles', { name: 'nope', images: declare(images, 'n') }, inspector.key)).status).toBe(403);

    // Billed per image enrolled (failed jobs are not), to A only; B has no such profile.
    const usage = await json<{ totals: Record<string, number>; byProfile: { profile: string; kind: string; quantity: number }[] }>(await rt.call('GET', '/v1/usage', { key: keyOf(A) }));
    expect(usage.totals.enrolment_image).toBe(6);
    expect(usage.byProfile).toEqual(expect.arrayContaining([{ profile: 'coupons', kind: 'enrolment_image', quantity: 6 }]));
    expect((await json<{ totals: Record<string, number> }>(await rt.call('GET', '/v1/usage', { key: keyOf(B) }))).totals.enrolment_image ?? 0).toBe(0);
    expect((await rt.call('GET', '/v1/profiles/coupons', { key: keyOf(B) })).status).toBe(404);

    // profile.updated: each version made, an activation and a deletion (restored after).
    await rt.call('PUT', '/v1/profiles/coupons/active-version', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: '{"version":1}' });
    expect((await rt.call('DELETE', '/v1/profiles/coupons', { key: keyOf(A) })).status).toBe(204);
    await rt.call('PUT', '/v1/profiles/coupons/active-version', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: '{"version":2}' });
    const events = await eventually(() => watchA.events(), (e) => e.length >= 5);
    await watchA.stop();
    // Local deliveries may arrive in any order (several in flight at once): compared as a set.
    const key = (e: { action: string; version: number | null; activeVersion: number | null; source: string }) => JSON.stringify([e.action, e.version, e.activeVersion, e.source]);
    expect(events.map(key).sort()).toEqual([
      ['version_created', 1, 1, 'enrolment'], ['version_created', 2, 2, 'enrolment'], ['version_activated', 1, 1, 'api'], ['deleted', null, null, 'api'], ['version_activated', 2, 2, 'api'],
    ].map((t) => JSON.stringify(t)).sort());
    expect(events.find((e) => e.version === 1 && e.action === 'version_created')).toMatchObject({ tenant: A, profile: 'coupons', job: { kind: 'enrolment', id: job.id }, eventId: `${A}:coupons:v1:created` });
  }, 240_000);

  test('expert feedback: the review queue, judgements of reports and regions (inspect), the labelled set, recalibration (admin) into a new version; per tenant', async () => {
    const watchA = await rt.watchProfileEvents(A);
    const ids: string[] = [];
    const regionsOf: number[][] = [];
    for (const [seed, anomaly] of [[420, undefined], [421, undefined], [422, 'crack'], [423, 'void']] as const) {
      const res = await rt.call('POST', `/v1/detect?profile=coupons&name=f${seed}.png`, { key: keyOf(A), headers: { 'content-type': 'image/png' }, body: await micrographPng(seed, SIZE, anomaly) });
      const report = await json<{ id: string; regions: { id: number }[] }>(res);
      ids.push(report.id);
      regionsOf.push(report.regions.map((r) => r.id));
    }
    const queue = await json<{ items: { reportId: string; uncertainty: number; links: { feedback: string } }[]; unreviewed: number }>(await rt.call('GET', '/v1/review-queue?profile=coupons&limit=10', { key: keyOf(A) }));
    expect(queue.items.map((i) => i.reportId).sort()).toEqual(expect.arrayContaining([...ids].sort()));
    expect(queue.items.map((i) => i.uncertainty)).toEqual([...queue.items.map((i) => i.uncertainty)].sort((a, b) => b - a));
    expect((await json<{ items: unknown[] }>(await rt.call('GET', '/v1/review-queue?profile=coupons', { key: keyOf(B) }))).items).toEqual([]);

    const judge = (id: string, body: unknown, key = keyOf(A)) => rt.call('POST', `/v1/inspections/${id}/feedback`, { key, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const reader = await json<{ key: string }>(await rt.call('POST', '/v1/keys', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'fb-reader', scopes: ['read'] }) }));
    const inspector = await json<{ id: string; key: string }>(await rt.call('POST', '/v1/keys', { key: keyOf(A), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'fb-inspector', scopes: ['inspect'] }) }));
    expect((await judge(ids[0]!, { action: 'relabel', label: 'normal' }, reader.key)).status).toBe(403);
    const first = await judge(ids[0]!, { action: 'relabel', label: 'normal' }, inspector.key);
    expect(first.status).toBe(201);
    expect(await json(first)).toMatchObject({ outcome: 'created', feedback: { reportId: ids[0], label: 'normal', reviewer: `key:${inspector.id}`, target: { kind: 'report' } } });
    expect((await judge(ids[0]!, { action: 'relabel', label: 'normal' }, inspector.key)).status).toBe(200);
    expect(await json(await judge(ids[1]!, { action: 'relabel', label: 'normal', reviewer: 'dr-k', note: 'clean field' }))).toMatchObject({ outcome: 'created' });
    expect(await json(await judge(ids[2]!, { action: 'relabel', label: 'crack' }))).toMatchObject({ outcome: 'created', feedback: { label: 'crack' } });
    expect(await json(await judge(ids[2]!, { action: 'relabel', label: 'anomalous' }))).toMatchObject({ outcome: 'updated', feedback: { label: 'anomalous' } });
    expect(await json(await judge(ids[3]!, { action: 'confirm', regionId: 999 }))).toMatchObject({ status: 404 });
    // A region confirmed as a real defect labels its report anomalous (source: regions).
    expect(regionsOf[3]!.length).toBeGreaterThan(0);
    expect(await json(await judge(ids[3]!, { action: 'confirm', regionId: regionsOf[3]![0] }))).toMatchObject({ outcome: 'created', feedback: { target: { kind: 'region', regionId: regionsOf[3]![0] }, label: 'anomalous' } });
    expect(await json(await judge(ids[3]!, { action: 'relabel' }))).toMatchObject({ status: 400, code: 'validation_failed' });
    // Another tenant can neither judge nor read A's judgements.
    expect((await judge(ids[0]!, { action: 'confirm' }, keyOf(B))).status).toBe(404);
    expect((await rt.call('GET', `/v1/inspections/${ids[0]}/feedback`, { key: keyOf(B) })).status).toBe(404);
    expect(await json(await rt.call('GET', `/v1/inspections/${ids[2]}/feedback`, { key: keyOf(A) }))).toMatchObject({ items: [{ action: 'relabel', label: 'anomalous' }] });

    const labels = await json<{ items: { reportId: string; label: string; anomalous: boolean; source: string }[] }>(await rt.call('GET', '/v1/profiles/coupons/labels', { key: keyOf(A) }));
    expect(labels.items.map((l) => [l.reportId, l.label, l.anomalous, l.source])).toEqual([
      [ids[0], 'normal', false, 'report'], [ids[1], 'normal', false, 'report'], [ids[2], 'anomalous', true, 'report'], [ids[3], 'anomalous', true, 'regions'],
    ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)));

    // The version that scored them: its calibration normals per component with their thresholds, the operating point,
    // and the four labelled reports with their fused scores (both kinds: an ROC); the earlier version has none of
    // them (another scale); nothing for B, 404 for a version that does not exist (or is not a number).
    type Figures = {
      profile: string; version: number; operating: { thresholds: { suspect: number; anomalous: number }; source: string; calibrationSize: number };
      components: { name: string; fused: boolean; normals: number[]; thresholds: { suspect: number; anomalous: number } | null }[];
      labelled: { items: { reportId: string; anomalous: boolean; score: number; components: Record<string, number> }[]; otherVersions: number };
      tuning: unknown;
      atOperating: { recall: { hits: number; of: number; lower: number; upper: number } | null; falseAlarms: { hits: number; of: number } | null };
    };
    const scoredBy = (await json<{ items: { profile: { version: number }; score: number; reportId: string }[] }>(await rt.call('GET', '/v1/profiles/coupons/labels', { key: keyOf(A) }))).items;
    const v = scoredBy[0]!.profile.version;
    const figures = await json<Figures>(await rt.call('GET', `/v1/profiles/coupons/versions/${v}/calibration`, { key: keyOf(A) }));
    const held = await json<{ items: unknown[] }>(await rt.call('GET', `/v1/profiles/coupons/versions/${v}/images?role=calibration`, { key: keyOf(A) }));
    expect(figures).toMatchObject({ profile: 'coupons', version: v, tuning: null, operating: { source: expect.stringMatching(/^(conformal|extrapolated)$/), calibrationSize: held.items.length } });
    expect(figures.operating.thresholds.anomalous).toBeGreaterThan(figures.operating.thresholds.suspect);
    expect(figures.components.map((c) => c.name)).toEqual(['patch', 'novelty', 'density', 'consistency']);
    for (const name of ['patch', 'novelty', 'consistency']) {
      const component = figures.components.find((c) => c.name === name)!;
      expect({ name, normals: component.normals.length }).toEqual({ name, normals: held.items.length });
      expect(component.thresholds!.anomalous).toBeGreaterThan(component.thresholds!.suspect);
    }
    expect(figures.labelled.otherVersions).toBe(0);
    expect(figures.labelled.items.map((l) => [l.reportId, l.anomalous, l.score])).toEqual(scoredBy.map((l) => [l.reportId, ids.indexOf(l.reportId) >= 2, l.score]));
    for (const l of figures.labelled.items) expect(l.components.patch).toEqual(expect.any(Number));
    // The expected recall and false alarms at the operating threshold, counted on those labels (two of each kind).
    const flagged = (anomalous: boolean) => figures.labelled.items.filter((l) => l.anomalous === anomalous && l.score >= figures.operating.thresholds.suspect).length;
    expect(figures.atOperating).toMatchObject({ recall: { hits: flagged(true), of: 2 }, falseAlarms: { hits: flagged(false), of: 2 } });
    expect(figures.atOperating.recall!.upper).toBeGreaterThan(figures.atOperating.recall!.lower);
    const earlier = await json<Figures>(await rt.call('GET', `/v1/profiles/coupons/versions/${v - 1}/calibration`, { key: keyOf(A) }));
    expect(earlier.labelled).toEqual({ items: [], otherVersions: 4 });
    expect(earlier.atOperating).toEqual({ recall: null, falseAlarms: null });
    expect((await rt.call('GET', `/v1/profiles/coupons/versions/${v}/calibration`, { key: keyOf(B) })).status).toBe(404);
    expect((await rt.call('GET', '/v1/profiles/coupons/versions/9/calibration', { key: keyOf(A) })).status).toBe(404);
    expect((await rt.call('GET', '/v1/profiles/coupons/versions/x/calibration', { key: keyOf(A) })).status).toBe(404);

    const after = await json<{ items: { reportId: string }[] }>(await rt.call('GET', '/v1/review-queue?profile=coupons&limit=10', { key: keyOf(A) }));
    expect(after.items.map((i) => i.reportId)).not.toEqual(expect.arrayContaining([ids[0]]));

    // Applying feedback: admin only, a job; a dry run changes nothing; the real one enrols the two confirmed normals.
    const recal = (body: unknown, key = keyOf(A)) => rt.call('POST', '/v1/profiles/coupons/recalibrations', { key, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await recal({}, inspector.key)).status).toBe(403);
    expect((await recal({}, keyOf(B))).status).toBe(404);
    const dry = await recal({ dryRun: true });
    expect(dry.status).toBe(202);
    const dryJob = await finished((await json<{ links: { self: string } }>(dry)).links.self);
    expect(dryJob).toMatchObject({ status: 'completed', kind: 'recalibration', versions: [], result: { dryRun: true, labels: { total: 4, normal: 2, anomalous: 2 } } });
    const real = await json<{ id: string; links: { self: string } }>(await recal({ reviewer: 'dr-k' }));
    expect((await rt.call('GET', real.links.self, { key: keyOf(B) })).status).toBe(404);
    const applied = await finished(real.links.self);
    expect(applied).toMatchObject({ status: 'completed', options: { reviewer: 'dr-k', dryRun: false, enrolNormals: true }, versions: [{ version: 3, source: 'feedback' }], result: { fromVersion: 2, enrolledVersion: 3, confirmedNormals: { enrolled: 2 } } });
    expect((await json<{ latestVersion: number }>(await rt.call('GET', '/v1/profiles/coupons', { key: keyOf(A) }))).latestVersion).toBe(3);
    const events = await eventually(() => watchA.events(), (e) => e.length >= 1);
    await watchA.stop();
    expect(events).toEqual([expect.objectContaining({ action: 'version_created', version: 3, source: 'feedback', job: { kind: 'recalibration', id: real.id } })]);
    expect((await json<{ totals: Record<string, number> }>(await rt.call('GET', '/v1/usage', { key: keyOf(A) }))).totals.enrolment_image).toBe(8);
  }, 240_000);

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

/** Waits (up to 30 s) until `read` gives what `done` accepts: webhook deliveries arrive after the call that made them. */
async function eventually<T>(read: () => T, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  return read();
}

/** An HTML-form style upload, as a browser or curl -F sends it: the fields, then the file. */
async function postForm(upload: { url: string; fields: Record<string, string> }, bytes: Uint8Array, fileName: string): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.set(name, value);
  form.set('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: upload.fields['Content-Type'] ?? 'application/octet-stream' }), fileName);
  return fetch(upload.url, { method: 'POST', body: form });
}

import { request } from 'node:http';
import type { RunningService } from '../../lambdas/local/service.js';
import { blankPng, micrographPng, saveTinyProfile, start, tempHome, testOptions, type TestDeps, createDeps } from './support.js';

/** Bad inputs are refused at the door with RFC 9457 problem+json and a stable code; nothing is queued. */
describe('local HTTP API: refusals', () => {
  let home: string;
  let cleanup: () => void;
  let deps: TestDeps;
  let service: RunningService;
  const MAX_BYTES = 256 * 1024;

  beforeAll(async () => {
    ({ home, cleanup } = tempHome());
    deps = await createDeps(home);
    await saveTinyProfile(deps, 'demo');
    service = await start(deps, testOptions(home, { inbox: null, limits: { maxBytes: MAX_BYTES, maxPixels: 300 * 300 }, worker: { concurrency: 0, leaseMs: 1000, maxAttempts: 1, retryDelayMs: 0, pollMs: 50 } }));
  });
  afterAll(async () => {
    await service.stop();
    await deps.close();
    cleanup();
  });

  async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status, code, type: `urn:mmdo:problem:${code}` });
    expect(typeof body.title).toBe('string');
    expect(typeof body.detail).toBe('string');
    expect(typeof body.instance).toBe('string');
    return body;
  }

  const post = (body: Uint8Array | string, contentType = 'image/png', query = '') =>
    fetch(`${service.url}/v1/inspections${query}`, { method: 'POST', headers: { 'content-type': contentType }, body });

  test('empty body → 422 empty_input', async () => {
    await expectProblem(await post(new Uint8Array(0)), 422, 'empty_input');
  });

  test('not an image → 415 unsupported_format, naming what it looks like', async () => {
    const body = await expectProblem(await post(new TextEncoder().encode('GIF89a........'), 'application/octet-stream'), 415, 'unsupported_format');
    expect(body.detail).toMatch(/GIF/);
  });

  test('a PNG signature with a broken header → 422 corrupt_image', async () => {
    const png = await micrographPng(1, 32);
    await expectProblem(await post(png.slice(0, 20)), 422, 'corrupt_image');
  });

  test('too many pixels, from the header → 413 too_many_pixels', async () => {
    const big = await blankPng(400, 400);
    expect(big.length).toBeLessThan(MAX_BYTES);
    await expectProblem(await post(big), 413, 'too_many_pixels');
  });

  test('oversized body → 413 input_too_large, declared or streamed', async () => {
    const huge = new Uint8Array(MAX_BYTES * 4);
    huge.set(await micrographPng(3, 32));
    await expectProblem(await post(huge), 413, 'input_too_large');
    // Chunked, no Content-Length: the server answers 413 once the limit is passed, while the client is still sending.
    const { status, contentType } = await new Promise<{ status: number; contentType: string }>((resolve, reject) => {
      const req = request(`${service.url}/v1/inspections`, { method: 'POST', headers: { 'content-type': 'image/png', 'transfer-encoding': 'chunked' } });
      req.on('response', (res) => {
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']) });
        req.destroy();
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(new Uint8Array(16 * 1024)); // 320 KiB > the limit, and never ended
    });
    expect(status).toBe(413);
    expect(contentType).toMatch(/^application\/problem\+json/);
  });

  test('wrong content type → 415 unsupported_media_type', async () => {
    await expectProblem(await post('{"a":1}', 'application/json'), 415, 'unsupported_media_type');
  });

  test('invalid query parameters → 400 validation_failed with the field', async () => {
    const png = await micrographPng(4, 32);
    const body = await expectProblem(await post(png, 'image/png', '?pixelSizeUm=-3'), 400, 'validation_failed');
    expect(JSON.stringify(body.details)).toMatch(/pixelSizeUm/);
    await expectProblem(await post(png, 'image/png', '?profile=../etc'), 400, 'validation_failed');
  });

  test('unknown profile → 404 profile_not_found', async () => {
    await expectProblem(await post(await micrographPng(5, 32), 'image/png', '?profile=nope'), 404, 'profile_not_found');
    await expectProblem(await post(await micrographPng(5, 32), 'image/png', '?profile=demo&profileVersion=9'), 404, 'profile_not_found');
  });

  test('multipart without an image field, or with bad metadata → 400 validation_failed', async () => {
    const noImage = new FormData();
    noImage.set('profile', 'demo');
    await expectProblem(await fetch(`${service.url}/v1/inspections`, { method: 'POST', body: noImage }), 400, 'validation_failed');
    const badMeta = new FormData();
    badMeta.set('image', new Blob([await micrographPng(6, 32)], { type: 'image/png' }), 'a.png');
    badMeta.set('metadata', '[1,2');
    await expectProblem(await fetch(`${service.url}/v1/inspections`, { method: 'POST', body: badMeta }), 400, 'validation_failed');
  });

  test('unknown inspection, artifact and route → 404', async () => {
    await expectProblem(await fetch(`${service.url}/v1/inspections/does-not-exist`), 404, 'not_found');
    await expectProblem(await fetch(`${service.url}/v1/inspections/does-not-exist/heatmap.png`), 404, 'not_found');
    await expectProblem(await fetch(`${service.url}/v2/nothing`), 404, 'route_not_found');
  });

  test('nothing refused was queued; a pending job reports its status and its images are 409 until done', async () => {
    expect(service.queue.counts()).toEqual({ queued: 0, running: 0, completed: 0, failed: 0 });
    const form = new FormData();
    form.set('image', new Blob([await micrographPng(7, 32)], { type: 'image/png' }), 'batch7-field3.png');
    form.set('metadata', JSON.stringify({ batchId: 'B7' }));
    form.set('pixelSizeUm', '0.25');
    const res = await fetch(`${service.url}/v1/inspections`, { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { id: string; status: string; links: Record<string, string> };
    expect(res.headers.get('location')).toBe(`/v1/inspections/${accepted.id}`);
    expect(accepted).toMatchObject({ status: 'queued', links: { self: `/v1/inspections/${accepted.id}`, heatmap: `/v1/inspections/${accepted.id}/heatmap.png` } });
    const pending = await fetch(`${service.url}/v1/inspections/${accepted.id}`);
    expect(await pending.json()).toMatchObject({ id: accepted.id, status: 'queued', name: 'batch7-field3.png', profile: 'demo' });
    await expectProblem(await fetch(`${service.url}${accepted.links.overlay}`), 409, 'inspection_pending');
    expect(service.queue.get(accepted.id)?.payload).toMatchObject({ metadata: { batchId: 'B7' }, pixelSizeUm: 0.25 });
    // The same upload again is the same job.
    const again = await fetch(`${service.url}/v1/inspections`, { method: 'POST', body: form });
    expect(((await again.json()) as { id: string }).id).toBe(accepted.id);
    const health = await (await fetch(`${service.url}/healthz`)).json();
    expect(health).toMatchObject({ status: 'ok', tenant: 'local', queue: { queued: 1 } });
  });
});

import { jest } from '@jest/globals';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { escapeForLog } from '../../lambdas/api/security.js';
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
    expect(health).toMatchObject({ status: 'ok', runtime: 'local', queue: { queued: 1 } });
  });
});

/** Raw HTTP/1.1 exchanges (headers fetch would not send: Host, Origin; bodies sent slowly or cut off). */
function rawRequest(url: string, init: { method: string; path: string; headers: Record<string, string>; body?: Uint8Array }): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${init.path}`, { method: init.method, headers: init.headers });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('local HTTP API: methods, limits, metadata, idempotency and browser protections (issue 12)', () => {
  let home: string;
  let cleanup: () => void;
  let deps: TestDeps;
  let service: RunningService;
  const lines: string[] = [];
  const MAX_BYTES = 256 * 1024;
  let consoleError: ReturnType<typeof jest.spyOn>;

  beforeAll(async () => {
    ({ home, cleanup } = tempHome());
    deps = await createDeps(home);
    await saveTinyProfile(deps, 'demo');
    consoleError = jest.spyOn(console, 'error');
    service = await start(deps, testOptions(home, { inbox: null, limits: { maxBytes: MAX_BYTES, maxPixels: 300 * 300 }, worker: { concurrency: 0, leaseMs: 1000, maxAttempts: 1, retryDelayMs: 0, pollMs: 50 } }), lines);
  });
  afterAll(async () => {
    consoleError.mockRestore();
    await service.stop();
    await deps.close();
    cleanup();
  });

  test('a known path with another method is 405 with Allow, not 404; OPTIONS lists the methods', async () => {
    const res = await fetch(`${service.url}/v1/inspections`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
    expect(await res.json()).toMatchObject({ code: 'method_not_allowed', status: 405 });
    const put = await fetch(`${service.url}/v1/inspections/abc`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    const options = await fetch(`${service.url}/v1/webhooks/wh_0`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD, DELETE, OPTIONS');
    expect((await fetch(`${service.url}/v1/nothing`, { method: 'DELETE' })).status).toBe(404);
  });

  test('chunked uploads over the limit get a clean 413 every time, also past 64 MB (no connection reset)', async () => {
    // Each client writes its whole body, then reads the answer: a reset shows as an error instead of a status.
    const send = (total: number) =>
      new Promise<number | string>((resolve) => {
        const req = request(`${service.url}/v1/inspections`, { method: 'POST', headers: { 'content-type': 'image/png', 'transfer-encoding': 'chunked' } });
        let status: number | string = 'no answer';
        req.on('response', (res) => {
          status = res.statusCode ?? 0;
          res.resume();
        });
        req.on('error', (error) => (status = (error as NodeJS.ErrnoException).code ?? error.message));
        req.on('close', () => resolve(status));
        const chunk = new Uint8Array(256 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await send(MAX_BYTES * 8));
    statuses.push(await send(80 * 1024 * 1024));
    expect(statuses).toEqual([413, 413, 413, 413, 413, 413]);
  }, 60_000);

  test('dropped slow-body uploads log one line each and no stack trace; the service keeps answering', async () => {
    const before = lines.length;
    const { port } = new URL(service.url);
    await Promise.all(Array.from({ length: 20 }, () => new Promise<void>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /v1/inspections HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n\x89PNG');
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    })));
    await new Promise((r) => setTimeout(r, 300));
    const logged = lines.slice(before);
    expect(logged.length).toBeLessThanOrEqual(20);
    for (const line of logged) {
      expect(line).toMatch(/client closed the connection/);
      expect(line).not.toMatch(/\n\s+at /);
    }
    expect(consoleError).not.toHaveBeenCalled();
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });

  test('multipart metadata is validated on entry like the CLI: 400 naming each bad field, nothing queued', async () => {
    const form = new FormData();
    form.set('image', new Blob([await micrographPng(11, 32)], { type: 'image/png' }), 'bad-sheet.png');
    form.set('metadata', JSON.stringify({ sulfurLoadingWtPct: 'abc', pixelSizeUm: -5, batchId: 'B1' }));
    const res = await fetch(`${service.url}/v1/inspections`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; details: { fields: { field: string }[] } };
    expect(body.code).toBe('validation_failed');
    expect(body.details.fields.map((f) => f.field).sort()).toEqual(['pixelSizeUm', 'sulfurLoadingWtPct']);
    const notObject = new FormData();
    notObject.set('image', new Blob([await micrographPng(11, 32)], { type: 'image/png' }), 'x.png');
    notObject.set('metadata', '[1, 2]');
    expect((await fetch(`${service.url}/v1/inspections`, { method: 'POST', body: notObject })).status).toBe(400);
    expect(service.queue.counts().queued).toBe(0);
  });

  test('Idempotency-Key: same key and body replay the first answer; same key, other body is 409; a refused request replays its refusal', async () => {
    const png = await micrographPng(12, 32);
    const post = (key: string, body: Uint8Array, name = 'idem.png') =>
      fetch(`${service.url}/v1/inspections?name=${name}`, { method: 'POST', headers: { 'content-type': 'image/png', 'idempotency-key': key }, body });
    const first = await post('k-1', png);
    expect(first.status).toBe(202);
    const accepted = (await first.json()) as { id: string };
    const again = await post('k-1', png);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(`/v1/inspections/${accepted.id}`);
    expect(((await again.json()) as { id: string }).id).toBe(accepted.id);
    const other = await post('k-1', png, 'other.png');
    expect(other.status).toBe(409);
    expect(((await other.json()) as { code: string }).code).toBe('idempotency_key_reused');
    // A refused request is remembered too: the same bad request with the same key gets the same 4xx.
    const bad = await post('k-2', new Uint8Array(0));
    const badAgain = await post('k-2', new Uint8Array(0));
    expect([bad.status, badAgain.status]).toEqual([422, 422]);
    expect(badAgain.headers.get('idempotent-replayed')).toBe('true');
  });

  test('re-posting the same image with a corrected sheet is a new inspection, not the old one', async () => {
    const png = await micrographPng(14, 32);
    const post = async (sheet: Record<string, unknown>) => {
      const form = new FormData();
      form.set('image', new Blob([png], { type: 'image/png' }), 'resheet.png');
      form.set('metadata', JSON.stringify(sheet));
      return ((await (await fetch(`${service.url}/v1/inspections`, { method: 'POST', body: form })).json()) as { id: string }).id;
    };
    const first = await post({ batchId: 'B9', sulfurLoadingWtPct: 60 });
    expect(await post({ batchId: 'B9', sulfurLoadingWtPct: 60 })).toBe(first);
    const corrected = await post({ batchId: 'B9', sulfurLoadingWtPct: 70 });
    expect(corrected).not.toBe(first);
    expect(service.queue.get(corrected)?.payload).toMatchObject({ metadata: { sulfurLoadingWtPct: 70 } });
  });

  test('DNS rebinding: a Host that is not configured is refused; cross-site writes are refused; no CORS unless configured', async () => {
    const rebound = await rawRequest(service.url, { method: 'GET', path: '/healthz', headers: { host: 'evil.example:7433' } });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ code: 'host_not_allowed' });
    expect((await rawRequest(service.url, { method: 'GET', path: '/healthz', headers: { host: 'localhost:7433' } })).status).toBe(200);

    const png = await micrographPng(13, 32);
    const crossOrigin = await rawRequest(service.url, { method: 'POST', path: '/v1/inspections', headers: { host: '127.0.0.1', origin: 'https://evil.example', 'content-type': 'image/png' }, body: png });
    expect(crossOrigin.status).toBe(403);
    expect(JSON.parse(crossOrigin.body)).toMatchObject({ code: 'cross_site_request' });
    const crossSite = await rawRequest(service.url, { method: 'POST', path: '/v1/webhooks', headers: { host: '127.0.0.1', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, body: new TextEncoder().encode('{}') });
    expect(crossSite.status).toBe(403);
    const read = await rawRequest(service.url, { method: 'GET', path: '/v1/profiles', headers: { host: '127.0.0.1', origin: 'https://evil.example' } });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('user-controlled text cannot forge or flood log lines', () => {
    expect(escapeForLog('a\nFAKE: line\u001b[31m')).toBe('a\\u000aFAKE: line\\u001b[31m');
    expect(escapeForLog('x'.repeat(500)).length).toBeLessThanOrEqual(201);
  });
});

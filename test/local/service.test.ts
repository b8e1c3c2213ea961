import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Report } from '../../lambdas/domain/report/report.js';
import { seedDemoProfile } from '../../lambdas/local/demo-profile.js';
import { SqliteJobQueue } from '../../lambdas/local/job-queue.js';
import type { LocalServiceOptions } from '../../lambdas/local/service.js';
import { createDeps, micrographPng, prepareDemoProfile, start, tempHome, testOptions, waitFor, waitForReport, type TestDeps } from './support.js';

describe('local service end to end', () => {
  let home: string;
  let cleanup: () => void;
  let deps: TestDeps;
  let options: LocalServiceOptions;

  beforeAll(async () => {
    ({ home, cleanup } = tempHome());
    deps = await createDeps(home);
    await prepareDemoProfile(deps, home);
    options = testOptions(home);
  });
  afterAll(async () => {
    await deps.close();
    cleanup();
  });

  test('idle keep-alive connections stay open 30 s: a client busy for a few seconds does not send on a closed one', async () => {
    const service = await start(deps, options);
    try {
      const header = await new Promise<string | undefined>((resolve, reject) => {
        get(`${service.url}/healthz`, { agent: new Agent({ keepAlive: true }) }, (res) => {
          res.resume();
          resolve(res.headers['keep-alive'] as string | undefined);
        }).on('error', reject);
      });
      // What a client pool reads to know how long it may reuse the connection (Node's default would say 5).
      expect(header).toBe('timeout=30');
    } finally {
      await service.stop();
    }
  });

  test('POST a PNG → 202 → poll GET until the completed report; heatmap and overlay are PNGs', async () => {
    const service = await start(deps, options);
    try {
      const res = await fetch(`${service.url}/v1/inspections?name=field-1.png&pixelSizeUm=0.1`, {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: await micrographPng(101, 128, 'void'),
      });
      expect(res.status).toBe(202);
      const accepted = (await res.json()) as { id: string; status: string; links: { self: string; heatmap: string; overlay: string } };
      expect(accepted.status).toBe('queued');
      expect(res.headers.get('location')).toBe(accepted.links.self);

      const report = await waitForReport(service.url, accepted.id);
      expect(report).toMatchObject({ id: accepted.id, tenant: 'local', status: 'completed', input: { name: 'field-1.png' } });
      for (const link of [accepted.links.heatmap, accepted.links.overlay]) {
        const image = await fetch(`${service.url}${link}`);
        expect(image.status).toBe(200);
        expect(image.headers.get('content-type')).toBe('image/png');
        const meta = await sharp(new Uint8Array(await image.arrayBuffer())).metadata();
        expect(meta.format).toBe('png');
        expect(meta.width).toBeGreaterThan(0);
      }
      const profiles = (await (await fetch(`${service.url}/v1/profiles`)).json()) as { items: { name: string; latestVersion: number }[] };
      expect(profiles.items).toEqual([expect.objectContaining({ name: 'demo', latestVersion: 1 })]);
      // The demo profile is seeded once: a second start finds it and enrols nothing.
      expect(await seedDemoProfile(deps, { tenant: 'local', name: 'demo', images: 6, size: 96, pixelSizeUm: 0.1, samplesDir: null }, () => undefined)).toBe(false);
      expect(existsSync(join(home, 'samples', 'sample-void.png'))).toBe(true);
    } finally {
      await service.stop();
    }
  });

  test('restart: a job accepted by a service stopped before it ran completes after the next start', async () => {
    const apiOnly = await start(deps, { ...options, inbox: null, worker: { ...options.worker, concurrency: 0 } });
    const res = await fetch(`${apiOnly.url}/v1/inspections?name=restart.png`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: await micrographPng(102, 96) });
    const { id } = (await res.json()) as { id: string };
    expect(apiOnly.queue.get(id)?.status).toBe('queued');
    await apiOnly.stop();

    const service = await start(deps, { ...options, inbox: null });
    try {
      const report = await waitForReport(service.url, id);
      expect(report.status).toBe('completed');
      expect(report.input.name).toBe('restart.png');
    } finally {
      await service.stop();
    }
  });

  test('inbox: files dropped while stopped are processed at start; a damaged one ends in failed/ with a reason and a failed report, a cut one is refused at the door', async () => {
    const inbox = join(home, 'inbox');
    await mkdir(inbox, { recursive: true });
    await writeFile(join(inbox, 'tile-7.png'), await micrographPng(103, 96));
    await writeFile(join(inbox, 'tile-7.png.json'), JSON.stringify({ batchId: 'LiS-42', sulfurLoadingWtPct: 70 }));
    // Complete (every chunk in place) but with its pixel data scrambled: only the full decode finds it.
    const png = Buffer.from(await micrographPng(104, 96));
    for (let i = Math.floor(png.length * 0.4); i < png.length * 0.6; i++) png[i]! ^= 0x5a;
    await writeFile(join(inbox, 'broken.png'), png);
    const cut = await micrographPng(107, 96);
    await writeFile(join(inbox, 'cut.png'), cut.subarray(0, 200));

    const service = await start(deps, options);
    try {
      const reportFile = join(inbox, 'processed', 'tile-7.png.report.json');
      await waitFor(async () => (existsSync(reportFile) ? true : undefined), 30_000, 'tile-7.png to be processed');
      expect(existsSync(join(inbox, 'tile-7.png'))).toBe(false);
      expect(existsSync(join(inbox, 'processed', 'tile-7.png'))).toBe(true);
      expect(existsSync(join(inbox, 'processed', 'tile-7.png.json'))).toBe(true);
      const processed = JSON.parse(await readFile(reportFile, 'utf8')) as Report;
      expect(processed).toMatchObject({ status: 'completed', input: { name: 'tile-7.png' }, metadata: { batchId: 'LiS-42' } });
      expect(await (await fetch(`${service.url}/v1/inspections/${processed.id}`)).json()).toMatchObject({ id: processed.id, status: 'completed' });

      const reasonFile = join(inbox, 'failed', 'broken.png.reason.json');
      await waitFor(async () => (existsSync(reasonFile) ? true : undefined), 30_000, 'broken.png to fail');
      expect(existsSync(join(inbox, 'failed', 'broken.png'))).toBe(true);
      const reason = JSON.parse(await readFile(reasonFile, 'utf8')) as { reportId: string; code: string; message: string };
      expect(reason.code).toBe('corrupt_image');
      expect(reason.message.length).toBeGreaterThan(0);
      const failed = (await (await fetch(`${service.url}/v1/inspections/${reason.reportId}`)).json()) as Report;
      expect(failed).toMatchObject({ status: 'failed', failure: { code: reason.code } });
      const failedImage = await fetch(`${service.url}/v1/inspections/${reason.reportId}/heatmap.png`);
      expect(failedImage.status).toBe(404);

      // Cut short: refused at the door like an HTTP upload (no job, no report), with the same code.
      await waitFor(async () => (existsSync(join(inbox, 'failed', 'cut.png.reason.json')) ? true : undefined), 30_000, 'cut.png to be refused');
      expect(JSON.parse(await readFile(join(inbox, 'failed', 'cut.png.reason.json'), 'utf8'))).toMatchObject({ code: 'truncated_image', stage: 'inbox', reportId: null });
    } finally {
      await service.stop();
    }
  });

  test('inbox: a file dropped while running is picked up once its write has finished', async () => {
    const service = await start(deps, options);
    try {
      const inbox = join(home, 'inbox');
      await writeFile(join(inbox, 'live.png'), await micrographPng(105, 96));
      const reportFile = join(inbox, 'processed', 'live.png.report.json');
      await waitFor(async () => (existsSync(reportFile) ? true : undefined), 30_000, 'live.png to be processed');
      expect(JSON.parse(await readFile(reportFile, 'utf8'))).toMatchObject({ status: 'completed', input: { name: 'live.png' } });
    } finally {
      await service.stop();
    }
  });

  test('inbox: a file whose job already ended is not run again (crash before the move); a bad sidecar fails the file', async () => {
    const inbox = join(home, 'inbox');
    // tile-7.png was processed by an earlier test; put it back as if the service died before moving it.
    await writeFile(join(inbox, 'tile-7.png.json'), await readFile(join(inbox, 'processed', 'tile-7.png.json')));
    await writeFile(join(inbox, 'tile-7.png'), await readFile(join(inbox, 'processed', 'tile-7.png')));
    await writeFile(join(inbox, 'odd.png'), await micrographPng(106, 64));
    await writeFile(join(inbox, 'odd.png.json'), '{"batchId": ');
    const stopped = new SqliteJobQueue(join(home, 'service', 'queue.sqlite'));
    const before = stopped.counts();
    stopped.close();
    const service = await start(deps, options);
    try {
      await waitFor(async () => (existsSync(join(inbox, 'processed', 'tile-7-2.png.report.json')) ? true : undefined), 10_000, 'tile-7.png to be moved again');
      const again = JSON.parse(await readFile(join(inbox, 'processed', 'tile-7-2.png.report.json'), 'utf8')) as Report;
      const first = JSON.parse(await readFile(join(inbox, 'processed', 'tile-7.png.report.json'), 'utf8')) as Report;
      expect(again.id).toBe(first.id);
      expect(service.queue.counts()).toEqual(before);

      const reasonFile = join(inbox, 'failed', 'odd.png.reason.json');
      await waitFor(async () => (existsSync(reasonFile) ? true : undefined), 10_000, 'odd.png to fail');
      // Validated as `mmdo inspect --metadata` validates a sheet: the same code, validation_failed.
      expect(JSON.parse(await readFile(reasonFile, 'utf8'))).toMatchObject({ code: 'validation_failed', reportId: null, message: expect.stringMatching(/odd\.png\.json: the synthesis sheet is not valid JSON/) });
      expect(existsSync(join(inbox, 'failed', 'odd.png.json'))).toBe(true);
    } finally {
      await service.stop();
    }
  });
});

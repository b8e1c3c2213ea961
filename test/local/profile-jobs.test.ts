/**
 * Profile jobs on the local service, as `mmdo serve` runs them: enrolments in their own worker thread (a real local
 * runtime on the same MMDO_HOME), so the API answers while one runs; errors keep their codes across the thread; a
 * job a stopped service left running is recorded failed when the service starts again.
 */
import { existsSync, mkdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { FileArtifactStore } from '../../lambdas/adapters/files/file-artifact-store.js';
import { SqliteProfileJobStore } from '../../lambdas/adapters/local/store/profile-job-store.js';
import { ProfileWorkThread } from '../../lambdas/local/http/profile-thread.js';
import type { RunningService } from '../../lambdas/local/service.js';
import { DEFAULT_INGEST_LIMITS } from '../../lambdas/ports/image-codec.js';
import { createDeps, micrographPng, start, tempHome, testOptions, type TestDeps } from './support.js';

type Job = { id: string; status: string; stage: string | null; versions: { version: number }[]; failure: { code: string; message: string } | null; uploads?: { index: number; upload: { url: string; fields: Record<string, string> } }[]; links: Record<string, string>; result?: Record<string, unknown> };

async function upload(form: { url: string; fields: Record<string, string> }, bytes: Uint8Array): Promise<number> {
  const body = new FormData();
  for (const [k, v] of Object.entries(form.fields)) body.set(k, v);
  body.set('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: form.fields['Content-Type'] }), 'x.png');
  return (await fetch(form.url, { method: 'POST', body })).status;
}

describe('profile jobs on the local service', () => {
  let home: string;
  let cleanup: () => void;
  let deps: TestDeps;
  let thread: ProfileWorkThread;
  let service: RunningService | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    ({ home, cleanup } = tempHome());
    deps = await createDeps(home);
    // A job a stopped service left running: the next start records it failed (its work may have gone part way).
    mkdirSync(join(home, 'service'), { recursive: true });
    const store = new SqliteProfileJobStore(join(home, 'service', 'queue.sqlite'));
    const at = new Date().toISOString();
    await store.create({ id: 'enr_000000000000000000000001', tenant: 'local', kind: 'enrolment', profile: 'left', status: 'queued', createdAt: at, images: [] });
    await store.claim('local', 'enr_000000000000000000000001', at);
    store.close();
    // Staged uploads of an enrolment 8 days ago and of one today: the service expires `work/` after 7 days.
    const artifacts = new FileArtifactStore(join(home, 'artifacts'));
    await artifacts.put('work/local/enrolments/enr_old/0', new Uint8Array([1]), 'image/png');
    await artifacts.put('work/local/enrolments/enr_new/0', new Uint8Array([2]), 'image/png');
    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
    utimesSync(artifacts.pathOf('work/local/enrolments/enr_old/0'), eightDaysAgo, eightDaysAgo);
    thread = new ProfileWorkThread({ home, backbone: 'builtin', env: { MMDO_HOME: home }, limits: DEFAULT_INGEST_LIMITS });
    service = await start({ ...deps, profileWork: thread }, testOptions(home, { inbox: null }), lines);
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
    await thread?.close();
    await deps?.close();
    cleanup?.();
  });

  async function enrol(name: string, images: Uint8Array[], options: Record<string, unknown> = {}): Promise<Job> {
    const res = await fetch(`${service!.url}/v1/profiles`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, pixelSizeUm: 0.1, ...options, images: images.map((b, i) => ({ name: `${name}-${i}.png`, contentType: 'image/png', bytes: b.length })) }),
    });
    const job = (await res.json()) as Job;
    for (const u of job.uploads!) expect(await upload(u.upload, images[u.index]!)).toBe(204);
    expect((await fetch(`${service!.url}${job.links.start}`, { method: 'POST' })).status).toBe(202);
    return job;
  }

  test('staged enrolment uploads older than 7 days are removed at start, as the cloud bucket expires work/', async () => {
    const artifacts = new FileArtifactStore(join(home, 'artifacts'));
    expect(await artifacts.get('work/local/enrolments/enr_old/0')).toBeUndefined();
    expect(existsSync(join(home, 'artifacts', 'data', 'work', 'local', 'enrolments', 'enr_old'))).toBe(false);
    expect(Array.from((await artifacts.get('work/local/enrolments/enr_new/0'))!.bytes)).toEqual([2]);
    expect(lines).toContain('work files: removed 1 older than 7 days (staged enrolment uploads)');
  });

  test('a job left running by a stopped service is failed with the reason at start', async () => {
    const res = await fetch(`${service!.url}/v1/profiles/left/enrolments/enr_000000000000000000000001`);
    expect(await res.json()).toMatchObject({ status: 'failed', failure: { code: 'service_stopped' } });
  });

  test('an enrolment runs in the profile thread: /healthz answers throughout; the version is there after, with the declared rate', async () => {
    const images = await Promise.all(Array.from({ length: 10 }, (_, i) => micrographPng(500 + i, 256)));
    const job = await enrol('threaded', images, { suspectRate: 0.05 });
    const latencies: number[] = [];
    const stages = new Set<string>();
    let status = 'queued';
    let result: Job['result'];
    const deadline = Date.now() + 120_000;
    while (status !== 'completed' && status !== 'failed' && Date.now() < deadline) {
      const t = performance.now();
      expect((await fetch(`${service!.url}/healthz`)).status).toBe(200);
      latencies.push(performance.now() - t);
      const current = (await (await fetch(`${service!.url}${job.links.self}`)).json()) as Job;
      status = current.status;
      result = current.result;
      if (current.stage) stages.add(current.stage);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('completed');
    const profile = (await (await fetch(`${service!.url}/v1/profiles/threaded`)).json()) as { latestVersion: number; versions: { bankImages: number }[] };
    expect(profile.latestVersion).toBe(1);
    expect(result).toMatchObject({ operating: { suspectRate: 0.05, falseAlarmRate: 0.001 } });
    // The service's own thread only waited: every health check was answered, promptly.
    expect(latencies.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...latencies)).toBeLessThan(2000);
  }, 180_000);

  test('an error in the thread ends the job failed with its code and message', async () => {
    const job = await enrol('single', [await micrographPng(520, 128)]);
    let current: Job;
    do {
      await new Promise((r) => setTimeout(r, 100));
      current = (await (await fetch(`${service!.url}${job.links.self}`)).json()) as Job;
    } while (current.status !== 'completed' && current.status !== 'failed');
    expect(current).toMatchObject({ status: 'failed', versions: [], failure: { code: 'validation_failed', message: expect.stringMatching(/at least 2 images/) } });
  }, 60_000);
});

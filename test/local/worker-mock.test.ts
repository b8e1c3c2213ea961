import { micrographPng, mockDeps, saveTinyProfile, start, tempHome, testOptions, waitFor, waitForReport } from './support.js';

// These use a MOCK InspectionService: no real pipeline can be made to throw or hang on demand.
describe('local service worker (mock InspectionService)', () => {
  let home: string;
  let cleanup: () => void;
  beforeEach(() => ({ home, cleanup } = tempHome()));
  afterEach(() => cleanup());

  test('mock: a pipeline that throws is retried, then ends as a failed report with the reason', async () => {
    const deps = mockDeps(home, { throws: () => true });
    await saveTinyProfile(deps, 'demo');
    const service = await start(deps, testOptions(home, { inbox: null, worker: { concurrency: 1, leaseMs: 60_000, maxAttempts: 2, retryDelayMs: 0, pollMs: 50 } }));
    try {
      const res = await fetch(`${service.url}/v1/inspections`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: await micrographPng(1, 64) });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      const report = await waitForReport(service.url, id);
      expect(report).toMatchObject({ id, status: 'failed', failure: { code: 'pipeline_error', message: 'mock pipeline exploded' } });
      expect(deps.calls).toHaveLength(2);
      expect(service.queue.get(id)).toMatchObject({ status: 'failed', attempts: 2 });
    } finally {
      await service.stop();
      deps.close();
    }
  });

  test('mock: a job left running by a crashed worker is taken again after its lease and completes', async () => {
    const deps = mockDeps(home);
    await saveTinyProfile(deps, 'demo');
    const options = testOptions(home, { inbox: null, worker: { concurrency: 0, leaseMs: 300, maxAttempts: 3, retryDelayMs: 0, pollMs: 50 } });
    const first = await start(deps, options);
    const res = await fetch(`${first.url}/v1/inspections?name=crash.png`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: await micrographPng(2, 64) });
    const { id } = (await res.json()) as { id: string };
    // Claim it as a worker would, then "crash": stop without completing or releasing.
    expect(first.queue.claimSync(300)?.id).toBe(id);
    await first.stop();

    const second = await start(deps, { ...options, worker: { ...options.worker, concurrency: 1 } });
    try {
      const report = await waitForReport(second.url, id);
      expect(report.status).toBe('completed');
      expect(second.queue.get(id)?.attempts).toBe(2);
    } finally {
      await second.stop();
      deps.close();
    }
  });

  test('mock: graceful stop releases a job that does not finish in time, and the next start runs it', async () => {
    const deps = mockDeps(home);
    // The first run never finishes (a stuck pipeline); the second service gets the normal mock.
    const stuck = { ...deps, inspections: { inspect: () => new Promise<never>(() => undefined) } };
    await saveTinyProfile(deps, 'demo');
    const lines: string[] = [];
    const options = testOptions(home, { inbox: null, shutdownGraceMs: 200 });
    const first = await start(stuck, options, lines);
    const res = await fetch(`${first.url}/v1/inspections`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: await micrographPng(3, 64) });
    const { id } = (await res.json()) as { id: string };
    await waitFor(async () => (first.queue.get(id)?.status === 'running' ? true : undefined), 5000, 'the job to run');
    await first.stop();
    expect(lines.some((l) => l.includes(`job ${id}: released unfinished`))).toBe(true);

    const second = await start(deps, options);
    try {
      const report = await waitForReport(second.url, id);
      expect(report.status).toBe('completed');
      expect(second.queue.get(id)).toMatchObject({ status: 'completed', attempts: 1 });
    } finally {
      await second.stop();
      deps.close();
    }
  });
});

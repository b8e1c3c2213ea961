/**
 * Bounded loopback load test of the local service (`npm run loadtest`): a fixed number of requests per route with
 * autocannon, reporting requests/s and p50/p95/p99 latency for GET a report, GET a list and POST an inspection.
 * Starts its own service on 127.0.0.1 on a temporary MMDO_HOME (built-in backbone, the demo profile). POSTs
 * measure the door (checks + durable enqueue): the worker is off while they run, so they do not compete with
 * inspections for the CPU. Options: --requests N (per route, default 2000), --connections N (default 10).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createLocalRuntime } from '../lambdas/adapters/local/runtime.js';
import { encodeGreyPng, seedDemoProfile } from '../lambdas/local/demo-profile.js';
import { defaultServiceOptions, startLocalService } from '../lambdas/local/service.js';
import { generateMicrograph } from '../lambdas/domain/synth/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 100_000) throw new Error(`--${name} takes a whole number from 1 to 100000`);
  return value;
};
const REQUESTS = arg('requests', 2000);
const CONNECTIONS = arg('connections', 10);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(name: string, options: autocannon.Options): Promise<Record<string, string | number>> {
  const times: number[] = [];
  // Without a callback autocannon returns its instance (an event emitter) that is also a promise of the result.
  const instance = autocannon({ connections: CONNECTIONS, amount: REQUESTS, ...options }) as unknown as autocannon.Instance & Promise<autocannon.Result>;
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => times.push(ms));
  const result = await instance;
  times.sort((a, b) => a - b);
  const non2xx = result.non2xx + result.errors + result.timeouts;
  return {
    route: name, requests: result.requests.total, 'requests/s': Math.round(result.requests.total / (result.duration || 1)),
    'p50 ms': percentile(times, 50).toFixed(1), 'p95 ms': percentile(times, 95).toFixed(1), 'p99 ms': percentile(times, 99).toFixed(1), 'not 2xx': non2xx,
  };
}

const home = mkdtempSync(join(tmpdir(), 'mmdo-load-'));
const log = () => undefined;
const runtime = await createLocalRuntime({ home, backboneOverride: 'builtin', env: {} });
try {
  await seedDemoProfile(runtime, { tenant: 'local', name: 'demo', images: 8, size: 128, pixelSizeUm: 0.1, samplesDir: null }, log);
  const defaults = defaultServiceOptions(home, {});
  const png = await encodeGreyPng(generateMicrograph({ seed: 7, width: 256, height: 256, pixelSizeUm: 0.1 }).image);
  const results: Record<string, string | number>[] = [];

  // One report to read, made by a running worker; twenty more so the list has a page to fill.
  let service = await startLocalService(runtime, { ...defaults, port: 0, inbox: null }, log);
  const ids: string[] = [];
  for (let i = 0; i < 21; i++) {
    const res = await fetch(`${service.url}/v1/inspections?name=seed-${i}.png`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
    ids.push(((await res.json()) as { id: string }).id);
  }
  for (;;) {
    const body = (await (await fetch(`${service.url}/v1/inspections/${ids.at(-1)}`)).json()) as { status: string };
    if (body.status === 'completed' || body.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  results.push(await measure('GET /v1/inspections/{id}', { url: `${service.url}/v1/inspections/${ids[0]}` }));
  results.push(await measure('GET /v1/inspections?limit=20', { url: `${service.url}/v1/inspections?limit=20` }));
  await service.stop();

  // The door alone: every POST a new image name (a new job), nothing inspected meanwhile.
  service = await startLocalService(runtime, { ...defaults, port: 0, inbox: null, worker: { ...defaults.worker, concurrency: 0 } }, log);
  let n = 0;
  results.push(await measure('POST /v1/inspections (256² PNG)', {
    url: service.url,
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, path: `/v1/inspections?name=load-${n++}.png`, headers: { 'content-type': 'image/png' }, body: Buffer.from(png) }) }],
  }));
  await service.stop();

  console.log(`${REQUESTS} requests per route, ${CONNECTIONS} connections, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString()}`);
  console.table(results);
} finally {
  await runtime.close();
  rmSync(home, { recursive: true, force: true });
}

import sharp from 'sharp';
import { PipelinePool, pipelineThreadConfig } from '../../lambdas/local/pipeline-pool.js';
import { createDeps, prepareDemoProfile, start, tempHome, testOptions, waitForReport } from '../local/support.js';

/** A large grey micrograph-like PNG (noise over a gradient), cheap to make at any size. */
async function largePng(side: number): Promise<Uint8Array> {
  const png = await sharp({ create: { width: side, height: side, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .blur(1.2)
    .toColourspace('b-w')
    .png({ compressionLevel: 1 })
    .toBuffer();
  return new Uint8Array(png);
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const SIDE = Number(process.env.MMDO_RESPONSIVENESS_SIDE ?? 2048);
const IN_PROCESS = process.env.MMDO_RESPONSIVENESS_IN_PROCESS === '1'; // the pre-pool service, to show the difference

/**
 * While a large image is inspected, /healthz and report reads keep answering fast: the pipeline runs in worker
 * threads (PipelinePool), not on the service's event loop. The target is 50 ms p99; the bound asserted is generous
 * (250 ms) because this machine is shared. With the pipeline on the event loop (MMDO_RESPONSIVENESS_IN_PROCESS=1)
 * reads stall for seconds.
 */
test(`/healthz and report reads stay fast while a ${SIDE}² image is inspected`, async () => {
  const { home, cleanup } = tempHome();
  const deps = await createDeps(home);
  await prepareDemoProfile(deps, home);
  const pool = IN_PROCESS ? undefined : await PipelinePool.start({ ...pipelineThreadConfig({ config: { home, backbone: 'builtin' } }, testOptions(home).limits, {}), size: 1 });
  const service = await start(pool ? { ...deps, inspections: pool } : deps, testOptions(home, { inbox: null }));
  try {
    const small = await fetch(`${service.url}/v1/inspections?name=small.png`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: await largePng(128) });
    const { id: smallId } = (await small.json()) as { id: string };
    await waitForReport(service.url, smallId);

    // The same reads with nothing running: this machine's own latency, which a busy shared machine inflates.
    const baseline: number[] = [];
    const idleUntil = Date.now() + 2000;
    while (Date.now() < idleUntil) {
      for (const path of ['/healthz', `/v1/inspections/${smallId}`]) {
        const t = performance.now();
        await (await fetch(`${service.url}${path}`)).arrayBuffer();
        baseline.push(performance.now() - t);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await fetch(`${service.url}/v1/inspections?name=large.png&pixelSizeUm=0.1`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: await largePng(SIDE) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const latencies: number[] = [];
    let status = 'queued';
    const started = Date.now();
    while (status !== 'completed' && status !== 'failed' && Date.now() - started < 240_000) {
      for (const path of ['/healthz', `/v1/inspections/${smallId}`]) {
        const t = performance.now();
        const r = await fetch(`${service.url}${path}`);
        await r.arrayBuffer();
        latencies.push(performance.now() - t);
      }
      const t = performance.now();
      status = ((await (await fetch(`${service.url}/v1/inspections/${id}`)).json()) as { status: string }).status;
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe('completed');
    const p99 = percentile(latencies, 0.99);
    const idleP99 = percentile(baseline, 0.99);
    process.stderr.write(`responsiveness: ${SIDE}² inspected in ${((Date.now() - started) / 1000).toFixed(1)} s; ${latencies.length} reads, p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (idle p99 ${idleP99.toFixed(1)} ms)\n`);
    expect(latencies.length).toBeGreaterThan(50);
    // Target 50 ms p99 on a quiet machine. The bound is generous and scales with this machine's idle latency (a
    // shared CI box), but the pipeline on the event loop would stall reads for seconds and fail it by far.
    expect(p99).toBeLessThan(Math.max(250, 4 * idleP99 + 100));
    expect(p99).toBeLessThan(1000);
  } finally {
    await service.stop();
    await pool?.close();
    await deps.close();
    cleanup();
  }
}, 300_000);

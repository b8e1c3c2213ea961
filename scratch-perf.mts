import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalRuntime } from './lambdas/adapters/local/runtime.ts';
import { grainTexture, toPng, drawVoid } from './test/e2e/textures.ts';
const home = await mkdtemp(join(tmpdir(), 'mmdo-perf-'));
const settings = JSON.parse(process.env.ENROLL ?? '{}');
const runtime = await createLocalRuntime({ home, backboneOverride: process.env.BB, enrollment: settings, inspection: JSON.parse(process.env.INSPECT ?? '{}') });
const dir = '/tmp/mm/big/normal';
const files = (await readdir(dir)).sort().slice(0, Number(process.env.N ?? 200));
const images = await Promise.all(files.map(async (f) => ({ name: f, bytes: new Uint8Array(await readFile(join(dir, f))) })));
let t = performance.now(); const ecpu0 = process.cpuUsage();
const res = await runtime.enrollment.enroll({ tenant: 'local', profile: 'p', images, pixelSizeUm: 0.5 }, (s, f, d) => console.error(Math.round(performance.now() - t), s, f.toFixed(2), d ?? ''));
const ecpu = process.cpuUsage(ecpu0);
console.log('enroll ms', Math.round(performance.now() - t), 'cpu ms', Math.round((ecpu.user + ecpu.system) / 1000), JSON.stringify(res));
const big = grainTexture(1024, 9); drawVoid(big, 500, 500, 20);
const png = await toPng(big);
for (let i = 0; i < 4; i++) {
  t = performance.now(); const cpu0 = process.cpuUsage();
  const r = await runtime.inspections.inspect({ tenant: 'local', name: 'big.png', bytes: png, profile: 'p' });
  const cpu = process.cpuUsage(cpu0);
  console.log('inspect ms', Math.round(performance.now() - t), 'cpu ms', Math.round((cpu.user + cpu.system) / 1000), r.status, r.failure?.message, r.scores?.verdict, r.scores?.score.toFixed(3), r.regions.length, JSON.stringify(r.timingsMs));
}
console.log('peak rss MB', Math.round(process.resourceUsage().maxRSS / 1024));
await runtime.close();

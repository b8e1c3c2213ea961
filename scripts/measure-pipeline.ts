/**
 * Speed of the local pipeline: enrols generated normal micrographs into a temporary MMDO_HOME, then inspects a
 * generated 1024² micrograph several times and prints per-stage times (median), wall and CPU time per inspection
 * (process.cpuUsage, every thread: on a loaded machine CPU time is the steadier figure), the CPU time of the
 * inspecting thread alone (Linux; about the critical path on an idle machine once other stages run on other threads,
 * ONNX Runtime running on the calling thread and its pool), and peak RSS.
 *
 *   nice -n -10 npx tsx scripts/measure-pipeline.ts [--backbone builtin|PATH] [--size 1024] [--runs 5] [--enrol 10] [--enrol-size 256]
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLocalRuntime } from '../lambdas/adapters/local/runtime.js';
import { encodeGreyPng } from '../lambdas/local/demo-profile.js';
import { generateMicrograph } from '../lambdas/domain/synth/index.js';

const { values: args } = parseArgs({
  options: {
    backbone: { type: 'string', default: 'builtin' },
    size: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '5' },
    enrol: { type: 'string', default: '10' },
    'enrol-size': { type: 'string', default: '256' },
  },
});
/** CPU ms of this process's main thread alone (Linux: /proc), or NaN elsewhere: the inspecting thread's own work. */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return NaN;
  }
}

const home = await mkdtemp(join(tmpdir(), 'mmdo-measure-'));
let peak = 0;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
try {
  const runtime = await createLocalRuntime({ home, backboneOverride: args.backbone });
  const enrolSize = Number(args['enrol-size']);
  const images = await Promise.all(Array.from({ length: Number(args.enrol) }, async (_, i) => ({
    name: `n${i}.png`,
    bytes: await encodeGreyPng(generateMicrograph({ seed: 100 + i, width: enrolSize, height: enrolSize, pixelSizeUm: 0.1 }).image),
  })));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const enrolled = await runtime.enrollment.enroll({ tenant: 'local', profile: 'p', images, pixelSizeUm: 0.1 });
  const enrolCpu = process.cpuUsage(cpu0);
  console.log(`${runtime.backbone.descriptor.id}: enrolled ${images.length}x${enrolSize}² in ${((performance.now() - t0) / 1000).toFixed(2)} s wall, ` +
    `${((enrolCpu.user + enrolCpu.system) / 1e6).toFixed(2)} s CPU; stages ${JSON.stringify(enrolled.timingsMs)}`);

  const size = Number(args.size);
  const bytes = await encodeGreyPng(generateMicrograph({ seed: 5, width: size, height: size, pixelSizeUm: 0.1, anomaly: 'crack' }).image);
  const stages = new Map<string, number[]>();
  const walls: number[] = [];
  const cpus: number[] = [];
  const busy: number[] = [];
  for (let run = 0; run <= Number(args.runs); run++) {
    const c = process.cpuUsage();
    const m = mainThreadCpuMs();
    const t = performance.now();
    const report = await runtime.inspections.inspect({ tenant: 'local', name: 'x.png', bytes, profile: 'p' });
    const wall = performance.now() - t;
    const used = process.cpuUsage(c);
    const mainCpu = mainThreadCpuMs() - m;
    if (report.status !== 'completed') throw new Error(JSON.stringify(report.failure));
    if (run === 0) continue; // warm-up: session and index caches
    walls.push(wall);
    cpus.push((used.user + used.system) / 1000);
    busy.push(mainCpu);
    for (const [k, v] of Object.entries(report.timingsMs)) stages.set(k, [...(stages.get(k) ?? []), v]);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`inspect ${size}²: wall median ${median(walls).toFixed(0)} ms (min ${Math.min(...walls).toFixed(0)}), CPU median ${median(cpus).toFixed(0)} ms (min ${Math.min(...cpus).toFixed(0)}), ` +
    `main thread CPU median ${median(busy).toFixed(0)} ms`);
  console.log(`stages (median ms): ${[...stages].map(([k, v]) => `${k} ${median(v).toFixed(0)}`).join(', ')}`);
  await runtime.close();
} finally {
  clearInterval(sampler);
  console.log(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
  await rm(home, { recursive: true, force: true });
}

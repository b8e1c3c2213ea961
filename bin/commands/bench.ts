import type { Command } from 'commander';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseOptions } from './cli-errors.js';
import { renderTable } from '../../lambdas/application/evaluate/table.js';
import { extractFeatures } from '../../lambdas/application/features.js';
import { prepareImage } from '../../lambdas/application/prepare.js';
import { patchScoring, searchGrids } from '../../lambdas/application/scoring.js';
import { STAGE_NAMES, STAGES } from '../../lambdas/application/pipeline/definition.js';
import { createLocalRuntime, type LocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { ExactIndex, ApproximateIndex, measureRecall } from '../../lambdas/adapters/local/vector-index/index.js';
import { concatFloat32 } from '../../lambdas/domain/arrays.js';
import { centroidOf, squaredDistance } from '../../lambdas/domain/evaluation/centroid.js';
import { generateMicrograph } from '../../lambdas/domain/synth/index.js';
import { sharedBackbonePath } from './evaluate.js';
import { defaultPipelineThreads, PipelinePool, pipelineThreadConfig } from '../../lambdas/local/pipeline-pool.js';
import { DEFAULT_INGEST_LIMITS } from '../../lambdas/ports/image-codec.js';
import { DEFAULT_SCORING_SETTINGS } from '../../lambdas/domain/profile/settings.js';

import { ALLOCATOR_ENV } from '../../lambdas/adapters/allocator.js';
const execFileAsync = promisify(execFile);

const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => Number(s.trim())) : v);

const OptionsSchema = z.object({
  sizes: z.preprocess(list, z.array(z.number().int().min(64).max(8192)).min(1)).default([256, 1024, 2048]),
  enrol: z.preprocess(list, z.array(z.number().int().min(2).max(2000)).min(1)).default([10, 50, 200]),
  repeats: z.coerce.number().int().min(1).max(50).default(3),
  /** Uploads in flight at once for the throughput row (through the service's pipeline threads); 0 skips it. */
  concurrency: z.coerce.number().int().min(0).max(32).default(4),
  /** Side of one large image inspected in a fresh process for its peak memory (e.g. 8192 = 64 MP); 0 skips it. */
  large: z.coerce.number().int().min(0).max(8192).default(0),
  /** Internal: only the large-image run (what --large runs in its child process). */
  largeOnly: z.boolean().optional(),
  backbone: z.string().min(1).optional(),
  /** The image-level density component in the enrolled profiles (off: what inspection cost before it). */
  density: z.boolean().default(true),
  json: z.boolean().optional(),
});

const PIXEL_UM = 0.05;
const TENANT = 'bench';

interface StageRow {
  readonly size: number;
  /** Medians of every pipeline stage (microstructure overlaps normalise and embed, so they add up to more than the total). */
  readonly stagesMs: Record<string, number>;
  readonly totalMs: number;
  /** Process CPU time per inspection (every thread, ONNX Runtime's and libvips' included): steadier than wall time on a busy machine. */
  readonly cpuMs: number;
  readonly imagesPerSecond: number;
  readonly peakRssMb: number;
}

const median = (values: readonly number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
const peakRssMb = () => round(process.resourceUsage().maxRSS / 1024, 0);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

export function register(program: Command): void {
  program
    .command('bench')
    .description('latency per pipeline stage, enrolment time, peak memory, vector-index recall/speed, centroid vs patch-knn cost')
    .option('--sizes <list>', 'square image sides to inspect', '256,1024,2048')
    .option('--enrol <list>', 'numbers of 256² images to enrol', '10,50,200')
    .option('--repeats <n>', 'inspections per size (median reported, after one warm-up)', '3')
    .option('--backbone <path>', 'ONNX backbone (default: ../shared MobileNetV2 when present, else built-in)')
    .option('--concurrency <n>', 'uploads in flight at once for the throughput row, through the pipeline threads (0: skip)', '4')
    .option('--large <side>', 'also inspect one side² image in a fresh process and report its peak memory (8192 = 64 MP; 0: skip)', '0')
    .option('--large-only', 'only the large-image run (used by --large)')
    .option('--no-density', 'profiles without the image-level density component (to compare its cost)')
    .option('--json', 'print the result as one JSON document')
    .action(async (raw: unknown) => {
      const o = parseOptions(OptionsSchema, raw);
      const backbonePath = o.backbone ?? sharedBackbonePath() ?? 'builtin';
      const home = await mkdtemp(join(tmpdir(), 'mmdo-bench-'));
      const density = { ...DEFAULT_SCORING_SETTINGS.density, enabled: o.density };
      const runtime = await createLocalRuntime({ home, backboneOverride: backbonePath, enrollment: { recipe: { settings: { density } } } });
      try {
        if (o.largeOnly) {
          process.stdout.write(JSON.stringify(await largeRun(runtime, o.large || 8192)) + '\n');
          return;
        }
        const result = await runBench(runtime, o, backbonePath, home);
        process.stdout.write(o.json ? JSON.stringify(result, null, 2) + '\n' : formatBench(result));
      } finally {
        await runtime.close();
        await rm(home, { recursive: true, force: true });
      }
    });
}

async function micrographPng(runtime: LocalRuntime, size: number, seed: number): Promise<Uint8Array> {
  const { image } = generateMicrograph({ seed, width: size, height: size, pixelSizeUm: PIXEL_UM });
  return runtime.encoder.encodePng(image);
}

async function runBench(runtime: LocalRuntime, o: z.infer<typeof OptionsSchema>, backbonePath: string, home: string) {
  const started = new Date();
  const backbone = runtime.backbone.descriptor;
  log(`backbone ${backbone.id} (${backbonePath === 'builtin' ? 'built-in filter bank' : backbonePath})`);
  const maxEnrol = Math.max(...o.enrol);
  const pool: Uint8Array[] = [];
  for (let i = 0; i < maxEnrol; i++) pool.push(await micrographPng(runtime, 256, 1000 + i));

  // Enrolment time against the number of images (each count a separate profile).
  const enrolment: { images: number; totalMs: number; perImageMs: number; bankVectors: number; stagesMs: Record<string, number>; peakRssMb: number }[] = [];
  for (const count of [...o.enrol].sort((a, b) => a - b)) {
    log(`enrolling ${count} images of 256²`);
    const t = performance.now();
    const r = await runtime.enrollment.enroll({
      tenant: TENANT,
      profile: `bench-${count}`,
      images: pool.slice(0, count).map((bytes, i) => ({ name: `normal-${i}.png`, bytes })),
      pixelSizeUm: PIXEL_UM,
    });
    const totalMs = performance.now() - t;
    enrolment.push({ images: count, totalMs: Math.round(totalMs), perImageMs: round(totalMs / count), bankVectors: r.bankVectors, stagesMs: r.timingsMs, peakRssMb: peakRssMb() });
  }
  const profile = `bench-${maxEnrol}`;

  // Inspection latency per stage and size, from the product's own per-stage timings.
  const inspection: StageRow[] = [];
  for (const size of o.sizes) {
    log(`inspecting ${size}² (${o.repeats} runs + warm-up)`);
    const bytes = await micrographPng(runtime, size, 5000 + size);
    const runs: Record<string, number>[] = [];
    const totals: number[] = [];
    const cpuMs: number[] = [];
    for (let r = 0; r <= o.repeats; r++) {
      const t = performance.now();
      const c = process.cpuUsage();
      const report = await runtime.inspections.inspect({ tenant: TENANT, name: `bench-${size}-${r}.png`, bytes, profile, pixelSizeUm: PIXEL_UM });
      const wall = performance.now() - t;
      const used = process.cpuUsage(c);
      if (report.status !== 'completed') throw new Error(`inspection of ${size}² failed: ${report.failure?.message}`);
      if (r === 0) continue; // warm-up: index build, caches
      const stages: Record<string, number> = { ...report.timingsMs };
      // The write stage stores the report it is timed in: its own time is what the wall clock has left.
      stages.write = Math.max(0, wall - criticalPath(report.timingsMs));
      runs.push(stages);
      totals.push(wall);
      cpuMs.push((used.user + used.system) / 1000);
    }
    const stagesMs = Object.fromEntries(STAGE_NAMES.map((n) => [n, round(median(runs.map((s) => s[n] ?? 0)))]));
    const totalMs = median(totals);
    inspection.push({ size, stagesMs, totalMs: round(totalMs), cpuMs: round(median(cpuMs)), imagesPerSecond: round(1000 / totalMs, 2), peakRssMb: peakRssMb() });
  }
  const throughput = o.concurrency > 0 ? await throughputRun(runtime, home, profile, o) : undefined;
  const large = o.large > 0 ? await largeInChild(o, backbonePath) : undefined;

  // Vector index: exact vs approximate on the enrolled bank, queried with a 1024² image's patches.
  const stored = await runtime.profiles.load(TENANT, profile);
  const bank = stored.bank;
  const querySize = Math.min(1024, Math.max(...o.sizes));
  const query = prepareImage((await runtime.decoder.decode(await micrographPng(runtime, querySize, 7777))).image, PIXEL_UM, stored.pixelSizeUm, stored.settings.normalise);
  const [features] = await extractFeatures(runtime.backbone, [query], stored.features, stored.settings);
  const queries = concatFloat32(features!.grids.map((g) => g.data));
  const queryCount = queries.length / bank.dim;
  const indexRows = [];
  const exact = await timed(() => ExactIndex.build(bank.vectors, bank.dim));
  const approx = await timed(() => ApproximateIndex.build(bank.vectors, bank.dim));
  for (const [name, built] of [['exact', exact], ['approximate', approx]] as const) {
    await built.value.distances(queries.subarray(0, bank.dim * 64), 1); // warm-up
    // The nearest distances, as patch scoring asks for them.
    const search = await timed(() => built.value.distances(queries, stored.features.k));
    indexRows.push({ index: name, bankVectors: bank.count, dim: bank.dim, queries: queryCount, buildMs: Math.round(built.ms), searchMs: Math.round(search.ms), queriesPerSecond: Math.round(queryCount / (search.ms / 1000)) });
  }
  const recall1 = await measureRecall(exact.value, approx.value, queries, 1);
  const recall10 = await measureRecall(exact.value, approx.value, queries, Math.min(10, bank.count));

  // Centroid vs patch-knn: per-image scoring cost beyond the shared decode/normalise/embed.
  const embeddings = Array.from({ length: stored.embeddings.ids.length }, (_, i) => stored.embeddings.vectors.subarray(i * stored.embeddings.dim, (i + 1) * stored.embeddings.dim));
  const mu = centroidOf(embeddings);
  const centroidCost = await timed(async () => {
    let s = 0;
    for (let r = 0; r < 1000; r++) s += squaredDistance(features!.embedding, mu);
    return s;
  });
  const knnCost = await timed(async () => {
    const maps = await searchGrids(features!.grids, exact.value, stored.features.k);
    const tiles = maps.map((map, t) => ({ tile: features!.plan.tiles[t]!, stride: features!.grids[t]!.stride, map }));
    return patchScoring(tiles, { ...features!, overlap: features!.plan.overlap }, stored.settings, features!);
  });
  const methods = [
    { method: 'centroid', scoreMsPerImage: round(centroidCost.ms / 1000, 4), modelBytes: mu.length * 4, gives: 'image score only' },
    { method: 'patch-knn', scoreMsPerImage: round(knnCost.ms, 1), modelBytes: bank.vectors.length * 4, gives: 'image score + anomaly map' },
  ];
  await exact.value.dispose();
  await approx.value.dispose();

  return {
    date: started.toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: round(totalmem() / 2 ** 30), node: process.version },
    backbone: { id: backbone.id, source: backbonePath === 'builtin' ? 'built-in filter bank' : backbonePath },
    inspection,
    ...(throughput ? { throughput } : {}),
    ...(large ? { large } : {}),
    enrolment,
    vectorIndex: { rows: indexRows, recallAt1: round(recall1, 4), recallAt10: round(recall10, 4), querySide: querySize },
    methods,
    peakRssMb: peakRssMb(),
  };
}

/** The longest chain of stages by the definition's dependencies (concurrent stages overlap). */
function criticalPath(timings: Record<string, number>): number {
  const finish: Record<string, number> = {};
  for (const stage of STAGES) finish[stage.name] = Math.max(0, ...stage.needs.map((n) => finish[n] ?? 0)) + (timings[stage.name] ?? 0);
  return Math.max(0, ...Object.values(finish));
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t };
}

export function formatBench(r: Awaited<ReturnType<typeof runBench>>): string {
  const out: string[] = [];
  out.push(`mmdo bench · ${r.date} · ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, Node ${r.machine.node}`);
  out.push(`backbone ${r.backbone.id} (${r.backbone.source})`);
  out.push('');
  out.push('inspection latency per pipeline stage, ms (median; embed = backbone + memory-bank search; microstructure runs beside normalise and embed)');
  out.push(renderTable(['image', ...STAGE_NAMES, 'total ms', 'CPU ms', 'images/s', 'peak RSS MB'], r.inspection.map((row) => [`${row.size}²`, ...STAGE_NAMES.map((g) => String(row.stagesMs[g])), String(row.totalMs), String(row.cpuMs), String(row.imagesPerSecond), String(row.peakRssMb)])));
  if (r.throughput) {
    const t = r.throughput;
    out.push('');
    out.push(`throughput, ${t.size}² images: one at a time in process vs ${t.concurrency} uploads in flight through ${t.threads} pipeline thread(s)`);
    out.push(renderTable(['mode', 'images', 'seconds', 'images/s'], [
      ['single stream (in process)', String(t.single.images), String(t.single.seconds), String(t.single.imagesPerSecond)],
      [`${t.concurrency} concurrent (pipeline threads)`, String(t.concurrent.images), String(t.concurrent.seconds), String(t.concurrent.imagesPerSecond)],
    ]));
    out.push(`speed-up ${t.speedup}×`);
  }
  if (r.large) {
    out.push('');
    out.push(`one ${r.large.side}² image (${((r.large.side * r.large.side) / 2 ** 20).toFixed(0)} MP) in a fresh process: ${r.large.status}, ${r.large.seconds} s, CPU ${r.large.cpuSeconds} s, peak RSS ${r.large.peakRssMb} MB (process at rest ${r.large.restRssMb} MB; malloc mmap threshold ${r.large.mmapThreshold})`);
  }
  out.push('');
  out.push('enrolment of 256² images');
  out.push(renderTable(['images', 'total s', 'ms/image', 'bank vectors', 'coreset s', 'peak RSS MB'], r.enrolment.map((e) => [String(e.images), (e.totalMs / 1000).toFixed(1), String(e.perImageMs), String(e.bankVectors), ((e.stagesMs.coreset ?? 0) / 1000).toFixed(1), String(e.peakRssMb)])));
  out.push('');
  out.push(`vector index on the ${r.enrolment.at(-1)?.images}-image bank, queried with the patches of one ${r.vectorIndex.querySide}² image: recall@1 ${r.vectorIndex.recallAt1}, recall@10 ${r.vectorIndex.recallAt10}`);
  out.push(renderTable(['index', 'vectors', 'dim', 'queries', 'build ms', 'search ms', 'queries/s'], r.vectorIndex.rows.map((x) => [x.index, String(x.bankVectors), String(x.dim), String(x.queries), String(x.buildMs), String(x.searchMs), String(x.queriesPerSecond)])));
  out.push('');
  out.push(`method cost per ${r.vectorIndex.querySide}² image beyond the shared decode/normalise/embed`);
  out.push(renderTable(['method', 'score ms/image', 'model bytes', 'output'], r.methods.map((m) => [m.method, String(m.scoreMsPerImage), String(m.modelBytes), m.gives])));
  out.push('');
  out.push(`peak RSS ${r.peakRssMb} MB`);
  return out.join('\n') + '\n';
}

/** Images/s one at a time in this process, then with `concurrency` uploads in flight through a pipeline pool. */
async function throughputRun(runtime: LocalRuntime, home: string, profile: string, o: z.infer<typeof OptionsSchema>) {
  const size = o.sizes.includes(1024) ? 1024 : Math.min(...o.sizes);
  const count = Math.max(8, 2 * o.concurrency);
  log(`throughput: ${count} images of ${size}², single stream then ${o.concurrency} in flight`);
  const images = await Promise.all(Array.from({ length: count }, (_, i) => micrographPng(runtime, size, 9000 + i)));
  const request = (bytes: Uint8Array, i: number, mode: string) => ({ tenant: TENANT, name: `tp-${mode}-${i}.png`, bytes: bytes.slice(), profile, pixelSizeUm: PIXEL_UM });
  const t0 = performance.now();
  for (const [i, bytes] of images.entries()) await runtime.inspections.inspect(request(bytes, i, 'single'));
  const singleSeconds = (performance.now() - t0) / 1000;
  const threads = defaultPipelineThreads();
  const pool = await PipelinePool.start({ ...pipelineThreadConfig({ config: { home, backbone: runtime.config.backbone ?? 'builtin' } }, DEFAULT_INGEST_LIMITS), size: threads });
  try {
    await pool.inspect(request(images[0]!, 0, 'warm')); // each thread's first run loads its backbone and bank
    await Promise.all(Array.from({ length: threads }, (_, i) => pool.inspect(request(images[i % images.length]!, i, 'warm2'))));
    const t1 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: o.concurrency }, async () => {
      while (next < images.length) {
        const i = next++;
        await pool.inspect(request(images[i]!, i, 'concurrent'));
      }
    }));
    const concurrentSeconds = (performance.now() - t1) / 1000;
    const single = { images: count, seconds: round(singleSeconds, 2), imagesPerSecond: round(count / singleSeconds, 2) };
    const concurrent = { images: count, seconds: round(concurrentSeconds, 2), imagesPerSecond: round(count / concurrentSeconds, 2) };
    return { size, concurrency: o.concurrency, threads, single, concurrent, speedup: round(concurrent.imagesPerSecond / single.imagesPerSecond, 2) };
  } finally {
    await pool.close();
  }
}

/** The large-image run in a fresh process, so its peak RSS is that image's alone. */
async function largeInChild(o: z.infer<typeof OptionsSchema>, backbonePath: string): Promise<LargeRun> {
  log(`large: one ${o.large}² image in a fresh process`);
  const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'mmdo.mjs');
  const { stdout } = await execFileAsync(process.execPath, [entry, 'bench', '--large-only', '--large', String(o.large), '--backbone', backbonePath], { maxBuffer: 1 << 20, env: { ...ALLOCATOR_ENV, ...process.env } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as LargeRun;
}

interface LargeRun { side: number; status: string; seconds: number; cpuSeconds: number; peakRssMb: number; restRssMb: number; mmapThreshold: string }

/** One side² micrograph (a generated 1024² one repeated, so it is quick to make) inspected once. */
async function largeRun(runtime: LocalRuntime, side: number): Promise<LargeRun> {
  await runtime.enrollment.enroll({ tenant: TENANT, profile: 'large', images: await Promise.all(Array.from({ length: 10 }, async (_, i) => ({ name: `n${i}.png`, bytes: await micrographPng(runtime, 256, 1000 + i) }))), pixelSizeUm: PIXEL_UM });
  const tile = await micrographPng(runtime, Math.min(1024, side), 5000 + side);
  const step = Math.min(1024, side);
  const composites: { input: Buffer; left: number; top: number }[] = [];
  for (let y = 0; y < side; y += step) for (let x = 0; x < side; x += step) composites.push({ input: Buffer.from(tile), left: x, top: y });
  const bytes = new Uint8Array(await sharp({ create: { width: side, height: side, channels: 3, background: '#000' } }).composite(composites).toColourspace('b-w').png({ compressionLevel: 1 }).toBuffer());
  composites.length = 0;
  const restRssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  const t = performance.now();
  const c = process.cpuUsage();
  const report = await runtime.inspections.inspect({ tenant: TENANT, name: `large-${side}.png`, bytes, profile: 'large', pixelSizeUm: PIXEL_UM });
  const used = process.cpuUsage(c);
  return {
    side, status: report.status === 'completed' ? 'completed' : `failed: ${report.failure?.code}`,
    seconds: round((performance.now() - t) / 1000, 1), cpuSeconds: round((used.user + used.system) / 1e6, 1), peakRssMb: peakRssMb(), restRssMb,
    mmapThreshold: process.env.MALLOC_MMAP_THRESHOLD_ ?? 'dynamic',
  };
}

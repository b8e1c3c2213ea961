import type { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
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

const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => Number(s.trim())) : v);

const OptionsSchema = z.object({
  sizes: z.preprocess(list, z.array(z.number().int().min(64).max(8192)).min(1)).default([256, 1024, 2048]),
  enrol: z.preprocess(list, z.array(z.number().int().min(2).max(2000)).min(1)).default([10, 50, 200]),
  repeats: z.coerce.number().int().min(1).max(50).default(3),
  backbone: z.string().min(1).optional(),
  json: z.boolean().optional(),
});

const PIXEL_UM = 0.05;
const TENANT = 'bench';

interface StageRow {
  readonly size: number;
  /** Medians of every pipeline stage (microstructure overlaps normalise and embed, so they add up to more than the total). */
  readonly stagesMs: Record<string, number>;
  readonly totalMs: number;
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
    .option('--json', 'print the result as one JSON document')
    .action(async (raw: unknown) => {
      const o = parseOptions(OptionsSchema, raw);
      const backbonePath = o.backbone ?? sharedBackbonePath() ?? 'builtin';
      const home = await mkdtemp(join(tmpdir(), 'mmdo-bench-'));
      const runtime = await createLocalRuntime({ home, backboneOverride: backbonePath });
      try {
        const result = await runBench(runtime, o, backbonePath);
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

async function runBench(runtime: LocalRuntime, o: z.infer<typeof OptionsSchema>, backbonePath: string) {
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
    for (let r = 0; r <= o.repeats; r++) {
      const t = performance.now();
      const report = await runtime.inspections.inspect({ tenant: TENANT, name: `bench-${size}-${r}.png`, bytes, profile, pixelSizeUm: PIXEL_UM });
      const wall = performance.now() - t;
      if (report.status !== 'completed') throw new Error(`inspection of ${size}² failed: ${report.failure?.message}`);
      if (r === 0) continue; // warm-up: index build, caches
      const stages: Record<string, number> = { ...report.timingsMs };
      // The write stage stores the report it is timed in: its own time is what the wall clock has left.
      stages.write = Math.max(0, wall - criticalPath(report.timingsMs));
      runs.push(stages);
      totals.push(wall);
    }
    const stagesMs = Object.fromEntries(STAGE_NAMES.map((n) => [n, round(median(runs.map((s) => s[n] ?? 0)))]));
    const totalMs = median(totals);
    inspection.push({ size, stagesMs, totalMs: round(totalMs), imagesPerSecond: round(1000 / totalMs, 2), peakRssMb: peakRssMb() });
  }

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
    await built.value.search(queries.subarray(0, bank.dim * 64), 1); // warm-up
    const search = await timed(() => built.value.search(queries, stored.features.k));
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
  out.push(renderTable(['image', ...STAGE_NAMES, 'total ms', 'images/s', 'peak RSS MB'], r.inspection.map((row) => [`${row.size}²`, ...STAGE_NAMES.map((g) => String(row.stagesMs[g])), String(row.totalMs), String(row.imagesPerSecond), String(row.peakRssMb)])));
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

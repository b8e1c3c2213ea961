/**
 * Expert feedback with active learning, simulated: a `mmdo evaluate`-style manifest (path,label[,class][,metadata])
 * is split (seeded, stratified) into the normals a profile is first enrolled from, a pool that is inspected and
 * reviewed, and a held-out test set that is only ever scored. Each round a simulated expert who knows the truth
 * judges the top `--per-round` reports of the review queue (confirm or reject, naming the defect class), then
 * `review apply` enrols the confirmed normals and recalibrates the operating point and fusion weights. F1 at the
 * operating threshold on the test set is printed after every round (round 0: before any review).
 *
 *   node bin/mmdo.mjs synth --out /tmp/fb-synth --count 300 --seed 2027 --size 256 --anomaly-rate 0.3
 *   npx tsx scripts/feedback-simulation.ts --manifest /tmp/fb-synth/manifest.csv [--backbone builtin] [--enrol 8]
 *   MMDO_BACKBONE=../shared/models/mobilenetv2-035-imagenet/model.onnx \
 *     npx tsx scripts/feedback-simulation.ts --manifest ../shared/data/magnetic-tile/manifest.csv --enrol 40 --pool 300 --test 300
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { createLocalRuntime } from '../lambdas/adapters/local/runtime.js';
import { FeedbackService } from '../lambdas/application/feedback/index.js';
import { runFeedbackSimulation, type SimulationImage } from '../lambdas/application/feedback/simulation.js';
import { createRandom } from '../lambdas/domain/synth/random.js';

const { values: args } = parseArgs({
  options: {
    manifest: { type: 'string' },
    backbone: { type: 'string' },
    enrol: { type: 'string', default: '8' },
    pool: { type: 'string', default: '150' },
    test: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
    'per-round': { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
if (!args.manifest) throw new Error('--manifest is required');
const int = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${v}`);
  return n;
};
const enrolCount = int('enrol', args.enrol);
const poolCount = int('pool', args.pool);
const testCount = int('test', args.test);
const rounds = int('rounds', args.rounds);
const perRound = int('per-round', args['per-round']);
const seed = int('seed', args.seed);
const root = dirname(args.manifest);

type Row = Record<string, string>;
const rows = (parse(await readFile(args.manifest), { columns: true, skip_empty_lines: true }) as Row[]).sort((a, b) => a.path!.localeCompare(b.path!));
const rng = createRandom(seed);
const shuffle = <T>(items: T[]): T[] => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
};
const normals = shuffle(rows.filter((r) => r.label === '0'));
const anomalies = shuffle(rows.filter((r) => r.label === '1'));
const enrolRows = normals.splice(0, enrolCount);
// Pool and test keep the set's share of anomalies (stratified).
const share = anomalies.length / (normals.length + anomalies.length);
const take = (n: number) => {
  const a = Math.round(n * share);
  return shuffle([...anomalies.splice(0, a), ...normals.splice(0, n - a)]);
};
const poolRows = take(poolCount);
const testRows = take(testCount);

async function load(r: Row): Promise<SimulationImage> {
  const metadata = r.metadata ? (JSON.parse(await readFile(join(root, r.metadata), 'utf8')) as Record<string, unknown>) : undefined;
  return {
    name: r.path!, bytes: new Uint8Array(await readFile(join(root, r.path!))), anomalous: r.label === '1',
    ...(r.label === '1' && r.class ? { className: r.class } : {}), ...(metadata ? { metadata } : {}),
  };
}

const home = await mkdtemp(join(tmpdir(), 'mmdo-feedback-sim-'));
const runtime = await createLocalRuntime({ home, ...(args.backbone ? { backboneOverride: args.backbone } : {}) });
const started = performance.now();
try {
  const log = (m: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${m}\n`);
  const enrolled = await runtime.enrollment.enroll({ tenant: 'local', profile: 'sim', images: await Promise.all(enrolRows.map(async (r) => ({ name: r.path!, bytes: (await load(r)).bytes }))) });
  log(`enrolled v${enrolled.version}: ${enrolled.bankImages} bank + ${enrolled.calibrationImages} calibration normals`);
  const pool = await Promise.all(poolRows.map(load));
  const test = await Promise.all(testRows.map(load));
  const feedback = new FeedbackService({
    reports: runtime.reports, feedback: runtime.feedback, profiles: runtime.profiles, artifacts: runtime.artifacts,
    enrollment: runtime.enrollment, rescorer: runtime.rescorer,
  });
  const results = await runFeedbackSimulation(
    { inspections: runtime.inspections, rescorer: runtime.rescorer, feedback, reports: runtime.reports, profiles: runtime.profiles },
    { pool, test },
    { tenant: 'local', profile: 'sim', rounds, reviewsPerRound: perRound },
    log,
  );
  const count = (xs: readonly SimulationImage[]) => `${xs.length} (${xs.filter((x) => x.anomalous).length} anomalous)`;
  const lines = [
    `manifest ${args.manifest}; backbone ${runtime.backbone.descriptor.id}; seed ${seed}; ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}); ${new Date().toISOString().slice(0, 10)}`,
    `profile from ${enrolled.bankImages} bank + ${enrolled.calibrationImages} calibration normals; pool ${count(pool)}; held-out test ${count(test)}; ${rounds} rounds of ${perRound} reviews`,
    '',
    '| round | labels | reviewed (normal / anomalous / wrong verdicts) | normals enrolled | version | suspect threshold | weights patch / novelty / consistency | test F1 | precision | recall | normals flagged |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.round} | ${r.labels} | ${r.round === 0 ? '–' : `${r.reviewed.normal} / ${r.reviewed.anomalous} / ${r.reviewed.wrongVerdicts}`} | ${r.enrolledNormals} | v${r.version} | `
      + `${r.thresholds.suspect.toFixed(3)} (${r.source}) | ${[r.weights.patch, r.weights.novelty, r.weights.consistency].map((w) => (w ?? 0).toFixed(2)).join(' / ')} | `
      + `**${r.test.f1.toFixed(3)}** | ${r.test.precision.toFixed(3)} | ${r.test.recall.toFixed(3)} | ${(100 * r.test.falseAlarmRate).toFixed(1)} % |`),
    '',
    `total ${((performance.now() - started) / 1000).toFixed(0)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const r of results) for (const w of r.apply?.warnings ?? []) process.stderr.write(`round ${r.round} warning: ${w}\n`);
  if (args.out) await writeFile(args.out, `${JSON.stringify({ args, results }, null, 2)}\n`);
} finally {
  await runtime.close();
  await rm(home, { recursive: true, force: true });
}

/**
 * Detection per anomaly type by the whole product (the default local runtime: patch, novelty and the microstructure
 * consistency stage, fused) on a `mmdo synth` set, each image inspected with its own synthesis sheet. The first
 * `--enrol` normals (by path) build the profile; the other normals and every anomaly are the test set.
 * Prints a markdown table: AUROC of the fused score and of the patch component alone against the test normals,
 * and the share flagged (verdict suspect or anomalous).
 *
 *   node bin/mmdo.mjs synth --out /tmp/synth-eval --count 200 --seed 2026 --size 256
 *   npx tsx scripts/synth-product-detection.ts --manifest /tmp/synth-eval/manifest.csv [--enrol 40] [--backbone PATH]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { createLocalRuntime } from '../lambdas/adapters/local/runtime.js';
import { auroc } from '../lambdas/domain/evaluation/ranking.js';
import type { Report } from '../lambdas/domain/report/report.js';

const { values: args } = parseArgs({
  options: { manifest: { type: 'string' }, enrol: { type: 'string', default: '40' }, backbone: { type: 'string', default: 'builtin' } },
});
if (!args.manifest) throw new Error('--manifest is required');
const root = dirname(args.manifest);
const rows = (parse(await readFile(args.manifest), { columns: true }) as Record<string, string>[]).sort((a, b) => a.path!.localeCompare(b.path!));
const normals = rows.filter((r) => r.label === '0');
const enrolRows = normals.slice(0, Number(args.enrol));
const testRows = rows.filter((r) => !enrolRows.includes(r));

const home = await mkdtemp(join(tmpdir(), 'mmdo-synth-product-'));
const runtime = await createLocalRuntime({ home, backboneOverride: args.backbone });
try {
  const images = await Promise.all(enrolRows.map(async (r) => ({ name: r.path!, bytes: new Uint8Array(await readFile(join(root, r.path!))) })));
  const enrolled = await runtime.enrollment.enroll({ tenant: 'local', profile: 'synth', images });
  const results: { cls: string; report: Report }[] = [];
  for (const r of testRows) {
    const metadata = JSON.parse(await readFile(join(root, r.metadata!), 'utf8')) as Record<string, unknown>;
    const bytes = new Uint8Array(await readFile(join(root, r.path!)));
    results.push({ cls: r.class!, report: await runtime.inspections.inspect({ tenant: 'local', name: r.path!, bytes, profile: 'synth', metadata }) });
  }
  const failed = results.filter((x) => x.report.status !== 'completed');
  if (failed.length) throw new Error(`${failed.length} inspections failed: ${failed[0]!.report.failure?.message}`);
  const fused = (x: { report: Report }) => x.report.scores!.score;
  const patch = (x: { report: Report }) => x.report.scores!.components.find((c) => c.name === 'patch')!.calibrated;
  const flagged = (xs: { report: Report }[]) => xs.filter((x) => x.report.scores!.verdict !== 'normal').length;
  const normalSet = results.filter((x) => x.cls === 'normal');
  const lines = [
    `backbone ${runtime.backbone.descriptor.id}; profile from ${enrolled.bankImages} bank + ${enrolled.calibrationImages} calibration normals; ` +
      `${normalSet.length} test normals, ${normalSet.length ? flagged(normalSet) : 0} flagged`,
    '',
    '| anomaly type | images | AUROC fused | AUROC patch only | flagged (suspect or anomalous) |',
    '|---|---|---|---|---|',
  ];
  const classes = [...new Set(results.map((x) => x.cls))].filter((c) => c !== 'normal').sort();
  for (const cls of [...classes, 'all']) {
    const anomalies = results.filter((x) => (cls === 'all' ? x.cls !== 'normal' : x.cls === cls));
    const set = [...normalSet, ...anomalies];
    const labels = set.map((x) => (x.cls === 'normal' ? 0 : 1));
    lines.push(`| ${cls} | ${anomalies.length} | ${auroc(set.map(fused), labels).toFixed(3)} | ${auroc(set.map(patch), labels).toFixed(3)} | ` +
      `${flagged(anomalies)}/${anomalies.length} |`);
  }
  for (const x of normalSet.filter((n) => n.report.scores!.verdict !== 'normal')) {
    const parts = x.report.scores!.components.map((c) => `${c.name} ${c.calibrated.toFixed(2)}`).join(', ');
    const rules = (x.report.findings ?? []).map((f) => `${f['rule']} (${f['severity']})`).join(', ') || 'no finding';
    lines.push(`- flagged normal ${x.report.input.name}: ${x.report.scores!.verdict} ${x.report.scores!.score.toFixed(2)} [${parts}]; ${rules}`);
  }
  console.log(lines.join('\n'));
} finally {
  await runtime.close();
  await rm(home, { recursive: true, force: true });
}

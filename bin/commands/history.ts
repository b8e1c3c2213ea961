import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { createLocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { attachHistory } from '../../lambdas/application/history/attach.js';
import { syntheticHistoryFromFeatures } from '../../lambdas/application/history/synthetic.js';
import { ValidationError } from '../../lambdas/domain/errors.js';
import { renderTable } from '../../lambdas/application/evaluate/table.js';
import { batchOf } from '../../lambdas/domain/report/batch.js';
import { forecastFeatures } from '../../lambdas/domain/report/metrics.js';
import { LOCAL_TENANT } from '../../lambdas/local/deps.js';

const AttachSchema = z.object({ batch: z.string().min(1), synthetic: z.boolean().optional(), json: z.boolean().optional() });

/** `cycle,retention` rows (a header is optional; retention as a fraction or a percentage). */
async function readCycles(file: string): Promise<{ cycle: number; retention: number }[]> {
  const rows = parseCsv(await readFile(file, 'utf8'), { skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  const data = rows.filter((r) => Number.isFinite(Number(r[0])));
  if (data.length === 0) throw new ValidationError(`${file}: no "cycle,retention" rows`);
  const points = data.map(([c, r]) => ({ cycle: Number(c), retention: Number(r) }));
  const percent = points.some((p) => p.retention > 1.5);
  return points.map((p) => ({ cycle: p.cycle, retention: percent ? p.retention / 100 : p.retention }));
}

export function register(program: Command): void {
  const history = program.command('history').description('cycling histories of batches (capacity retention per cycle): the data behind forecasts');
  history
    .command('attach')
    .description('attach a batch\'s measured cycling history (CSV: cycle,retention); forecasts learn from the batch\'s reports')
    .requiredOption('--batch <id>', 'batch id, as the synthesis sheets name it')
    .option('--synthetic', 'the history was generated, not measured (forecasts trained on it say so)')
    .option('--json', 'print the attached history as one JSON document')
    .argument('<file>', 'CSV with cycle,retention rows (retention as 0..1 or %)')
    .action(async (file: string, raw: unknown) => {
      const o = AttachSchema.parse(raw);
      const runtime = await createLocalRuntime();
      try {
        const attached = await attachHistory({ reports: runtime.reports, histories: runtime.histories }, { tenant: LOCAL_TENANT, batchId: o.batch, points: await readCycles(file), synthetic: o.synthetic ?? false });
        process.stdout.write(o.json ? `${JSON.stringify(attached, null, 2)}\n` : `attached ${attached.points.length} points to batch ${attached.batchId}; features from ${attached.reports} report(s)${attached.features ? '' : ' (none has every forecast feature yet: inspect its images with a known pixel size)'}\n`);
      } finally {
        await runtime.close();
      }
    });
  history
    .command('synthesize')
    .description('attach SYNTHETIC histories (degradation model MMDO-SYNTH-FADE-1) to every batch that has reports: for trying forecasts, never as data')
    .option('--seed <n>', 'seed of the generated histories', '1')
    .action(async (raw: { seed: string }) => {
      const seed = z.coerce.number().int().parse(raw.seed);
      const runtime = await createLocalRuntime();
      try {
        const batches = new Map<string, number[][]>();
        for (let cursor: string | undefined, first = true; first || cursor; first = false) {
          const page = await runtime.reports.list(LOCAL_TENANT, { limit: 500, ...(cursor ? { cursor } : {}) });
          for (const r of page.items) {
            const batch = batchOf(r);
            const f = r.status === 'completed' ? forecastFeatures(r.microstructure, r.input) : undefined;
            if (batch && f) batches.set(batch, [...(batches.get(batch) ?? []), f]);
          }
          cursor = page.cursor;
        }
        let n = 0;
        for (const [batch, rows] of batches) {
          const mean = rows[0]!.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
          await attachHistory({ reports: runtime.reports, histories: runtime.histories }, { tenant: LOCAL_TENANT, batchId: batch, points: syntheticHistoryFromFeatures(mean, seed + n++), synthetic: true });
        }
        process.stdout.write(`attached synthetic histories to ${n} batch(es)\n`);
      } finally {
        await runtime.close();
      }
    });
  history
    .command('list')
    .description('batches with an attached cycling history')
    .option('--json', 'print one JSON document')
    .action(async (raw: { json?: boolean }) => {
      const runtime = await createLocalRuntime();
      try {
        const all = await runtime.histories.list(LOCAL_TENANT);
        process.stdout.write(raw.json ? `${JSON.stringify(all, null, 2)}\n` : `${renderTable(['batch', 'points', 'last cycle', 'reports', 'synthetic'], all.map((h) => [h.batchId, String(h.points.length), String(h.points.at(-1)?.cycle ?? '–'), String(h.reports), h.synthetic ? 'yes' : 'no']))}\n`);
      } finally {
        await runtime.close();
      }
    });
}

import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseOptions } from './cli-errors.js';
import { parseSheetBytes, sheetFormatFromName } from '../../lambdas/adapters/metadata/sheet-reader.js';
import { MmdoError, ValidationError } from '../../lambdas/domain/errors.js';
import { MAX_SHEET_BYTES, readFileWithin } from '../../lambdas/local/bounded-read.js';
import { createLocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { LOCAL_TENANT } from '../../lambdas/local/deps.js';
import type { Report } from '../../lambdas/domain/report/report.js';
import { collectImageFiles, displayName, readImageFile } from './enroll.js';
import { progressBar } from './progress-bar.js';

const OptionsSchema = z.object({
  profile: z.string().min(1),
  version: z.coerce.number().int().positive().optional(),
  pixelSize: z.coerce.number().positive().optional(),
  metadata: z.string().optional(),
  out: z.string().optional(),
  json: z.boolean().optional(),
});

export function register(program: Command): void {
  program
    .command('inspect')
    .description('score images against a profile; prints a summary per image and stores the reports')
    .requiredOption('--profile <name>', 'profile to score against')
    .option('--version <n>', 'profile version (default: latest)')
    .option('--pixel-size <um>', 'micrometres per pixel (overrides the file and the metadata)')
    .option('--metadata <file>', 'synthesis sheet for these images (JSON, YAML, CSV, text or PDF: batch, sulfur loading, carbon host...)')
    .option('--out <dir>', 'also write each report JSON, heatmap and overlay PNG into this folder')
    .option('--json', 'print the report(s) as one JSON document on stdout')
    .argument('<paths...>', 'image files or folders')
    .action(async (paths: string[], raw: unknown) => {
      const options = parseOptions(OptionsSchema, raw);
      const files = await collectImageFiles(paths);
      if (files.length === 0) throw new ValidationError('no image files given: name image files, or folders that contain .png, .jpg or .tif files');
      const metadata = options.metadata ? await readMetadata(options.metadata) : undefined;
      const runtime = await createLocalRuntime();
      const bar = progressBar('inspect');
      const reports: Report[] = [];
      const refused: Refused[] = [];
      try {
        for (const [i, file] of files.entries()) {
          const name = displayName(file, paths);
          const bytes = await readImageFile(file).catch((error: unknown) => {
            if (!(error instanceof MmdoError)) throw error;
            // Refused before inspection (too large, not a file): said per file, the other files still run.
            refused.push({ name, status: 'refused', failure: { code: error.code, message: error.message, stage: 'read' } });
            return undefined;
          });
          if (!bytes) continue;
          const report = await runtime.inspections.inspect(
            {
              tenant: LOCAL_TENANT,
              name,
              bytes,
              profile: options.profile,
              profileVersion: options.version,
              pixelSizeUm: options.pixelSize,
              metadata,
            },
            (stage, fraction) => bar.listener(stage, (i + fraction) / files.length, `${i + 1}/${files.length}`),
          );
          reports.push(report);
          if (options.out) await writeOut(options.out, report, runtime.artifacts);
        }
        bar.stop();
        if (options.json) {
          const all: (Report | Refused)[] = [...reports, ...refused];
          process.stdout.write(JSON.stringify(all.length === 1 ? all[0] : all, null, 2) + '\n');
        } else {
          for (const r of reports) process.stdout.write(summary(r, runtime.artifactPath));
          for (const r of refused) process.stdout.write(`${r.name}: REFUSED: ${r.failure.message} [${r.failure.code}]\n`);
          process.stdout.write(`reports stored in ${runtime.config.home}` + (options.out ? ` and written to ${options.out}\n` : '\n'));
        }
        if (refused.length > 0 || reports.some((r) => r.status === 'failed')) process.exitCode = 1;
      } finally {
        bar.stop();
        await runtime.close();
      }
    });
}

/** A file refused before inspection: no report, its reason on stdout. */
interface Refused {
  readonly name: string;
  readonly status: 'refused';
  readonly failure: { readonly code: string; readonly message: string; readonly stage: 'read' };
}

/**
 * The sheet is validated (field-level errors) before any image is inspected against it, by the same function the
 * inbox validates its sidecars with; read within MAX_SHEET_BYTES.
 */
async function readMetadata(file: string): Promise<Record<string, unknown>> {
  const format = sheetFormatFromName(file);
  return { ...(await parseSheetBytes(await readFileWithin(file, MAX_SHEET_BYTES, 'synthesis sheet'), format)) };
}

function summary(r: Report, artifactPath: (key: string) => string): string {
  if (r.status === 'failed') {
    return `${r.input.name}: FAILED at ${r.failure?.stage}: ${r.failure?.message} [${r.failure?.code}] (report ${r.id})\n`;
  }
  const s = r.scores!;
  const lines = [
    `${r.input.name}: ${s.verdict.toUpperCase()} score ${s.score.toFixed(3)} — ${r.regions.length} region(s); ` +
      `profile ${r.profile?.name} v${r.profile?.version} (report ${r.id})`,
  ];
  for (const region of r.regions.slice(0, 5)) {
    const area = region.areaUm2 !== undefined ? `${region.areaUm2.toFixed(1)} µm²` : `${region.areaPx} px`;
    lines.push(`  region ${region.id}: at (${region.bbox.x},${region.bbox.y}) ${region.bbox.width}x${region.bbox.height}, ${area}, peak ${region.peakScore.toFixed(3)}`);
  }
  if (r.regions.length > 5) lines.push(`  ... ${r.regions.length - 5} more`);
  for (const [name, key] of Object.entries(r.artifacts)) lines.push(`  ${name}: ${artifactPath(key)}`);
  return lines.join('\n') + '\n';
}

async function writeOut(dir: string, report: Report, artifacts: { get(key: string): Promise<{ bytes: Uint8Array } | undefined> }): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${report.id}.json`), JSON.stringify(report, null, 2));
  for (const [name, key] of Object.entries(report.artifacts)) {
    const artifact = await artifacts.get(key);
    if (artifact) await writeFile(join(dir, `${report.id}.${name}.png`), artifact.bytes);
  }
}

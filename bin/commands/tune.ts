import type { Command } from 'commander';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { NotFoundError } from '../../lambdas/domain/errors.js';
import { SEARCHES, recordSaved, storedSplit, tune, type TuneEvent, type TuneResult } from '../../lambdas/application/tune/tune.js';
import { DEFAULT_METRIC, METRIC_NAMES } from '../../lambdas/application/tune/metrics.js';
import { TUNABLES, TUNABLE_NAMES, changesTiles, describeSettings } from '../../lambdas/application/tune/space.js';
import { bestSoFarChart, formatTune } from '../../lambdas/application/tune/report.js';
import { saveTunedProfile, tunedProvenance } from '../../lambdas/application/tune/save-profile.js';
import type { TuneStateStore } from '../../lambdas/application/tune/state.js';
import { csvManifestSource } from '../../lambdas/adapters/local/evaluation/csv-manifest.js';
import { svgToPng } from '../../lambdas/adapters/local/evaluation/plot-writer.js';
import { evaluationWorkspace } from '../../lambdas/adapters/local/evaluation/workspace.js';
import { SharpImageDecoder } from '../../lambdas/adapters/image/sharp-image-decoder.js';
import { loadBackbone } from '../../lambdas/adapters/onnx/model-store.js';
import { LocalVectorIndexFactory } from '../../lambdas/adapters/local/vector-index/index.js';
import { FileArtifactStore } from '../../lambdas/adapters/files/file-artifact-store.js';
import { FileProfileStore } from '../../lambdas/adapters/local/store/profile-store.js';
import { configFromEnv } from '../../lambdas/adapters/local/runtime.js';
import { LOCAL_TENANT } from '../../lambdas/local/deps.js';
import { sharedBackbonePath } from './evaluate.js';
import { progressBar } from './progress-bar.js';

const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v);

const OptionsSchema = z.object({
  manifest: z.string().min(1),
  out: z.string().min(1),
  metric: z.string().refine((m) => METRIC_NAMES.includes(m), `--metric must be one of ${METRIC_NAMES.join(', ')}`).default(DEFAULT_METRIC),
  budget: z.coerce.number().int().positive().max(500).default(12),
  initialPoints: z.coerce.number().int().positive().optional(),
  seed: z.coerce.number().int().nonnegative().default(1),
  trainNormals: z.coerce.number().int().positive().default(200),
  calibrationNormals: z.coerce.number().int().positive().optional(),
  validationFraction: z.coerce.number().gt(0).lt(1).default(0.3),
  validationSize: z.union([z.literal('all'), z.coerce.number().int().min(2)]).default(150),
  params: z.preprocess(list, z.array(z.enum(TUNABLE_NAMES as [string, ...string[]])).min(1)).optional(),
  search: z.preprocess(list, z.array(z.enum(['bayes', 'random'])).min(1)).default([...SEARCHES]),
  backbone: z.string().min(1).optional(),
  index: z.enum(['exact', 'approximate']).default('exact'),
  cacheMb: z.union([z.literal('auto'), z.coerce.number().int().nonnegative()]).default('auto'),
  profile: z.string().min(1).optional(),
  compareDefaults: z.boolean().default(true),
  restart: z.boolean().optional(),
  json: z.boolean().optional(),
});

export function register(program: Command): void {
  program
    .command('tune')
    .description('Bayesian optimisation (GP, expected improvement) of profile settings against random search, on a validation split of a labelled set')
    .requiredOption('--manifest <file>', 'CSV manifest as `mmdo evaluate` reads it (a split column may add validation rows)')
    .requiredOption('--out <dir>', 'state (tune-state.json: re-running the same command continues), curves.png/.svg, result.json')
    .option('--metric <name>', `what to maximise: ${METRIC_NAMES.join(', ')} (f1 = at the operating threshold)`, DEFAULT_METRIC)
    .option('--budget <n>', 'evaluations per search (bayes and random each)', '12')
    .option('--initial-points <n>', 'Latin-hypercube points before the GP proposes (default max(3, budget/3))')
    .option('--seed <n>', 'seed of the split, the searches, the coreset and the projection', '1')
    .option('--train-normals <n>', 'normal images in the memory bank', '200')
    .option('--calibration-normals <n>', 'normal images held out to calibrate thresholds (default: enough to resolve the suspect rate conformally, 99 for 1 %, but at most half the normals the bank leaves and at least 20% of --train-normals)')
    .option('--validation-fraction <f>', 'share of the remaining images (normal and anomalous) set aside for validation; the rest is test', '0.3')
    .option('--validation-size <n|all>', 'validation images each trial scores (stratified subset; cost grows with it)', '150')
    .option('--params <list>', `settings searched (default all; threshold only for fused.f1 / fused.recall): ${TUNABLE_NAMES.join(', ')}`)
    .option('--search <list>', 'searches run side by side: bayes, random', SEARCHES.join(','))
    .option('--backbone <path>', 'ONNX backbone (default: MMDO_BACKBONE, else ../shared MobileNetV2 when present, else built-in)')
    .option('--index <kind>', 'memory-bank search: exact or approximate', 'exact')
    .option('--cache-mb <n|auto>', 'memory for backbone outputs reused between trials (auto: 1024 when no searched setting changes the tiles, i.e. none of pad, workingScale, tileSize, normalise; else off)', 'auto')
    .option('--profile <name>', 'save the winner as a new version of this local profile (its images, or the manifest\'s bank and calibration normals when new)')
    .option('--no-compare-defaults', 'do not score the base recipe on the test split beside the winner')
    .option('--restart', 'discard the state in --out and start over')
    .option('--json', 'print the result as one JSON document')
    .addHelpText('after', `\nSettings:\n${TUNABLES.map((t) => `  ${t.name.padEnd(18)} ${t.describe}`).join('\n')}\n`)
    .action(async (raw: unknown) => {
      const o = OptionsSchema.parse(raw);
      const backbonePath = o.backbone ?? (process.env.MMDO_BACKBONE || undefined) ?? sharedBackbonePath() ?? 'builtin';
      const backbone = await loadBackbone({ model: backbonePath });
      const log = (line: string) => process.stderr.write(`tune: ${line}\n`);
      log(`backbone ${backbone.descriptor.id} from ${backbonePath}`);
      await mkdir(o.out, { recursive: true });
      const statePath = join(o.out, 'tune-state.json');
      if (o.restart) await rm(statePath, { force: true });
      const state = fileStateStore(statePath);
      const home = configFromEnv().home;
      const profiles = new FileProfileStore(join(home, 'profiles'));
      const artifacts = new FileArtifactStore(join(home, 'artifacts'));
      const previous = o.profile
        ? await profiles.load(LOCAL_TENANT, o.profile).catch((e: unknown) => {
          if (e instanceof NotFoundError) return undefined;
          throw e;
        })
        : undefined;
      const reporter = progressReporter(log, o.metric);
      const source = csvManifestSource(o.manifest);
      try {
        let result = await tune(
          {
            source, decoder: new SharpImageDecoder(), backbone, vectorIndexes: new LocalVectorIndexFactory(),
            workspace: (b) => evaluationWorkspace(b, o.index), state,
          },
          {
            metric: o.metric, budget: o.budget, seed: o.seed, bankNormals: o.trainNormals, ...(o.calibrationNormals ? { calibrationNormals: o.calibrationNormals } : {}),
            validationFraction: o.validationFraction, ...(o.validationSize === 'all' ? {} : { validationSize: o.validationSize }),
            ...(o.params ? { params: o.params } : {}), searches: o.search, compareDefaults: o.compareDefaults, memoBytes: memoMegabytes(o) * 2 ** 20,
            ...(o.initialPoints ? { initialPoints: o.initialPoints } : {}),
            ...(previous ? { previous } : {}),
          },
          reporter,
        );
        reporter.stop();
        if (o.profile && !(result.saved?.profile === o.profile)) result = await saveWinner(result, o.profile, { o, backbone, backbonePath, profiles, artifacts, source, state, log });
        const svg = bestSoFarChart(result);
        await writeFile(join(o.out, 'curves.svg'), svg);
        await writeFile(join(o.out, 'curves.png'), await svgToPng(svg));
        await writeFile(join(o.out, 'result.json'), JSON.stringify(result, null, 2) + '\n');
        log(`wrote curves.png, curves.svg, result.json and tune-state.json to ${resolve(o.out)}`);
        process.stdout.write(o.json ? JSON.stringify(result, null, 2) + '\n' : formatTune(result));
      } finally {
        reporter.stop();
        await backbone.dispose();
      }
    });
}

/** The backbone memory: as asked, or (auto) 1 GB when the tiles stay the same across trials; across 25 trials that varied pad, tile size and normalisation on magnetic tile it served 2 % of the tiles. */
function memoMegabytes(o: z.infer<typeof OptionsSchema>): number {
  if (o.cacheMb !== 'auto') return o.cacheMb;
  return changesTiles(o.params ?? TUNABLE_NAMES) ? 0 : 1024;
}

/** Enrols the winner as a new profile version with its provenance, and records that in the state. */
async function saveWinner(
  result: TuneResult, name: string,
  ctx: {
    o: z.infer<typeof OptionsSchema>; backbone: Awaited<ReturnType<typeof loadBackbone>>; profiles: FileProfileStore; artifacts: FileArtifactStore;
    backbonePath: string; source: ReturnType<typeof csvManifestSource>; state: TuneStateStore; log: (line: string) => void;
  },
): Promise<TuneResult> {
  const { o, source } = ctx;
  const winner = result.winner;
  const bar = progressBar('enroll');
  const saved = await saveTunedProfile(
    { decoder: new SharpImageDecoder(), backbone: ctx.backbone, vectorIndexes: new LocalVectorIndexFactory(), profiles: ctx.profiles, artifacts: ctx.artifacts },
    {
      tenant: LOCAL_TENANT, profile: name, recipe: result.recipe, seed: o.seed,
      provenance: tunedProvenance(result),
      calibrationFraction: result.split.calibration / (result.split.bank + result.split.calibration),
      newProfileImages: async () => {
        // The manifest's bank and calibration normals, as the tuning split chose them.
        const split = await storedSplit(ctx.state);
        return Promise.all([...split.bank, ...split.calibration].map(async (p) => ({ name: p, bytes: await source.readFile(p) })));
      },
    },
    bar.listener,
  );
  bar.stop();
  await recordSaved(ctx.state, { profile: saved.profile, version: saved.version });
  ctx.log(`saved profile ${saved.profile} v${saved.version} (${saved.bankImages} bank + ${saved.calibrationImages} calibration images from the ${saved.images}) with ${describeSettings(winner.settings) || 'the base recipe'}`);
  if (process.env.MMDO_BACKBONE !== ctx.backbonePath) ctx.log(`it was built with backbone ${ctx.backbonePath}: inspect with MMDO_BACKBONE=${ctx.backbonePath}`);
  return { ...result, saved: { profile: saved.profile, version: saved.version } };
}

/** tune-state.json, replaced atomically (written beside, then renamed). */
function fileStateStore(path: string): TuneStateStore {
  return {
    read: async () => readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    }),
    write: async (text) => {
      const staging = `${path}.${process.pid}.tmp`;
      await writeFile(staging, text);
      await rename(staging, path);
    },
  };
}

/**
 * Progress on stderr: one line per trial (start and result) always; inside an evaluation a bar on a terminal, and
 * elsewhere a line at most every 30 s, so logs show the run is alive without being flooded.
 */
function progressReporter(log: (line: string) => void, metric: string) {
  let bar: ReturnType<typeof progressBar> | undefined;
  let lastLine = 0;
  let label = '';
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };
  const event = (e: TuneEvent) => {
    stopBar();
    switch (e.kind) {
      case 'start':
        log(`split (${e.split.source}): bank ${e.split.bank}, calibration ${e.split.calibration}, validation ${e.split.validation.normal}+${e.split.validation.anomalous} ` +
          `(search ${e.split.search.normal}+${e.split.search.anomalous}), test ${e.split.test.normal}+${e.split.test.anomalous}` +
          (e.resumed ? `; continuing: ${e.done} of ${e.total} trials done` : ''));
        break;
      case 'trial-start':
        label = e.method === 'defaults' ? 'base recipe' : `${e.method} ${e.index + 1}/${e.budget}`;
        log(`${label}: ${describeSettings(e.settings) || 'the settings not searched'}`);
        break;
      case 'trial':
        log(`${label}: ${e.trial.error ? `failed (${e.trial.error})` : `${metric} ${e.trial.value.toFixed(4)}`}, best ${e.best.toFixed(4)} (${e.trial.seconds.toFixed(1)} s)`);
        break;
      case 'test-start':
        label = `test (${e.which})`;
        log(`${label}: scoring ${e.images} test images once`);
        break;
      case 'test': {
        const f = e.figures.methods.find((m) => m.method === 'fused');
        log(`${label}: fused image AUROC ${f?.metrics['fused.auroc']?.toFixed(4) ?? '–'} (${e.figures.seconds.toFixed(1)} s)`);
        break;
      }
    }
    lastLine = Date.now();
  };
  return {
    event,
    progress(stage: string, fraction: number, detail?: string) {
      if (process.stderr.isTTY) {
        bar ??= progressBar(`tune ${label}`);
        bar.listener(stage, fraction, detail);
      } else if (Date.now() - lastLine > 30_000) {
        lastLine = Date.now();
        log(`${label}: ${stage} ${detail ?? ''} (${Math.round(100 * fraction)}%)`);
      }
    },
    stop: stopBar,
  };
}

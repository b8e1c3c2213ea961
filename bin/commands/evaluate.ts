import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { densityFitCalibrationHelp, densityLayersHelp, densityMapHelp, densityMapLayersHelp, densityMapLayersSmoothingHelp, densityMapSmoothingHelp, densityOptionSchemas, densityScalesHelp, densitySettingsOf, noveltyFitCalibrationHelp } from './density-options.js';
import { parseOptions } from './cli-errors.js';
import { evaluate } from '../../lambdas/application/evaluate/evaluate.js';
import { DEFAULT_RECIPE } from '../../lambdas/application/profile-builder.js';
import { normaliseOptionsSchema, type NormaliseOptions } from '../../lambdas/domain/image/normalise.js';
import { DEFAULT_BORDER_PAD, DEFAULT_DENSITY_MAP_SMOOTHING_PX, DEFAULT_DENSITY_SCALES, DEFAULT_SCORING_SETTINGS, DEFAULT_SMOOTHING_SIGMA, DEFAULT_TILE_SIZE, WORKING_SCALE } from '../../lambdas/domain/profile/settings.js';
import { evaluationWorkspace } from '../../lambdas/adapters/local/evaluation/workspace.js';
import { METHOD_NAMES, type MethodName } from '../../lambdas/application/evaluate/methods.js';
import { formatEvaluation, formatRepeats, scoresCsv } from '../../lambdas/application/evaluate/table.js';
import { summariseRepeats } from '../../lambdas/application/evaluate/repeats.js';
import { csvManifestSource } from '../../lambdas/adapters/local/evaluation/csv-manifest.js';
import { writeEvaluationPlots } from '../../lambdas/adapters/local/evaluation/plot-writer.js';
import { SharpImageDecoder } from '../../lambdas/adapters/image/sharp-image-decoder.js';
import { SharpImageEncoder } from '../../lambdas/adapters/image/sharp-image-encoder.js';
import { loadBackbone } from '../../lambdas/adapters/onnx/model-store.js';
import { LocalVectorIndexFactory } from '../../lambdas/adapters/local/vector-index/index.js';
import { progressBar } from './progress-bar.js';
import { operatingRatesOf } from '../../lambdas/domain/profile/settings.js';

/** The MobileNetV2 backbone in ../shared beside the repository, when this checkout has one. */
export function sharedBackbonePath(): string | undefined {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const candidate = join(repo, '..', 'shared', 'models', 'mobilenetv2-035-imagenet', 'model.onnx');
  return existsSync(candidate) ? candidate : undefined;
}

const NORMALISE_MODES: Record<'product' | 'none' | 'stretch' | 'no-clahe', NormaliseOptions | false> = {
  product: normaliseOptionsSchema.parse({}),
  none: false,
  stretch: normaliseOptionsSchema.parse({ denoise: false, clahe: false }),
  'no-clahe': normaliseOptionsSchema.parse({ clahe: false }),
};

const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v);

const OptionsSchema = z.object({
  manifest: z.string().min(1),
  method: z.preprocess(list, z.array(z.enum(METHOD_NAMES)).min(1)).default([...METHOD_NAMES]),
  trainNormals: z.coerce.number().int().positive().default(200),
  calibrationNormals: z.coerce.number().int().positive().optional(),
  seed: z.coerce.number().int().default(1),
  repeats: z.coerce.number().int().min(1).max(50).default(1),
  density: z.boolean().default(true),
  ...densityOptionSchemas,
  densitySize: z.coerce.number().int().min(64).max(4096).optional(),
  backbone: z.string().min(1).optional(),
  layers: z.preprocess(list, z.array(z.string().min(1)).min(1)).optional(),
  k: z.coerce.number().int().positive().default(DEFAULT_RECIPE.k),
  coresetRatio: z.coerce.number().gt(0).max(1).default(DEFAULT_RECIPE.coresetRatio),
  maxBank: z.coerce.number().int().positive().default(DEFAULT_RECIPE.maxBankSize),
  neighbourhood: z.coerce.number().int().positive().default(DEFAULT_RECIPE.neighbourhood),
  projection: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return DEFAULT_RECIPE.projectionDim;
      if (v === 'none') return null;
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: "--projection must be a positive integer or 'none'" });
        return z.NEVER;
      }
      return n;
    }),
  blur: z.coerce.number().min(0).max(64).default(DEFAULT_SMOOTHING_SIGMA),
  index: z.enum(['exact', 'approximate']).default('exact'),
  tileSize: z.coerce.number().int().min(32).max(8192).default(DEFAULT_TILE_SIZE),
  normalise: z.enum(['product', 'none', 'stretch', 'no-clahe']).default('product'),
  pad: z.coerce.number().int().min(0).max(256).default(DEFAULT_BORDER_PAD),
  workingScale: z.coerce.number().min(WORKING_SCALE.min).max(WORKING_SCALE.max).default(1),
  noveltyFitCalibration: z.enum(['on', 'off']).default('on'),
  suspectRate: z.coerce.number().gt(0).lt(0.5).optional(),
  falseAlarmRate: z.coerce.number().gt(0).lt(0.5).optional(),
  out: z.string().min(1).optional(),
  json: z.boolean().optional(),
});

export function register(program: Command): void {
  program
    .command('evaluate')
    .description('measure detection quality on a labelled image set (CSV manifest: path,label[,mask,group,class,split])')
    .requiredOption('--manifest <file>', 'CSV manifest; paths are relative to it; label 0 normal, 1 anomalous; masks: pixel > 127 anomalous')
    .option('--method <list>', `methods compared on the same split (${METHOD_NAMES.join(', ')})`, METHOD_NAMES.join(','))
    .option('--train-normals <n>', 'normal images in the memory bank', '200')
    .option('--calibration-normals <n>', 'normal images held out to calibrate thresholds (default: enough to resolve the suspect rate conformally, 99 for 1 %, but at most half the normals the bank leaves and at least 20% of --train-normals)')
    .option('--seed <n>', 'seed of the split, the coreset and the projection', '1')
    .option('--repeats <n>', 'evaluate on n seeded splits (seeds seed … seed+n−1) and report mean, standard deviation and the worst split', '1')
    .option('--no-density', 'without the image-level density component')
    .option('--density-views <n>', 'views the density averages: 1, 2 (mirror), 4 (+ half turn), 8 (all turns and mirrors)')
    .option('--density-layers <list>', densityLayersHelp('default: the backbone\'s embedding layer'))
    .option('--density-scales <list>', densityScalesHelp(`default ${DEFAULT_DENSITY_SCALES.join(',')}`))
    .option('--density-size <px>', 'short side the density sees the image at')
    .option('--density-map <on|off>', densityMapHelp('default on'))
    .option('--density-map-layers <list|none>', densityMapLayersHelp('default: a stride-16 layer where the embedding layer is coarser'))
    .option('--density-map-smoothing <px>', densityMapSmoothingHelp(`default ${DEFAULT_DENSITY_MAP_SMOOTHING_PX}`))
    .option('--density-map-layers-smoothing <px|same>', densityMapLayersSmoothingHelp('default same'))
    .option('--density-fit-calibration <on|off>', densityFitCalibrationHelp('default on'))
    .option('--novelty-fit-calibration <on|off>', noveltyFitCalibrationHelp('default on'))
    .option('--backbone <path>', 'ONNX backbone (default: MMDO_BACKBONE, else ../shared MobileNetV2 when present, else built-in)')
    .option('--layers <list>', 'backbone outputs used for patch features (default: the backbone manifest\'s patch layers)')
    .option('--k <n>', 'nearest bank patches averaged per patch score')
    .option('--coreset-ratio <r>', 'share of bank patches kept by the greedy coreset')
    .option('--max-bank <n>', 'cap on memory-bank vectors')
    .option('--neighbourhood <n>', 'local averaging window of patch features, in cells')
    .option('--projection <n|none>', 'random projection width of patch features')
    .option('--blur <sigma>', 'smoothing σ of the anomaly map in px (0 = none)', String(DEFAULT_SMOOTHING_SIGMA))
    .option('--index <kind>', 'memory-bank search: exact or approximate', 'exact')
    .option('--tile-size <px>', 'tile side in px (larger images are tiled with overlap)', String(DEFAULT_TILE_SIZE))
    .option('--normalise <mode>', 'product (denoise+CLAHE+stretch, as enrol/inspect), none, stretch (percentile stretch only), no-clahe', 'product')
    .option('--pad <px>', 'reflect-pad images by this many px before embedding; maps are cropped back and the image score taken inside', String(DEFAULT_BORDER_PAD))
    .option('--working-scale <f>', 'the patch path sees every image resized by this factor (0.25-4; the map is brought back to the image size)', '1')
    .option('--suspect-rate <r>', 'share of normal images the profile may flag: the operating threshold (default 0.01)')
    .option('--false-alarm-rate <r>', 'share of normal images the profile may call anomalous (default 0.001)')
    .option('--out <dir>', 'write roc.png, histogram-<method>.png, misses.png, scores.csv (one row per test image) and result.json here (with --repeats: repeats.json and scores-seed<N>.csv)')
    .option('--json', 'print the result as one JSON document')
    .action(async (raw: unknown) => {
      const o = parseOptions(OptionsSchema, raw);
      const backbonePath = o.backbone ?? (process.env.MMDO_BACKBONE || undefined) ?? sharedBackbonePath() ?? 'builtin';
      const backbone = await loadBackbone({ model: backbonePath, ...(o.layers ? { layers: { patchLayers: o.layers } } : {}) });
      process.stderr.write(`evaluate: backbone ${backbone.descriptor.id} from ${backbonePath}\n`);
      const bar = progressBar('evaluate');
      const density = {
        ...DEFAULT_SCORING_SETTINGS.density,
        enabled: o.density,
        ...(o.densitySize ? { shortSide: o.densitySize } : {}),
        ...densitySettingsOf(o),
      };
      const runOnce = (seed: number) => evaluate(
        {
          source: csvManifestSource(o.manifest), decoder: new SharpImageDecoder(), backbone, vectorIndexes: new LocalVectorIndexFactory(),
          workspace: () => evaluationWorkspace(backbone, o.index),
        },
        {
          methods: o.method as MethodName[],
          bankNormals: o.trainNormals,
          ...(o.calibrationNormals ? { calibrationNormals: o.calibrationNormals } : {}),
          seed,
          recipe: {
            ...(o.layers ? { layers: o.layers } : {}),
            neighbourhood: o.neighbourhood,
            k: o.k,
            coresetRatio: o.coresetRatio,
            projectionDim: o.projection,
            maxBankSize: o.maxBank,
            settings: {
              borderPad: o.pad, workingScale: o.workingScale, noveltyFitCalibration: o.noveltyFitCalibration === 'on', smoothingSigmaPx: o.blur, tileSize: o.tileSize, normalise: NORMALISE_MODES[o.normalise], density,
              operating: operatingRatesOf(o),
            },
          },
        },
        bar.listener,
      );
      try {
        if (o.repeats > 1) {
          const runs = [];
          for (let i = 0; i < o.repeats; i++) {
            process.stderr.write(`evaluate: split ${i + 1}/${o.repeats} (seed ${o.seed + i})\n`);
            const { result, detail } = await runOnce(o.seed + i);
            runs.push(result);
            if (o.out) {
              await mkdir(o.out, { recursive: true });
              await writeFile(join(o.out, `scores-seed${o.seed + i}.csv`), scoresCsv(detail.images));
            }
          }
          bar.stop();
          const repeated = summariseRepeats(runs);
          if (o.out) {
            await mkdir(o.out, { recursive: true });
            await writeFile(join(o.out, 'repeats.json'), JSON.stringify(repeated, null, 2));
            process.stderr.write(`evaluate: wrote repeats.json to ${resolve(o.out)}\n`);
          }
          process.stdout.write(o.json ? JSON.stringify(repeated, null, 2) + '\n' : formatRepeats(repeated));
          return;
        }
        const { result, detail } = await runOnce(o.seed);
        bar.stop();
        if (o.out) {
          const files = await writeEvaluationPlots(o.out, result, detail, new SharpImageEncoder());
          process.stderr.write(`evaluate: wrote ${files.join(', ')} to ${resolve(o.out)}\n`);
        }
        process.stdout.write(o.json ? JSON.stringify(result, null, 2) + '\n' : formatEvaluation(result));
      } finally {
        bar.stop();
        await backbone.dispose();
      }
    });
}

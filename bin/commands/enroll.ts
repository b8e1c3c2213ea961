import type { Command } from 'commander';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { z } from 'zod';
import { densityFitCalibrationHelp, densityLayersHelp, densityMapHelp, densityMapLayersHelp, densityMapLayersSmoothingHelp, densityMapSmoothingHelp, densityOptionSchemas, densityScalesHelp, densitySettingsOf, noveltyFitCalibrationHelp } from './density-options.js';
import { parseOptions } from './cli-errors.js';
import { createLocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { MmdoError, ValidationError } from '../../lambdas/domain/errors.js';
import { readFileWithin } from '../../lambdas/local/bounded-read.js';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from '../../lambdas/ports/image-codec.js';
import { LOCAL_TENANT } from '../../lambdas/local/deps.js';
import { DEFAULT_DENSITY_MAP_SMOOTHING_PX, DEFAULT_DENSITY_SCALES, operatingRatesOf, WORKING_SCALE } from '../../lambdas/domain/profile/settings.js';
import { PublishOptionsSchema, publishToCloud } from './enroll-publish.js';
import { progressBar } from './progress-bar.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff']);

const OptionsSchema = z.object({
  profile: z.string().min(1),
  coresetRatio: z.coerce.number().gt(0).max(1).optional(),
  calibrationFraction: z.coerce.number().gt(0).lt(1).optional(),
  pixelSize: z.coerce.number().positive().optional(),
  seed: z.coerce.number().int().optional(),
  json: z.boolean().optional(),
  publish: z.boolean().optional(),
  fromVersion: z.coerce.number().int().positive().optional(),
  density: z.enum(['on', 'off']).optional(),
  ...densityOptionSchemas,
  workingScale: z.coerce.number().min(WORKING_SCALE.min).max(WORKING_SCALE.max).optional(),
  noveltyFitCalibration: z.enum(['on', 'off']).optional(),
  suspectRate: z.coerce.number().gt(0).lt(0.5).optional(),
  falseAlarmRate: z.coerce.number().gt(0).lt(0.5).optional(),
});

export function register(program: Command): void {
  program
    .command('enroll')
    .description('build a new version of a profile from known-good images (files or folders)')
    .requiredOption('--profile <name>', 'profile name')
    .option('--coreset-ratio <r>', 'share of bank patches kept by the greedy k-center coreset (0..1]')
    .option('--calibration-fraction <f>', 'share of images held out for calibration (default 0.2)')
    .option('--pixel-size <um>', 'micrometres per pixel of these images (default: from the files)')
    .option('--seed <n>', 'seed of the bank/calibration split and the coreset')
    .option('--density <on|off>', 'the image-level density component in this version (default: as the previous version; new profiles: on, from 50 bank images)')
    .option('--density-views <n>', 'views the density averages: 1, 2 (mirror), 4 (+ half turn), 8 (all turns and mirrors; only for materials without a direction)')
    .option('--density-layers <list>', densityLayersHelp('default: as the previous version; new profiles: the backbone\'s embedding layer'))
    .option('--density-scales <list>', densityScalesHelp(`default: as the previous version; new profiles: ${DEFAULT_DENSITY_SCALES.join(',')}`))
    .option('--density-map <on|off>', densityMapHelp('default: as the previous version; new profiles: on'))
    .option('--density-map-layers <list|none>', densityMapLayersHelp('default: as the previous version; new profiles: a stride-16 layer where the embedding layer is coarser'))
    .option('--density-map-smoothing <px>', densityMapSmoothingHelp(`default: as the previous version; new profiles: ${DEFAULT_DENSITY_MAP_SMOOTHING_PX}`))
    .option('--density-map-layers-smoothing <px|same>', densityMapLayersSmoothingHelp('default: as the previous version; new profiles: same'))
    .option('--density-fit-calibration <on|off>', densityFitCalibrationHelp('default: as the previous version; new profiles: on'))
    .option('--novelty-fit-calibration <on|off>', noveltyFitCalibrationHelp('default: as the previous version; new profiles: on'))
    .option('--working-scale <f>', 'the patch path sees the images resized by this factor, 0.25-4 (default: as the previous version; new profiles: 1)')
    .option('--suspect-rate <r>', 'share of normal images the version may flag (suspect or anomalous), below 0.5; the calibration normals set the threshold (default: as the previous version; new profiles: 0.01)')
    .option('--false-alarm-rate <r>', 'share of normal images the version may call anomalous, below 0.5 (default: as the previous version; new profiles: 0.001)')
    .option('--json', 'print the result as one JSON document')
    .option('--publish', 'publish the profile version to the cloud (with images: the new version; without: an enrolled one)')
    .option('--from-version <n>', 'with --publish and no images: the local version to publish (default: the latest)')
    .option('--tenant <tenant>', 'with --publish: the cloud tenant (first segment of upload keys)')
    .option('--bucket <name>', 'with --publish: the artifact bucket (stack output ArtifactBucketName)')
    .option('--profiles-table <name>', 'with --publish: the profile registry table (stack output ProfilesTableName)')
    .option('--opensearch-url <url>', 'with --publish: the OpenSearch domain (SearchDomainUrl) for novelty embeddings; omitted: none are indexed')
    .option('--index-prefix <prefix>', 'with --publish: embedding index prefix (default mmdo-embeddings-)')
    .option('--material <name>', 'with --publish: cathode material recorded with the embeddings')
    .option('--region <region>', 'with --publish: AWS region (default AWS_REGION)')
    .argument('[paths...]', 'image files or folders (searched recursively for png, jpeg, tiff); optional with --publish')
    .action(async (paths: string[], raw: unknown) => {
      const options = parseOptions(OptionsSchema, raw);
      const publish = options.publish ? parseOptions(PublishOptionsSchema, raw) : undefined;
      if (!publish && options.fromVersion !== undefined) throw new ValidationError('--from-version needs --publish');
      if (publish && paths.length === 0) {
        // Publish an already enrolled version: no images, no enrolment.
        const runtime = await createLocalRuntime();
        try {
          const published = await publishToCloud(runtime.profiles, { tenant: LOCAL_TENANT, name: options.profile, ...(options.fromVersion ? { version: options.fromVersion } : {}) }, publish);
          process.stdout.write(options.json ? JSON.stringify({ published }, null, 2) + '\n' : publishedLine(published) + '\n');
        } finally {
          await runtime.close();
        }
        return;
      }
      if (options.fromVersion !== undefined) throw new ValidationError('--from-version publishes an enrolled version: give no images with it');
      const files = await collectImageFiles(paths);
      if (files.length < 2) throw new ValidationError(`enrolment needs at least 2 images (one for the memory bank, one held out for calibration); found ${files.length}`, { images: files.length });
      const density = {
        ...(options.density ? { enabled: options.density === 'on' } : {}),
        ...densitySettingsOf(options),
      };
      const settings = {
        ...(Object.keys(density).length > 0 ? { density } : {}),
        ...(options.workingScale !== undefined ? { workingScale: options.workingScale } : {}),
        ...(options.noveltyFitCalibration ? { noveltyFitCalibration: options.noveltyFitCalibration === 'on' } : {}),
      };
      const runtime = await createLocalRuntime(Object.keys(settings).length > 0 ? { enrollment: { recipe: { settings } } } : {});
      const bar = progressBar('enroll');
      try {
        const images = [];
        for (const f of files) images.push({ name: displayName(f, paths), bytes: await readImageFile(f) });
        const result = await runtime.enrollment.enroll(
          {
            tenant: LOCAL_TENANT,
            profile: options.profile,
            images,
            calibrationFraction: options.calibrationFraction,
            coresetRatio: options.coresetRatio,
            pixelSizeUm: options.pixelSize,
            seed: options.seed,
            ...operatingRatesOf(options),
          },
          bar.listener,
        );
        bar.stop();
        for (const warning of [...(result.warnings ?? []), ...(result.operating?.warning ? [result.operating.warning] : [])]) process.stderr.write(`warning: ${warning}\n`);
        const published = publish
          ? await publishToCloud(runtime.profiles, { tenant: LOCAL_TENANT, name: result.profile, version: result.version }, publish)
          : undefined;
        if (options.json) {
          process.stdout.write(JSON.stringify(published ? { ...result, published } : result, null, 2) + '\n');
        } else {
          const total = Object.values(result.timingsMs).reduce((a, b) => a + b, 0);
          process.stdout.write(
            `profile ${result.profile} v${result.version}: ${result.bankImages} bank images, ${result.calibrationImages} calibration images, ` +
              `${result.bankVectors} bank vectors; thresholds suspect ${fmt(result.thresholds.suspect)}, anomalous ${fmt(result.thresholds.anomalous)} ` +
              `(${(total / 1000).toFixed(1)} s)\n`,
          );
          if (published) process.stdout.write(publishedLine(published) + '\n');
        }
      } finally {
        bar.stop();
        await runtime.close();
      }
    });
}

function publishedLine(p: { tenant: string; profile: string; sourceVersion: number; version: number; embeddings: number }): string {
  return `published ${p.profile} v${p.sourceVersion} as ${p.tenant}/${p.profile} v${p.version} (${p.embeddings} image embeddings indexed)`;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}

/**
 * Image files named directly, plus image files found recursively in named folders, sorted for a stable order.
 * Devices and sockets are refused (`mmdo inspect /dev/zero` would read forever); a pipe named directly is read,
 * within the byte limit (readImageFile).
 */
export async function collectImageFiles(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (path: string, explicit: boolean): Promise<void> => {
    const info = await stat(path);
    if (info.isDirectory()) {
      const entries = (await readdir(path)).filter((e) => !e.startsWith('.')).sort();
      for (const entry of entries) await walk(join(path, entry), false);
    } else if (!info.isFile() && !info.isFIFO()) {
      if (explicit) throw new MmdoError('not_a_file', `${path} is not a regular file (a device or socket): give image files or folders`, 422, { path });
    } else if (explicit || (info.isFile() && IMAGE_EXTENSIONS.has(extname(path).toLowerCase()))) {
      found.push(path);
    }
  };
  for (const p of paths) await walk(p, true);
  return [...new Set(found)];
}

/** An image file's bytes, never more than the upload limit (a pipe or a growing file is cut off and refused). */
export function readImageFile(path: string, limits: IngestLimits = DEFAULT_INGEST_LIMITS): Promise<Uint8Array> {
  return readFileWithin(path, limits.maxBytes, 'image');
}

/** Names images by their path relative to the folder given, so two folders' "001.png" stay distinct. */
export function displayName(file: string, roots: readonly string[]): string {
  for (const root of roots) {
    const rel = relative(root, file);
    if (rel && !rel.startsWith('..')) return rel.split('\\').join('/');
  }
  return basename(file);
}

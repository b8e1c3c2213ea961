import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import { z } from 'zod';
import { parseOptions } from './cli-errors.js';
import type { GreyImage } from '../../lambdas/domain/image/grey-image.js';
import { ANOMALY_TYPES, generateMicrograph, planSynthSet, type AnomalyType, type Micrograph } from '../../lambdas/domain/synth/index.js';

const OptionsSchema = z.object({
  out: z.string().min(1),
  count: z.coerce.number().int().positive().max(100000),
  seed: z.coerce.number().int().min(0).default(1),
  size: z.coerce.number().int().min(32).max(4096).default(512),
  height: z.coerce.number().int().min(32).max(4096).optional(),
  anomalyRate: z.coerce.number().min(0).max(1).default(0.5),
  pixelSize: z.coerce.number().positive().default(0.1),
  types: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const list = v.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = list.filter((t) => !(ANOMALY_TYPES as readonly string[]).includes(t));
      if (bad.length > 0 || list.length === 0) {
        ctx.addIssue({ code: 'custom', message: `unknown anomaly type(s) ${bad.join(', ')}; known: ${ANOMALY_TYPES.join(', ')}` });
        return z.NEVER;
      }
      return list as AnomalyType[];
    }),
  grid: z.boolean().default(true),
  json: z.boolean().optional(),
});

/**
 * The `mmdo evaluate` manifest plus synth extras. No `group`: generated images are independent draws, so any split is
 * leak-free; the batch (shared design values and sheet) goes in its own column, which evaluate ignores.
 */
const MANIFEST_COLUMNS = ['path', 'label', 'class', 'mask', 'width', 'height', 'mask_frac', 'batch', 'metadata', 'truth'] as const;

export function register(program: Command): void {
  program
    .command('synth')
    .description('generate synthetic SEM Li-S cathode micrographs with known injected anomalies (+ masks, sheets, manifest)')
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .requiredOption('--count <n>', 'number of images')
    .option('--seed <n>', 'seed: the same seed gives the same files', '1')
    .option('--size <px>', 'image width and height in pixels', '512')
    .option('--height <px>', 'image height in pixels, when it differs from the width (e.g. --size 1024 --height 700)')
    .option('--anomaly-rate <r>', 'share of images with an injected anomaly (0..1)', '0.5')
    .option('--pixel-size <um>', 'micrometres per pixel', '0.1')
    .option('--types <list>', `comma-separated anomaly types (default all: ${ANOMALY_TYPES.join(',')})`)
    .option('--no-grid', 'skip the sample grid image')
    .option('--json', 'print a summary as one JSON document')
    .action(async (raw: unknown) => {
      const options = parseOptions(OptionsSchema, raw);
      const started = performance.now();
      const plan = planSynthSet({
        seed: options.seed,
        count: options.count,
        width: options.size,
        height: options.height ?? options.size,
        pixelSizeUm: options.pixelSize,
        anomalyRate: options.anomalyRate,
        anomalyTypes: options.types,
      });
      for (const sub of ['images', 'masks', 'metadata', 'truth']) await mkdir(join(options.out, sub), { recursive: true });
      const rows: string[] = [MANIFEST_COLUMNS.join(',')];
      const gridTiles = new Map<string, Micrograph>();
      const perClass: Record<string, number> = {};
      for (const item of plan) {
        const m = generateMicrograph(item.request);
        const cls = item.anomaly ?? 'normal';
        perClass[cls] = (perClass[cls] ?? 0) + 1;
        if (!gridTiles.has(cls)) gridTiles.set(cls, m);
        const imagePath = `images/${item.name}.png`;
        const maskPath = m.mask ? `masks/${item.name}.png` : '';
        await writeFile(join(options.out, imagePath), await encodeGrey16(m.image));
        if (m.mask) await writeFile(join(options.out, maskPath), await encodeMask(m.mask, m.image.width, m.image.height));
        await writeFile(join(options.out, `metadata/${item.name}.json`), JSON.stringify(m.metadata, null, 2) + '\n');
        await writeFile(join(options.out, `truth/${item.name}.json`), JSON.stringify(m.truth, null, 2) + '\n');
        const maskFrac = m.truth.anomaly ? m.truth.anomaly.areaPx / (m.image.width * m.image.height) : 0;
        rows.push(
          [imagePath, m.mask ? 1 : 0, cls, maskPath, m.image.width, m.image.height, maskFrac.toFixed(5), item.batchId, `metadata/${item.name}.json`, `truth/${item.name}.json`].join(','),
        );
        if (!options.json && process.stderr.isTTY) process.stderr.write(`\rsynth ${item.index + 1}/${plan.length}`);
      }
      if (!options.json && process.stderr.isTTY) process.stderr.write('\n');
      await writeFile(join(options.out, 'manifest.csv'), rows.join('\n') + '\n');
      let grid: string | null = null;
      if (options.grid && gridTiles.size > 0) {
        grid = join(options.out, 'sample-grid.png');
        await writeFile(grid, await sampleGrid([...gridTiles.entries()]));
      }
      const summary = {
        out: options.out,
        count: plan.length,
        perClass,
        manifest: join(options.out, 'manifest.csv'),
        sampleGrid: grid,
        seconds: Math.round(performance.now() - started) / 1000,
      };
      if (options.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      else
        process.stdout.write(
          `wrote ${summary.count} micrographs (${Object.entries(perClass).map(([k, v]) => `${k} ${v}`).join(', ')}) to ${options.out} ` +
            `in ${summary.seconds.toFixed(1)} s; manifest ${summary.manifest}${grid ? `; sample grid ${grid}` : ''}\n`,
        );
    });
}

/** 16-bit greyscale PNG (sharp reads a Uint16Array as 16-bit raw input). */
async function encodeGrey16(image: GreyImage): Promise<Buffer> {
  const px = new Uint16Array(image.width * image.height);
  for (let i = 0; i < px.length; i++) px[i] = Math.round(Math.min(1, Math.max(0, image.data[i]!)) * 65535);
  return sharp(px, { raw: { width: image.width, height: image.height, channels: 1 } }).toColourspace('grey16').png().toBuffer();
}

/** 8-bit mask PNG, 255 = anomalous (the evaluate format: defective where value > 127). */
async function encodeMask(mask: Uint8Array, width: number, height: number): Promise<Buffer> {
  const px = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) px[i] = mask[i] ? 255 : 0;
  return sharp(px, { raw: { width, height, channels: 1 } }).png().toBuffer();
}

const TILE = 256;
const LABEL_HEIGHT = 22;

/** One tile per class (normal first), the anomaly mask outlined in red, with the class name under each tile. */
async function sampleGrid(tiles: [string, Micrograph][]): Promise<Buffer> {
  tiles.sort(([a], [b]) => (a === 'normal' ? -1 : b === 'normal' ? 1 : a.localeCompare(b)));
  const cols = Math.min(3, tiles.length);
  const rowsCount = Math.ceil(tiles.length / cols);
  const composites: OverlayOptions[] = [];
  for (const [i, [cls, m]] of tiles.entries()) {
    const { width, height } = m.image;
    const rgb = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const v = Math.round(m.image.data[p]! * 255);
      rgb[3 * p] = v;
      rgb[3 * p + 1] = v;
      rgb[3 * p + 2] = v;
    }
    if (m.mask) outlineMask(rgb, m.mask, width, height);
    const tile = await sharp(rgb, { raw: { width, height, channels: 3 } }).resize(TILE, TILE).png().toBuffer();
    const left = (i % cols) * TILE;
    const top = Math.floor(i / cols) * (TILE + LABEL_HEIGHT);
    composites.push({ input: tile, left, top });
    const label = Buffer.from(
      `<svg width="${TILE}" height="${LABEL_HEIGHT}"><text x="${TILE / 2}" y="16" font-family="sans-serif" font-size="14" fill="#fff" text-anchor="middle">${cls}</text></svg>`,
    );
    composites.push({ input: label, left, top: top + TILE });
  }
  return sharp({ create: { width: cols * TILE, height: rowsCount * (TILE + LABEL_HEIGHT), channels: 3, background: '#202020' } })
    .composite(composites)
    .png()
    .toBuffer();
}

/** Paints the mask's boundary pixels (2 px wide, so it survives the downscale) red. */
function outlineMask(rgb: Uint8Array, mask: Uint8Array, width: number, height: number): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (!mask[p]) continue;
      let edge = false;
      for (let d = 1; d <= 2 && !edge; d++) {
        edge = x < d || y < d || x >= width - d || y >= height - d || !mask[p - d] || !mask[p + d] || !mask[p - d * width] || !mask[p + d * width];
      }
      if (edge) {
        rgb[3 * p] = 255;
        rgb[3 * p + 1] = 40;
        rgb[3 * p + 2] = 40;
      }
    }
  }
}

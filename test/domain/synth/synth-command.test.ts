import { Command } from 'commander';
import { parse as parseCsv } from 'csv-parse/sync';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { register } from '../../../bin/commands/synth.js';
import { parseManifest } from '../../../lambdas/application/evaluate/manifest.js';
import { generateMicrograph, planSynthSet } from '../../../lambdas/domain/synth/index.js';

/** `mmdo synth` run in-process through commander, writing to a temp folder. */
describe('mmdo synth command', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmdo-synth-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function synth(args: string[]): Promise<string> {
    const program = new Command('mmdo').exitOverride();
    register(program);
    const chunks: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => chunks.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      await program.parseAsync(['node', 'mmdo', 'synth', ...args]);
    } finally {
      process.stdout.write = write;
    }
    return chunks.join('');
  }

  test('writes 16-bit images, masks, sheets and an evaluate manifest that match the generator', async () => {
    const out = join(dir, 'set');
    const summary = JSON.parse(await synth(['--out', out, '--count', '6', '--seed', '3', '--size', '96', '--anomaly-rate', '0.5', '--json']));
    expect(summary).toMatchObject({ count: 6, manifest: join(out, 'manifest.csv'), sampleGrid: join(out, 'sample-grid.png') });

    const rows = parseCsv(await readFile(join(out, 'manifest.csv')), { columns: true }) as Record<string, string>[];
    const items = parseManifest(rows);
    expect(items.filter((i) => i.label === 1)).toHaveLength(3);

    const plan = planSynthSet({ seed: 3, count: 6, width: 96, height: 96, pixelSizeUm: 0.1, anomalyRate: 0.5 });
    for (const [k, item] of items.entries()) {
      const expected = generateMicrograph(plan[k]!.request);
      expect(await sharp(join(out, item.path)).metadata()).toMatchObject({ format: 'png', depth: 'ushort', channels: 1, width: 96, height: 96 });
      const { data } = await sharp(join(out, item.path)).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      const px = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
      expect(Math.abs(px[500]! / 65535 - expected.image.data[500]!)).toBeLessThan(1e-4);
      expect(item.className).toBe(plan[k]!.anomaly ?? 'normal');
      expect(rows[k]!.batch).toBe(plan[k]!.batchId);
      const sheet = JSON.parse(await readFile(join(out, rows[k]!.metadata!), 'utf8'));
      expect(sheet).toEqual(expected.metadata);
      if (item.label === 1) {
        const mask = await sharp(join(out, item.mask!)).greyscale().raw().toBuffer();
        let agree = 0;
        for (let i = 0; i < mask.length; i++) if (mask[i]! > 127 === (expected.mask![i] === 1)) agree++;
        expect(agree).toBe(mask.length);
      } else {
        expect(item.mask).toBeUndefined();
      }
    }
  });

  test('--height makes non-square images (masks and manifest sizes too), the generator\'s own at that size', async () => {
    const out = join(dir, 'wide');
    await synth(['--out', out, '--count', '2', '--seed', '4', '--size', '96', '--height', '64', '--anomaly-rate', '1', '--no-grid', '--json']);
    const rows = parseCsv(await readFile(join(out, 'manifest.csv')), { columns: true }) as Record<string, string>[];
    const plan = planSynthSet({ seed: 4, count: 2, width: 96, height: 64, pixelSizeUm: 0.1, anomalyRate: 1 });
    for (const [k, row] of rows.entries()) {
      expect([row.width, row.height]).toEqual(['96', '64']);
      expect(await sharp(join(out, row.path!)).metadata()).toMatchObject({ width: 96, height: 64 });
      expect(await sharp(join(out, row.mask!)).metadata()).toMatchObject({ width: 96, height: 64 });
      const expected = generateMicrograph(plan[k]!.request);
      const { data } = await sharp(join(out, row.path!)).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      expect(Math.abs(new Uint16Array(data.buffer, data.byteOffset, data.length / 2)[1000]! / 65535 - expected.image.data[1000]!)).toBeLessThan(1e-4);
    }
    await expect(synth(['--out', join(dir, 'flat'), '--count', '1', '--height', '8'])).rejects.toThrow(/height/);
  });

  test('rejects unknown anomaly types with the known ones listed', async () => {
    await expect(synth(['--out', join(dir, 'bad'), '--count', '1', '--types', 'crack,scratch'])).rejects.toThrow(/scratch.*known: agglomeration/);
  });
});

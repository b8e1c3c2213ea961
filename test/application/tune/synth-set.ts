import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { generateMicrograph, planSynthSet } from '../../../lambdas/domain/synth/index.js';

/**
 * A tiny `mmdo synth` set on disk (the same generator, plan and manifest columns evaluate reads): small images so a
 * whole tuning run takes seconds. Returns the manifest path.
 */
export async function writeSynthSet(dir: string, options: { count: number; size: number; seed: number; anomalyRate: number }): Promise<string> {
  await mkdir(join(dir, 'images'), { recursive: true });
  await mkdir(join(dir, 'masks'), { recursive: true });
  const rows = ['path,label,class,mask'];
  const plan = planSynthSet({ seed: options.seed, count: options.count, width: options.size, height: options.size, pixelSizeUm: 0.1, anomalyRate: options.anomalyRate });
  for (const item of plan) {
    const m = generateMicrograph(item.request);
    const image = `images/${item.name}.png`;
    await writeFile(join(dir, image), await png(m.image.data, m.image.width, m.image.height, 255));
    let mask = '';
    if (m.mask) {
      mask = `masks/${item.name}.png`;
      await writeFile(join(dir, mask), await png(m.mask, m.image.width, m.image.height, 255));
    }
    rows.push([image, m.mask ? 1 : 0, item.anomaly ?? 'normal', mask].join(','));
  }
  const manifest = join(dir, 'manifest.csv');
  await writeFile(manifest, rows.join('\n') + '\n');
  return manifest;
}

async function png(values: ArrayLike<number>, width: number, height: number, scale: number): Promise<Buffer> {
  const bytes = Uint8Array.from(values, (v) => Math.max(0, Math.min(255, Math.round(v * scale))));
  return sharp(bytes, { raw: { width, height, channels: 1 } }).png().toBuffer();
}

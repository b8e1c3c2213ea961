import sharp from 'sharp';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnrollSource } from '../application/contracts.js';
import type { GreyImage } from '../domain/image/grey-image.js';
import { generateMicrograph, type AnomalyType } from '../domain/synth/index.js';
import type { LocalServiceDeps } from './deps.js';
import type { Log } from './log.js';

export interface DemoProfileOptions {
  readonly tenant: string;
  readonly name: string;
  /** Generated normal micrographs to enrol (bank + held-out calibration). */
  readonly images: number;
  readonly size: number;
  readonly pixelSizeUm: number;
  /** Where to write a few sample images to try the service with, or null. */
  readonly samplesDir: string | null;
}

export const DEFAULT_DEMO: Omit<DemoProfileOptions, 'tenant' | 'samplesDir'> = { name: 'demo', images: 20, size: 256, pixelSizeUm: 0.1 };

/** Seeds of the demo set: fixed so every fresh MMDO_HOME gets the same demo profile. */
const ENROL_SEED = 7000;
const SAMPLE_SEED = 9000;
const SAMPLE_ANOMALIES: readonly (AnomalyType | null)[] = [null, 'void', 'agglomeration', 'crack'];

/**
 * First run (issue 4 item 7): when the tenant has no profile at all, enrol a demo profile from synthetic normal
 * micrographs (lambdas/domain/synth), so the first inspection works at once. Also writes sample images (one normal,
 * some with a known defect) to try it with. Returns false when profiles already exist.
 */
export async function seedDemoProfile(deps: LocalServiceDeps, options: DemoProfileOptions, log: Log): Promise<boolean> {
  if ((await deps.profiles.list(options.tenant)).length > 0) return false;
  if (!deps.enrollment) throw new Error('no enrollment service to seed the demo profile with');
  const started = Date.now();
  log(`no profile yet: enrolling demo profile '${options.name}' from ${options.images} generated normal micrographs (${options.size}x${options.size})`);
  const images: EnrollSource[] = [];
  for (let i = 0; i < options.images; i++) {
    const { image } = generateMicrograph({ seed: ENROL_SEED + i, width: options.size, height: options.size, pixelSizeUm: options.pixelSizeUm });
    images.push({ name: `demo-normal-${String(i + 1).padStart(2, '0')}.png`, bytes: await encodeGreyPng(image), pixelSizeUm: options.pixelSizeUm });
  }
  let lastStage = '';
  const result = await deps.enrollment.enroll(
    { tenant: options.tenant, profile: options.name, images, pixelSizeUm: options.pixelSizeUm, calibrationFraction: 0.3, seed: ENROL_SEED },
    (stage, fraction) => {
      if (stage === lastStage) return;
      lastStage = stage;
      log(`demo profile: ${stage} ${Math.round(fraction * 100)}%`);
    },
  );
  log(
    `demo profile '${result.profile}' v${result.version} ready in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      `(${result.bankImages} bank + ${result.calibrationImages} calibration images, ${result.bankVectors} patch vectors)`,
  );
  if (options.samplesDir) await writeSamples(options, log);
  return true;
}

async function writeSamples(options: DemoProfileOptions, log: Log): Promise<void> {
  const dir = options.samplesDir!;
  await mkdir(dir, { recursive: true });
  for (const [i, anomaly] of SAMPLE_ANOMALIES.entries()) {
    const { image } = generateMicrograph({ seed: SAMPLE_SEED + i, width: options.size, height: options.size, pixelSizeUm: options.pixelSizeUm, ...(anomaly ? { anomaly } : {}) });
    await writeFile(join(dir, `sample-${anomaly ?? 'normal'}.png`), await encodeGreyPng(image));
  }
  log(`sample images to try: ${dir} (sample-normal.png, ${SAMPLE_ANOMALIES.filter(Boolean).map((a) => `sample-${a}.png`).join(', ')})`);
}

/** 8-bit grey PNG of a 0..1 image. */
export async function encodeGreyPng(image: GreyImage): Promise<Uint8Array> {
  const pixels = new Uint8Array(image.width * image.height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(Math.min(1, Math.max(0, image.data[i]!)) * 255);
  return new Uint8Array(await sharp(pixels, { raw: { width: image.width, height: image.height, channels: 1 } }).png().toBuffer());
}

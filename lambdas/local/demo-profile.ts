import sharp from 'sharp';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnrollSource } from '../application/contracts.js';
import type { GreyImage } from '../domain/image/grey-image.js';
import { generateMicrograph, type AnomalyType } from '../domain/synth/index.js';
import type { Backbone } from '../ports/backbone.js';
import type { LocalServiceDeps } from './deps.js';
import type { Log } from './log.js';

export interface DemoProfileOptions {
  readonly tenant: string;
  readonly name: string;
  /** Generated normal micrographs to enrol (bank + held-out calibration). */
  readonly images: number;
  readonly size: number;
  readonly pixelSizeUm: number;
  /** Share of the images held out for calibration (default 0.3). */
  readonly calibrationFraction?: number;
  /** Where to write a few sample images to try the service with, or null. */
  readonly samplesDir: string | null;
}

/**
 * 50 bank images, the density component's minimum (settings.density.minBankImages), so the demo scores with every
 * component a real profile has, and 10 calibration images: about 15 s on a first start on 2 cores.
 */
export const DEFAULT_DEMO: Omit<DemoProfileOptions, 'tenant' | 'samplesDir'> = { name: 'demo', images: 60, calibrationFraction: 1 / 6, size: 256, pixelSizeUm: 0.1 };

/** Seeds of the demo set: fixed so every fresh MMDO_HOME gets the same demo profile. */
const ENROL_SEED = 7000;
const SAMPLE_SEED = 9000;
const SAMPLE_ANOMALIES: readonly (AnomalyType | null)[] = [null, 'void', 'agglomeration', 'crack'];

/** What seeding needs: the service's dependencies and, to notice a backbone change, the backbone it runs. */
export type DemoSeedDeps = LocalServiceDeps & { readonly backbone?: Pick<Backbone, 'descriptor'> };

/**
 * First run (issue 4 item 7): when the tenant has no profile at all, enrol a demo profile from synthetic normal
 * micrographs (lambdas/domain/synth), so the first inspection works at once. Also writes sample images (one normal,
 * some with a known defect) to try it with. When the demo profile exists but was enrolled with another backbone
 * than the one running (MMDO_BACKBONE changed, or a new built-in), every inspection against it would fail with
 * backbone_mismatch: a new demo version is enrolled with the running backbone (enrolment re-embeds the earlier
 * images too). Returns false when nothing was enrolled.
 */
export async function seedDemoProfile(deps: DemoSeedDeps, options: DemoProfileOptions, log: Log): Promise<boolean> {
  const existing = await deps.profiles.list(options.tenant);
  let version = 0;
  if (existing.length > 0) {
    const demo = existing.find((p) => p.name === options.name);
    if (!demo || !deps.backbone) return false;
    const latest = await deps.profiles.load(options.tenant, options.name);
    const running = deps.backbone.descriptor;
    if (latest.backbone.sha256 === running.sha256) return false;
    if (!latest.sources) {
      log(`demo profile '${options.name}' was enrolled with backbone ${latest.backbone.id} and records no source images; enrol a profile for ${running.id} with \`mmdo enroll\``);
      return false;
    }
    log(`demo profile '${options.name}' v${latest.version} was enrolled with backbone ${latest.backbone.id} (${latest.backbone.sha256.slice(0, 12)}), ` +
      `this service runs ${running.id} (${running.sha256.slice(0, 12)}): enrolling a new version`);
    version = latest.version;
  }
  if (!deps.enrollment) throw new Error('no enrollment service to seed the demo profile with');
  const started = Date.now();
  log(`${version ? 're-' : 'no profile yet: '}enrolling demo profile '${options.name}' from ${options.images} generated normal micrographs (${options.size}x${options.size})`);
  // A new version needs images the profile does not hold yet: each version gets its own seeds.
  const seed = ENROL_SEED + 1000 * version;
  const images: EnrollSource[] = [];
  for (let i = 0; i < options.images; i++) {
    const { image } = generateMicrograph({ seed: seed + i, width: options.size, height: options.size, pixelSizeUm: options.pixelSizeUm });
    const name = `demo-normal-${version ? `v${version + 1}-` : ''}${String(i + 1).padStart(2, '0')}.png`;
    images.push({ name, bytes: await encodeGreyPng(image), pixelSizeUm: options.pixelSizeUm });
  }
  let lastStage = '';
  const result = await deps.enrollment.enroll(
    { tenant: options.tenant, profile: options.name, images, pixelSizeUm: options.pixelSizeUm, calibrationFraction: options.calibrationFraction ?? 0.3, seed: ENROL_SEED },
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
  // E.g. no density component when fewer images are asked for than DEFAULT_DEMO's.
  for (const warning of result.warnings ?? []) log(`demo profile: ${warning}`);
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

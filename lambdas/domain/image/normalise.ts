import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { clahe } from './clahe.js';
import { gaussianBlur } from './gaussian.js';
import type { GreyImage } from './grey-image.js';
import { percentileStretch } from './intensity.js';

/** Each step can be turned off with `false`; omitted fields take the defaults. */
export const normaliseOptionsSchema = z
  .object({
    denoise: z.union([z.literal(false), z.object({ sigma: z.number().positive().max(20).default(1) }).strict()]).default({ sigma: 1 }),
    clahe: z
      .union([
        z.literal(false),
        z
          .object({
            tilesX: z.number().int().min(1).max(64).default(8),
            tilesY: z.number().int().min(1).max(64).default(8),
            clipLimit: z.number().min(1).max(100).default(2),
            bins: z.number().int().min(16).max(65536).default(256),
          })
          .strict(),
      ])
      .default({ tilesX: 8, tilesY: 8, clipLimit: 2, bins: 256 }),
    intensity: z
      .union([
        z.literal(false),
        z
          .object({ lowPercent: z.number().min(0).max(100).default(0.5), highPercent: z.number().min(0).max(100).default(99.5) })
          .strict()
          .refine((o) => o.lowPercent < o.highPercent, { message: 'lowPercent must be below highPercent' }),
      ])
      .default({ lowPercent: 0.5, highPercent: 99.5 }),
  })
  .strict();

export type NormaliseOptionsInput = z.input<typeof normaliseOptionsSchema>;
export type NormaliseOptions = z.output<typeof normaliseOptionsSchema>;

export interface NormaliseResult {
  readonly image: GreyImage;
  /** The options actually applied (defaults filled in) plus the intensities the stretch mapped to 0 and 1. */
  readonly parameters: NormaliseOptions & { readonly intensityRange?: { readonly low: number; readonly high: number } };
}

/**
 * The pipeline's normalisation: Gaussian denoise → CLAHE → robust percentile stretch, in that order so CLAHE
 * does not amplify sensor noise and the final range is comparable across instruments. Record `parameters` with
 * the profile so every inspected image goes through exactly the same steps.
 */
export function normalise(image: GreyImage, options: NormaliseOptionsInput = {}): NormaliseResult {
  const parsed = normaliseOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ValidationError(`invalid normalisation options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, {
      issues: parsed.error.issues,
    });
  }
  const o = parsed.data;
  let current = image;
  // After the first step each works in place on the image the previous one made (the caller's is never written):
  // at 64 MP that is 512 MB less held at once.
  if (o.denoise) current = gaussianBlur(current, o.denoise.sigma);
  if (o.clahe) current = clahe(current, o.clahe, current !== image);
  if (o.intensity) {
    const stretched = percentileStretch(current, o.intensity.lowPercent, o.intensity.highPercent, current !== image);
    return { image: stretched.image, parameters: { ...o, intensityRange: { low: stretched.low, high: stretched.high } } };
  }
  return { image: current === image ? { ...image, data: image.data.slice() } : current, parameters: o };
}

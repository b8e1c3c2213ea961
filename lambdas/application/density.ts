import type { GreyImage } from '../domain/image/grey-image.js';
import { dihedral } from '../domain/image/dihedral.js';
import { cropReflect } from '../domain/image/padding.js';
import { resize } from '../domain/image/resample.js';
import type { ScoringSettings } from '../domain/profile/settings.js';
import { averageVectors, logBlock, pooledStatistics } from '../domain/scoring/density.js';
import { insideCells } from '../domain/scoring/patch-grid.js';
import type { Backbone } from '../ports/backbone.js';
import type { IngestLimits } from '../ports/image-codec.js';
import { prepareImage } from './prepare.js';

export type DensitySettings = ScoringSettings['density'];

/** The dihedral transforms of each view count: a mirror, then the half turn, then the quarter turns. */
const VIEW_TRANSFORMS: Readonly<Record<DensitySettings['views'], readonly number[]>> = {
  1: [0],
  2: [0, 4],
  4: [0, 2, 4, 6],
  8: [0, 1, 2, 3, 4, 5, 6, 7],
};

/**
 * Block names of the density component, in order: each layer's channel means, then its standard deviations; with
 * `logBlocks`, then the log of each of those.
 */
export function densityBlockNames(settings: Pick<DensitySettings, 'layers' | 'logBlocks'>): string[] {
  const linear = settings.layers.flatMap((l) => [`${l}.mean`, `${l}.std`]);
  return settings.logBlocks ? [...linear, ...linear.map((n) => `${n}.log`)] : linear;
}

/**
 * The pooled blocks of one image for the density component (domain/scoring/density.ts): the image (already at the
 * profile's pixel size and the density's own normalisation) resized so its short side is `shortSide` times each of
 * `scales` (aspect kept, so the cost is fixed whatever the upload's size), seen in each view, reflect-padded by the
 * profile's border and up to the backbone's size multiple; per view and layer the channel mean and standard deviation
 * over the cells inside the image, averaged over every scale and view (and, with `logBlocks`, their logs). Enrolment
 * and inspection call this one function.
 */
export async function densityFeatures(
  backbone: Pick<Backbone, 'descriptor' | 'extract'>, image: GreyImage, settings: DensitySettings, pad: number,
): Promise<Float32Array[]> {
  const views = settings.scales.flatMap((factor) => {
    const scale = (settings.shortSide * factor) / Math.min(image.width, image.height);
    const base = resize(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)));
    return VIEW_TRANSFORMS[settings.views].map((t) => dihedral(base, t));
  });
  const multiple = backbone.descriptor.sizeMultiple;
  // Views of one shape share a backbone call (quarter turns of a non-square image have the other shape).
  const byShape = new Map<string, GreyImage[]>();
  for (const v of views) byShape.set(`${v.width}x${v.height}`, [...(byShape.get(`${v.width}x${v.height}`) ?? []), v]);
  const perView: Float32Array[][] = [];
  for (const group of byShape.values()) {
    const padded = group.map((v) => cropReflect(v, -pad, -pad, roundUp(v.width + 2 * pad, multiple), roundUp(v.height + 2 * pad, multiple)));
    const outputs = await backbone.extract(padded, settings.layers);
    group.forEach((v, i) => {
      const inside = { x0: pad, y0: pad, x1: pad + v.width, y1: pad + v.height };
      perView.push(settings.layers.flatMap((layer) => {
        const map = outputs[i]!.find((m) => m.name === layer);
        if (!map) throw new Error(`the backbone returned no '${layer}' output`);
        const { mean, std } = pooledStatistics(map, insideCells(map, inside));
        return [mean, std];
      }));
    });
  }
  const averaged = perView[0]!.map((_, b) => averageVectors(perView.map((blocks) => blocks[b]!)));
  // The log after the view average (the log of each view, then averaged, scored worse on validation).
  return settings.logBlocks ? [...averaged, ...averaged.map((v) => logBlock(v))] : averaged;
}

/** What the density of one inspected image depends on besides the image and the backbone (plain data: it crosses threads). */
export interface DensityRequest {
  readonly imagePixelUm?: number;
  readonly profilePixelUm: number | null;
  readonly settings: DensitySettings;
  readonly pad: number;
  readonly limits?: Pick<IngestLimits, 'maxPixels'>;
}

/** The density blocks of an inspected image as ingested: at the profile's pixel size, the density's own normalisation. */
export async function densityOfOriginal(
  backbone: Pick<Backbone, 'descriptor' | 'extract'>, original: GreyImage, request: DensityRequest,
): Promise<Float32Array[]> {
  const image = prepareImage(original, request.imagePixelUm, request.profilePixelUm, request.settings.normalise, request.limits);
  return densityFeatures(backbone, image, request.settings, request.pad);
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

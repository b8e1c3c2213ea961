import type { GreyImage } from '../domain/image/grey-image.js';
import { dihedral } from '../domain/image/dihedral.js';
import { cropReflect } from '../domain/image/padding.js';
import { resampleByScale } from '../domain/image/resample.js';
import type { ScoringSettings } from '../domain/profile/settings.js';
import { averageVectors, logBlock, pooledStatistics } from '../domain/scoring/density.js';
import type { DensityViewCells } from '../domain/scoring/density-map.js';
import { insideCells } from '../domain/scoring/patch-grid.js';
import type { FeatureMap } from '../domain/features/feature-map.js';
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

/** Every layer the density reads: the scored ones, then those for its map only (where the map is on). */
export function densityLayersOf(settings: Pick<DensitySettings, 'layers' | 'mapLayers' | 'map'>): string[] {
  return settings.map ? [...settings.layers, ...(settings.mapLayers ?? [])] : [...settings.layers];
}

/** σ of each such layer's map smoothing, px of the density's working image: map-only layers may have their own. */
export function densityMapSmoothingOf(settings: Pick<DensitySettings, 'layers' | 'mapLayers' | 'map' | 'mapSmoothingPx' | 'mapLayersSmoothingPx'>): number[] {
  return densityLayersOf(settings).map((layer) => (settings.layers.includes(layer) ? settings.mapSmoothingPx : settings.mapLayersSmoothingPx ?? settings.mapSmoothingPx));
}

/**
 * Block names of the density component, in order: each layer's channel means, then its standard deviations (the
 * scored layers, then the map-only ones); with `logBlocks`, then the log of each of those.
 */
export function densityBlockNames(settings: Pick<DensitySettings, 'layers' | 'mapLayers' | 'map' | 'logBlocks'>): string[] {
  const linear = densityLayersOf(settings).flatMap((l) => [`${l}.mean`, `${l}.std`]);
  return settings.logBlocks ? [...linear, ...linear.map((n) => `${n}.log`)] : linear;
}

/** An image's pooled density blocks and, when asked for (the density map), the cells of every view they were pooled from. */
export interface DensityFeatures {
  readonly blocks: Float32Array[];
  readonly views: DensityViewCells[];
}

/**
 * The pooled blocks of one image for the density component (domain/scoring/density.ts): the image (already at the
 * profile's pixel size and the density's own normalisation) resized so its short side is `shortSide` times each of
 * `scales` (aspect kept, so the cost is fixed whatever the upload's size), seen in each view, reflect-padded by the
 * profile's border and up to the backbone's size multiple; per view and layer the channel mean and standard deviation
 * over the cells inside the image, averaged over every scale and view (and, with `logBlocks`, their logs). With
 * `cells`, each view's cells come back too (about 1.5 MB a view for a 448 × 672 image), for the density map
 * (domain/scoring/density-map.ts). Enrolment and inspection call this one function.
 */
export async function densityFeatures(
  backbone: Pick<Backbone, 'descriptor' | 'extract'>, image: GreyImage, settings: DensitySettings, pad: number, options: { cells?: boolean } = {},
): Promise<DensityFeatures> {
  const views = settings.scales.flatMap((factor) => {
    const base = resampleByScale(image, (settings.shortSide * factor) / Math.min(image.width, image.height));
    return VIEW_TRANSFORMS[settings.views].map((transform) => ({ transform, image: dihedral(base, transform) }));
  });
  const multiple = backbone.descriptor.sizeMultiple;
  const layerNames = densityLayersOf(settings);
  // Views of one shape share a backbone call (quarter turns of a non-square image have the other shape).
  const byShape = new Map<string, typeof views>();
  for (const v of views) {
    const key = `${v.image.width}x${v.image.height}`;
    byShape.set(key, [...(byShape.get(key) ?? []), v]);
  }
  const perView: Float32Array[][] = [];
  const cells: DensityViewCells[] = [];
  for (const group of byShape.values()) {
    const padded = group.map(({ image: v }) => cropReflect(v, -pad, -pad, roundUp(v.width + 2 * pad, multiple), roundUp(v.height + 2 * pad, multiple)));
    const outputs = await backbone.extract(padded, layerNames);
    group.forEach(({ transform, image: v }, i) => {
      const inside = { x0: pad, y0: pad, x1: pad + v.width, y1: pad + v.height };
      const layers = layerNames.map((layer) => {
        const map = outputs[i]!.find((m) => m.name === layer);
        if (!map) throw new Error(`the backbone returned no '${layer}' output`);
        const region = insideCells(map, inside);
        return { map, region, ...pooledStatistics(map, region) };
      });
      perView.push(layers.flatMap(({ mean, std }) => [mean, std]));
      if (options.cells) cells.push({ transform, layers: layers.map(({ map, region, mean, std }) => ({ ...cropCells(map, region), mean, std })) });
    });
  }
  const averaged = perView[0]!.map((_, b) => averageVectors(perView.map((blocks) => blocks[b]!)));
  // The log after the view average (the log of each view, then averaged, scored worse on validation).
  return { blocks: settings.logBlocks ? [...averaged, ...averaged.map((v) => logBlock(v))] : averaged, views: cells };
}

/** The cells of a CHW map inside a cell rectangle (all of them when there is none), channel-major. */
function cropCells(map: FeatureMap, region: { x0: number; y0: number; x1: number; y1: number } | undefined) {
  const { x0, y0, x1, y1 } = region ?? { x0: 0, y0: 0, x1: map.width, y1: map.height };
  const width = x1 - x0;
  const height = y1 - y0;
  const data = new Float32Array(map.channels * width * height);
  for (let c = 0; c < map.channels; c++) {
    for (let y = 0; y < height; y++) {
      const from = (c * map.height + y0 + y) * map.width + x0;
      data.set(map.data.subarray(from, from + width), (c * height + y) * width);
    }
  }
  return { channels: map.channels, width, height, data };
}

/** What the density of one inspected image depends on besides the image and the backbone (plain data: it crosses threads). */
export interface DensityRequest {
  readonly imagePixelUm?: number;
  readonly profilePixelUm: number | null;
  readonly settings: DensitySettings;
  readonly pad: number;
  readonly limits?: Pick<IngestLimits, 'maxPixels'>;
  /** Keep every view's cells for the density map. */
  readonly cells?: boolean;
}

/** The density blocks of an inspected image as ingested: at the profile's pixel size, the density's own normalisation. */
export async function densityOfOriginal(
  backbone: Pick<Backbone, 'descriptor' | 'extract'>, original: GreyImage, request: DensityRequest,
): Promise<DensityFeatures> {
  const image = prepareImage(original, request.imagePixelUm, request.profilePixelUm, request.settings.normalise, request.limits);
  return densityFeatures(backbone, image, request.settings, request.pad, { cells: request.cells ?? false });
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

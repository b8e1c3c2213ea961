/**
 * Where an image's density score comes from: a map whose mean over the image is the density component's raw score.
 *
 * Why exact: a block's squared Mahalanobis distance is gᵀPg with g = pooled − μ, and every pooled block is a mean
 * over the views' cells, so g = mean over cells of g_c and gᵀPg = mean over cells of g_cᵀ(Pg). Each cell gets its
 * share g_cᵀ(Pg): the channel mean's g_c is f_c − μ; the channel standard deviation's is (f_c − m)²/σ − μ (m, σ the
 * view's own statistics, so the cells' mean is σ); a log block's is (x_c − x)/(x + ε) + ln(x + ε) − μ, whose mean
 * is the log block's own deviation. Cells that pull the pooled statistics away from the enrolled normals score high;
 * on magnetic tile (seed 1, 8 views) the map alone localised at pixel AUROC 0.775 / AUPRO 0.756 against the patch
 * path's 0.724 / 0.696, most of all slow brightness changes (`Uneven` 0.674 → 0.753) that patch search cannot see.
 */
import { dihedral, inverseDihedral } from '../image/dihedral.js';
import { gaussianBlur } from '../image/gaussian.js';
import { createGreyImage, type GreyImage } from '../image/grey-image.js';
import { resize, scaledSize } from '../image/resample.js';
import { LOG_BLOCK_EPSILON, precisionTimes, standardiserOf, type DensityComponent, type Standardiser } from './density.js';
import { bilinearTaps } from './patch-grid.js';

/** One layer's cells of one view, inside the image (channel-major: channels × height × width), and their statistics. */
export interface LayerCells {
  readonly channels: number;
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
  /** Per channel over these cells (population standard deviation, as the pooled blocks). */
  readonly mean: Float32Array;
  readonly std: Float32Array;
}

/** A view of the density (a dihedral transform of the image at one scale) and its layers' cells, in the component's layer order. */
export interface DensityViewCells {
  readonly transform: number;
  readonly layers: readonly LayerCells[];
}

/** Short side of the density map in cells of the map itself (aspect kept): a few map pixels per backbone cell. */
export const DENSITY_MAP_SHORT_SIDE = 64;

/** σ in density-map pixels of a smoothing of `px` pixels of the density's working image (short side `shortSide`). */
export function densityMapSigma(px: number, shortSide: number): number {
  return (px * DENSITY_MAP_SHORT_SIDE) / shortSide;
}

/** The density map's size for an image of width × height. */
export function densityMapSize(width: number, height: number): { width: number; height: number } {
  return scaledSize(width, height, DENSITY_MAP_SHORT_SIDE / Math.min(width, height));
}

/**
 * The density map of one image: each view's cell shares (see the module comment), brought back to the image's
 * orientation, resized to width × height and averaged over the views. `pooled` are the image's pooled blocks (the
 * views' average, as scored), `views` the cells they were pooled from; blocks are ordered as densityBlockNames
 * orders them (per layer mean then std; with `logBlocks`, then their logs). The map's mean is the component's raw
 * score up to the resizing (exact on the cell grids). `smoothing` > 0 smooths the map with a Gaussian of that σ in
 * map pixels (densityMapSigma): a single cell's share swings with where the cell falls on the texture (a particle's
 * centre or the gap beside it) and largely cancels against its neighbours', so the unsmoothed map is speckled with
 * cell-sized peaks that are not defects. Smoothing keeps the map's mean but for the reflected borders. Given per
 * layer (the component's layer order), each layer's shares are smoothed by their own σ before they are summed.
 */
export function densityMap(
  component: DensityComponent, pooled: readonly Float32Array[], views: readonly DensityViewCells[], logBlocks: boolean, width: number, height: number,
  smoothing: number | readonly number[] = 0,
): GreyImage {
  if (views.length === 0) throw new RangeError('a density map needs the cells of at least one view');
  const layerCount = views[0]!.layers.length;
  if (component.blocks.length !== pooled.length || pooled.length !== layerCount * (logBlocks ? 4 : 2)) {
    throw new RangeError(`expected ${layerCount * (logBlocks ? 4 : 2)} blocks for ${layerCount} layers, got ${pooled.length}`);
  }
  const sigmas = typeof smoothing === 'number' ? Array<number>(layerCount).fill(smoothing) : smoothing;
  if (sigmas.length !== layerCount) throw new RangeError(`expected a smoothing per layer (${layerCount}), got ${sigmas.length}`);
  // Pg of each block, scaled by its map weight and standardiser: a block's share of the map is g_cᵀ·this (of the raw
  // score where the map weight is the block's weight; map-only layers add shares of their own, about 0 on normals).
  const directions = component.blocks.map((block, b) => {
    const g = new Float64Array(block.model.dim);
    for (let j = 0; j < g.length; j++) g[j] = pooled[b]![j]! - block.model.mean[j]!;
    const pg = precisionTimes(block.model, g);
    for (let j = 0; j < pg.length; j++) pg[j] *= block.mapWeight / block.standardiser.scale;
    return pg;
  });
  // Per layer, a cell's share is Σ_k (A_k·f_k + B_k·(f_k − m_k)²/σ_k) + constant, with A, B and the constant from the
  // pooled blocks (so the same for every view); the standardisers' locations come off once.
  let constant = -component.blocks.reduce((s, b) => s + (b.mapWeight * b.standardiser.location) / b.standardiser.scale, 0);
  const coefficients = Array.from({ length: layerCount }, (_, layer) => {
    const meanBlock = 2 * layer;
    const stdBlock = 2 * layer + 1;
    const channels = pooled[meanBlock]!.length;
    const a = new Float64Array(channels);
    const b = new Float64Array(channels);
    for (let k = 0; k < channels; k++) {
      a[k] = directions[meanBlock]![k]!;
      b[k] = directions[stdBlock]![k]!;
      constant -= a[k]! * component.blocks[meanBlock]!.model.mean[k]! + b[k]! * component.blocks[stdBlock]!.model.mean[k]!;
    }
    if (logBlocks) {
      for (const [linear, logBlock, coefficient] of [[meanBlock, 2 * layerCount + meanBlock, a], [stdBlock, 2 * layerCount + stdBlock, b]] as const) {
        const x = pooled[linear]!;
        const w = directions[logBlock]!;
        const mu = component.blocks[logBlock]!.model.mean;
        for (let k = 0; k < x.length; k++) {
          const denominator = x[k]! + LOG_BLOCK_EPSILON;
          coefficient[k] += w[k]! / denominator;
          constant += w[k]! * (pooled[logBlock]![k]! - mu[k]! - x[k]! / denominator);
        }
      }
    }
    return { a, b };
  });
  // One map per smoothing σ, summed once each is smoothed (one σ: the view-averaged map smoothed once).
  const bySigma = new Map<number, Float32Array>();
  for (const view of views) {
    // Layers of one stride and σ share a cell grid; each grid's shares are brought back upright and resized on their own.
    const grids = new Map<string, { cols: number; rows: number; sigma: number; grid: Float64Array }>();
    view.layers.forEach((cells, layer) => {
      const { width: cols, height: rows } = cells;
      const sigma = sigmas[layer]!;
      const key = `${cols}x${rows}@${sigma}`;
      if (!grids.has(key)) grids.set(key, { cols, rows, sigma, grid: new Float64Array(cols * rows).fill(grids.size === 0 ? constant : 0) });
      const { grid } = grids.get(key)!;
      const { a, b } = coefficients[layer]!;
      const plane = cols * rows;
      for (let k = 0; k < cells.channels; k++) {
        const m = cells.mean[k]!;
        const sd = cells.std[k]!;
        const ak = a[k]!;
        const bk = sd > 0 ? b[k]! / sd : 0;
        const o = k * plane;
        for (let c = 0; c < plane; c++) {
          const f = cells.data[o + c]!;
          grid[c] += ak * f + bk * (f - m) * (f - m);
        }
      }
    });
    for (const { cols, rows, sigma, grid } of grids.values()) {
      const upright = dihedral(createGreyImage(cols, rows, Float32Array.from(grid)), inverseDihedral(view.transform));
      const resized = resize(upright, width, height).data;
      if (!bySigma.has(sigma)) bySigma.set(sigma, new Float32Array(width * height));
      const out = bySigma.get(sigma)!;
      for (let i = 0; i < out.length; i++) out[i] += resized[i]! / views.length;
    }
  }
  const out = new Float32Array(width * height);
  for (const [sigma, data] of bySigma) {
    const smoothed = sigma > 0 ? gaussianBlur(createGreyImage(width, height, data), sigma).data : data;
    for (let i = 0; i < out.length; i++) out[i] += smoothed[i]!;
  }
  return createGreyImage(width, height, out);
}

/** How the density map joins the patch map: each standardised by its component's normal image scores, then weighted. */
export interface MapFusion {
  readonly patch: { readonly weight: number; readonly standardiser: Standardiser };
  readonly density: { readonly weight: number; readonly standardiser: Standardiser };
}

/**
 * The patch map (raw patch distances, its image score the mean of its top pixels) and the density map (its mean
 * the density's raw score) into one map, in place: (w_p·z_p + w_d·z_d)/(w_p + w_d), each z standardised by its
 * component's normal image scores, so both speak in "normal images' spreads" and weigh as the fusion weighs them. The
 * density map is sampled bilinearly at each pixel of the patch map (the same frame, coarser), without a
 * full-size copy (a 64 MP map is 256 MB).
 */
export function fuseDensityIntoMap(map: GreyImage, density: GreyImage, fusion: MapFusion): void {
  const total = fusion.patch.weight + fusion.density.weight;
  const ap = fusion.patch.weight / fusion.patch.standardiser.scale / total;
  const ad = fusion.density.weight / fusion.density.standardiser.scale / total;
  const offset = -(ap * fusion.patch.standardiser.location + ad * fusion.density.standardiser.location);
  const xs = bilinearTaps(density.width, map.width);
  const ys = bilinearTaps(density.height, map.height);
  const d = density.data;
  for (let y = 0; y < map.height; y++) {
    const top = ys.lo[y]! * density.width;
    const bottom = ys.hi[y]! * density.width;
    const fy = ys.frac[y]!;
    const row = y * map.width;
    for (let x = 0; x < map.width; x++) {
      const l = xs.lo[x]!;
      const h = xs.hi[x]!;
      const fx = xs.frac[x]!;
      const upper = d[top + l]! + (d[top + h]! - d[top + l]!) * fx;
      const lower = d[bottom + l]! + (d[bottom + h]! - d[bottom + l]!) * fx;
      map.data[row + x] = ap * map.data[row + x]! + ad * (upper + (lower - upper) * fy) + offset;
    }
  }
}

/**
 * The profile's map fusion, or undefined where its map is the patch path's alone: the density map off in the
 * settings (versions fitted before it), the density not fused, or no normal scores to standardise on.
 */
export function mapFusionOf(profile: {
  readonly settings: { readonly density: { readonly map: boolean }; readonly fusion: { readonly components: readonly string[]; readonly weights: Readonly<Record<'patch' | 'density', number>> } };
  readonly calibration: { readonly normalImageScores: readonly number[]; readonly normalDensityScores?: readonly number[] };
}): MapFusion | undefined {
  const { settings, calibration } = profile;
  const densityNormals = calibration.normalDensityScores ?? [];
  const fused = (name: 'patch' | 'density') => (settings.fusion.components.includes(name) ? settings.fusion.weights[name] : 0);
  if (!settings.density.map || fused('density') <= 0 || densityNormals.length === 0 || calibration.normalImageScores.length === 0) return undefined;
  return {
    patch: { weight: fused('patch'), standardiser: standardiserOf(calibration.normalImageScores) },
    density: { weight: fused('density'), standardiser: standardiserOf(densityNormals) },
  };
}

import { IngestError } from '../errors.js';
import { createGreyImage, type GreyImage } from './grey-image.js';
import { cropReflect } from './padding.js';

/** A tile's window in image pixels; it may reach past the image edge only when the image is smaller than a tile. */
export interface Tile {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface TilePlan {
  readonly tiles: readonly Tile[];
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly overlap: number;
}

/**
 * Cover width×height with tiles of tileSize (rounded up to `multiple`, e.g. the backbone's stride) that overlap by at
 * least `overlap` pixels, spread evenly with the first and last flush with the edges (none runs past the image). A side shorter than a tile gets one tile, rounded up to `multiple` (extractTile mirrors the excess).
 */
export function planTiles(width: number, height: number, tileSize: number, overlap: number, multiple = 1): TilePlan {
  for (const [name, v] of [['width', width], ['height', height], ['tile size', tileSize], ['multiple', multiple]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  const size = Math.ceil(tileSize / multiple) * multiple;
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new RangeError(`tile overlap must be an integer in 0..${size - 1}, got ${overlap}`);
  }
  const xs = axisStarts(width, size, overlap);
  const ys = axisStarts(height, size, overlap);
  const tileWidth = width >= size ? size : Math.ceil(width / multiple) * multiple;
  const tileHeight = height >= size ? size : Math.ceil(height / multiple) * multiple;
  const tiles: Tile[] = [];
  for (const y of ys) for (const x of xs) tiles.push({ x, y, width: tileWidth, height: tileHeight });
  return { tiles, tileWidth, tileHeight, overlap };
}

function axisStarts(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0];
  // Fewest tiles whose even spread keeps every step within size-overlap; floor keeps steps integral and no longer.
  const count = Math.ceil((length - overlap) / (size - overlap));
  const last = length - size;
  const starts: number[] = [];
  for (let i = 0; i < count; i++) starts.push(Math.floor((i * last) / (count - 1)));
  return starts;
}

/** A pixel rectangle [x0, x1) × [y0, y1). */
export interface PixelRect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/**
 * How much a tile plan may process relative to the pixel limit: overlaps and the reflected border make an ordinary
 * image's tiles cover about 1.2–1.4× its pixels; a long thin strip (32 px × 2 million) would cover 3–4×.
 */
export const TILE_PLAN_ALLOWANCE = 2;

/** Pixels the backbone would see: every tile's, overlaps and border included. */
export function tilePlanPixels(plan: TilePlan): number {
  return plan.tiles.length * plan.tileWidth * plan.tileHeight;
}

/**
 * Tiles over an image padded by a reflected border of `pad` pixels: tiles grow by the border, so an image that
 * fitted one tile still does. Tiles are in the padded image's pixels (the image starts at (pad, pad)).
 * With `maxPixels`, a plan covering more than TILE_PLAN_ALLOWANCE × maxPixels is refused (`too_many_pixels`)
 * before any tile is cut: the pixel limit bounds the work of the tile plan as well as the image.
 */
export function planPaddedTiles(
  width: number, height: number, tiling: { readonly tileSize: number; readonly overlap: number }, pad: number, multiple: number,
  maxPixels?: number,
): TilePlan {
  if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`border pad must be a non-negative integer, got ${pad}`);
  const size = Math.ceil((tiling.tileSize + 2 * pad) / multiple) * multiple;
  const plan = planTiles(width + 2 * pad, height + 2 * pad, size, Math.min(tiling.overlap, size - multiple), multiple);
  if (maxPixels !== undefined) {
    const pixels = tilePlanPixels(plan);
    if (pixels > TILE_PLAN_ALLOWANCE * maxPixels) {
      throw new IngestError(
        'too_many_pixels',
        `The ${width} x ${height} image would be processed as ${plan.tiles.length} tiles of ${plan.tileWidth} x ${plan.tileHeight} px ` +
          `(${pixels} pixels with borders and overlaps), over ${TILE_PLAN_ALLOWANCE} x the ${maxPixels}-pixel limit; crop it into shorter pieces.`,
        { width, height, tiles: plan.tiles.length, pixels, maxPixels },
      );
    }
  }
  return plan;
}

/** The part of a padded-image tile that shows the image itself, in the tile's pixels. */
export function insideRect(tile: Tile, pad: number, width: number, height: number): PixelRect {
  return {
    x0: Math.max(0, pad - tile.x),
    y0: Math.max(0, pad - tile.y),
    x1: Math.min(tile.width, pad + width - tile.x),
    y1: Math.min(tile.height, pad + height - tile.y),
  };
}

/** The tile of the image padded by a mirrored border of `pad` pixels (outside the image, mirrored back in). */
export function extractPaddedTile(image: GreyImage, pad: number, tile: Tile): GreyImage {
  return cropReflect(image, tile.x - pad, tile.y - pad, tile.width, tile.height);
}

/** The tile's pixels (mirrored where it reaches past the image). */
export function extractTile(image: GreyImage, tile: Tile): GreyImage {
  return cropReflect(image, tile.x, tile.y, tile.width, tile.height);
}

export interface TileMap {
  readonly tile: Tile;
  /** A per-tile float map covering the whole tile at any resolution (e.g. patch scores at the backbone stride). */
  readonly map: GreyImage;
}

/**
 * Blend per-tile maps back into one width×height map. Each map is sampled bilinearly at image resolution and
 * weighted by a window that ramps smoothly to ~0 over `overlap` pixels at the tile's edges, and the weighted sum is
 * normalised, so overlapping tiles cross-fade and no seam appears. Where only one tile covers a pixel it is used as is.
 */
export function stitchTiles(maps: readonly TileMap[], width: number, height: number, overlap: number): GreyImage {
  if (maps.length === 0) throw new RangeError('nothing to stitch: no tiles');
  const sum = new Float64Array(width * height);
  const weight = new Float64Array(width * height);
  for (const { tile, map } of maps) {
    const x0 = Math.max(0, tile.x);
    const y0 = Math.max(0, tile.y);
    const x1 = Math.min(width, tile.x + tile.width);
    const y1 = Math.min(height, tile.y + tile.height);
    if (x1 <= x0 || y1 <= y0) continue;
    const sx = map.width / tile.width;
    const sy = map.height / tile.height;
    // Column sampling positions and window weights, computed once per tile.
    const cols = x1 - x0;
    const c0 = new Int32Array(cols);
    const c1 = new Int32Array(cols);
    const cf = new Float32Array(cols);
    const wx = new Float32Array(cols);
    for (let i = 0; i < cols; i++) {
      const local = x0 + i - tile.x;
      const p = clamp((local + 0.5) * sx - 0.5, 0, map.width - 1);
      c0[i] = Math.floor(p);
      c1[i] = Math.min(map.width - 1, c0[i] + 1);
      cf[i] = p - c0[i];
      wx[i] = edgeWindow(local, tile.width, overlap);
    }
    for (let y = y0; y < y1; y++) {
      const local = y - tile.y;
      const p = clamp((local + 0.5) * sy - 0.5, 0, map.height - 1);
      const r0 = Math.floor(p) * map.width;
      const r1 = Math.min(map.height - 1, Math.floor(p) + 1) * map.width;
      const fy = p - Math.floor(p);
      const wy = edgeWindow(local, tile.height, overlap);
      const row = y * width;
      for (let i = 0; i < cols; i++) {
        const top = map.data[r0 + c0[i]] + (map.data[r0 + c1[i]] - map.data[r0 + c0[i]]) * cf[i];
        const bottom = map.data[r1 + c0[i]] + (map.data[r1 + c1[i]] - map.data[r1 + c0[i]]) * cf[i];
        const w = wx[i] * wy;
        sum[row + x0 + i] += w * (top + (bottom - top) * fy);
        weight[row + x0 + i] += w;
      }
    }
  }
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    if (weight[i] === 0) throw new RangeError(`tiles do not cover pixel (${i % width}, ${Math.floor(i / width)})`);
    out[i] = sum[i] / weight[i];
  }
  return createGreyImage(width, height, out);
}

/** Smoothstep ramp from ~0 at the tile edge to 1 at `overlap` pixels in; never exactly 0 so lone tiles still count. */
function edgeWindow(local: number, size: number, overlap: number): number {
  if (overlap <= 0) return 1;
  const d = Math.min(local, size - 1 - local) + 0.5;
  if (d >= overlap) return 1;
  const t = d / overlap;
  return t * t * (3 - 2 * t);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

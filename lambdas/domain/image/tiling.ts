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
 *
 * The sums are made one band of rows at a time (each pixel still adds its tiles in plan order, so the result is the
 * same as summing over the whole image at once), so the double-precision accumulators take a band, not two copies
 * of the image: a 64 MP map needs its output and about 50 MB, not an extra gigabyte. A map row is interpolated
 * along x once per tile and reused for every image row that samples it.
 */
export function stitchTiles(maps: readonly TileMap[], width: number, height: number, overlap: number, bandValues = BAND_VALUES): GreyImage {
  if (maps.length === 0) throw new RangeError('nothing to stitch: no tiles');
  const out = new Float32Array(width * height);
  const band = Math.max(1, Math.min(height, Math.floor(bandValues / Math.max(1, width))));
  const sum = new Float64Array(band * width);
  const weight = new Float64Array(band * width);
  const plans = maps.map((m) => columnPlan(m, width, overlap));
  for (let top = 0; top < height; top += band) {
    const bottom = Math.min(height, top + band);
    sum.fill(0);
    weight.fill(0);
    maps.forEach((m, t) => addTile(m, plans[t]!, sum, weight, width, height, top, bottom, overlap));
    for (let y = top; y < bottom; y++) {
      const local = (y - top) * width;
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const w = weight[local + x]!;
        if (w === 0) throw new RangeError(`tiles do not cover pixel (${x}, ${y})`);
        out[row + x] = sum[local + x]! / w;
      }
    }
  }
  return createGreyImage(width, height, out);
}

/** Values (rows × width) summed at once by stitchTiles. */
const BAND_VALUES = 1 << 16;

interface ColumnPlan {
  readonly x0: number;
  readonly x1: number;
  readonly c0: Int32Array;
  readonly c1: Int32Array;
  readonly cf: Float32Array;
  readonly wx: Float32Array;
}

/** Per tile: the image columns it covers, their sampling positions in its map and their window weights. */
function columnPlan({ tile, map }: TileMap, width: number, overlap: number): ColumnPlan {
  const x0 = Math.max(0, tile.x);
  const x1 = Math.min(width, tile.x + tile.width);
  const cols = Math.max(0, x1 - x0);
  const sx = map.width / tile.width;
  const c0 = new Int32Array(cols);
  const c1 = new Int32Array(cols);
  const cf = new Float32Array(cols);
  const wx = new Float32Array(cols);
  for (let i = 0; i < cols; i++) {
    const local = x0 + i - tile.x;
    const p = clamp((local + 0.5) * sx - 0.5, 0, map.width - 1);
    c0[i] = Math.floor(p);
    c1[i] = Math.min(map.width - 1, c0[i]! + 1);
    cf[i] = p - c0[i]!;
    wx[i] = edgeWindow(local, tile.width, overlap);
  }
  return { x0, x1, c0, c1, cf, wx };
}

/** Adds one tile's weighted, bilinearly sampled values to the band of rows [top, bottom). */
function addTile(
  { tile, map }: TileMap, plan: ColumnPlan, sum: Float64Array, weight: Float64Array,
  width: number, height: number, top: number, bottom: number, overlap: number,
): void {
  const { x0, x1, c0, c1, cf, wx } = plan;
  const y0 = Math.max(top, tile.y, 0);
  const y1 = Math.min(bottom, tile.y + tile.height, height);
  if (x1 <= x0 || y1 <= y0) return;
  const cols = x1 - x0;
  const sy = map.height / tile.height;
  const data = map.data;
  // The x-interpolated map row, cached: consecutive image rows mostly sample the same two map rows.
  const rowA = new Float64Array(cols);
  const rowB = new Float64Array(cols);
  let cachedA = -1;
  let cachedB = -1;
  const interpolate = (into: Float64Array, r: number) => {
    const base = r * map.width;
    for (let i = 0; i < cols; i++) into[i] = data[base + c0[i]!]! + (data[base + c1[i]!]! - data[base + c0[i]!]!) * cf[i]!;
  };
  for (let y = y0; y < y1; y++) {
    const local = y - tile.y;
    const p = clamp((local + 0.5) * sy - 0.5, 0, map.height - 1);
    const r0 = Math.floor(p);
    const r1 = Math.min(map.height - 1, r0 + 1);
    if (cachedA !== r0) {
      if (cachedB === r0) rowA.set(rowB);
      else interpolate(rowA, r0);
      cachedA = r0;
    }
    if (cachedB !== r1) {
      interpolate(rowB, r1);
      cachedB = r1;
    }
    const fy = p - r0;
    const wy = edgeWindow(local, tile.height, overlap);
    const at = (y - top) * width + x0;
    for (let i = 0; i < cols; i++) {
      const t = rowA[i]!;
      const w = wx[i]! * wy;
      sum[at + i]! += w * (t + (rowB[i]! - t) * fy);
      weight[at + i]! += w;
    }
  }
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

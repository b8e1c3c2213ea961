import { keptBuffer } from '../arrays.js';
import { createGreyImage, type GreyImage } from './grey-image.js';

export interface ClaheOptions {
  /** Tiles across and down (OpenCV's tileGridSize); each tile gets its own equalising mapping. */
  readonly tilesX: number;
  readonly tilesY: number;
  /** Histogram clip as a multiple of the mean bin count (OpenCV's clipLimit); limits noise amplification. */
  readonly clipLimit: number;
  /** Histogram bins over 0..1; more than 256 keeps 16-bit detail. */
  readonly bins: number;
}

export const DEFAULT_CLAHE: ClaheOptions = { tilesX: 8, tilesY: 8, clipLimit: 2, bins: 256 };

/**
 * Contrast-limited adaptive histogram equalisation on a 0..1 float image (values outside are clamped).
 * Per tile: histogram, clip at clipLimit × mean and spread the excess evenly, cumulative mapping. Each pixel's
 * output blends the mappings of the four nearest tile centres bilinearly, so tile borders leave no blocks.
 * Hand-written because it must run on float (16-bit) data in pure domain code.
 */
export function clahe(image: GreyImage, options: Partial<ClaheOptions> = {}, inPlace = false): GreyImage {
  const { tilesX, tilesY, clipLimit, bins } = { ...DEFAULT_CLAHE, ...options };
  const { width, height, data } = image;
  if (!Number.isInteger(tilesX) || !Number.isInteger(tilesY) || tilesX < 1 || tilesY < 1) {
    throw new RangeError(`CLAHE tile grid must be positive integers, got ${tilesX}x${tilesY}`);
  }
  if (!Number.isInteger(bins) || bins < 2 || bins > 65536) throw new RangeError(`CLAHE bins must be 2..65536, got ${bins}`);
  if (!(clipLimit >= 1)) throw new RangeError(`CLAHE clip limit must be at least 1, got ${clipLimit}`);
  const tx = Math.min(tilesX, width);
  const ty = Math.min(tilesY, height);

  // Bin index per pixel, computed once and reused by the histogram and the mapping passes.
  const binOf = binScratch(width * height); // every pixel's bin written before any is read
  const top = bins - 1;

  // Tile boundaries (tiles differ by at most one pixel when the size does not divide).
  const xEdges = edges(width, tx);
  const yEdges = edges(height, ty);
  const maps = new Float32Array(tx * ty * bins);
  const hist = new Float64Array(bins);
  // Integer counts per tile and bin (the same numbers as adding 1.0 per pixel), made in the pass that computes the
  // bins when all tiles' counts are small enough to hold at once; else tile by tile from binOf.
  const fused = tx * ty * bins <= FUSED_COUNTS;
  const counts = fused ? new Int32Array(tx * ty * bins) : undefined;
  if (counts) {
    const tileOfX = new Int32Array(width);
    for (let i = 0; i < tx; i++) for (let x = xEdges[i]!; x < xEdges[i + 1]!; x++) tileOfX[x] = i * bins;
    for (let j = 0; j < ty; j++) {
      for (let y = yEdges[j]!; y < yEdges[j + 1]!; y++) binAndCountRow(data, binOf, counts, y * width, width, top, j * tx * bins, tileOfX);
    }
  } else {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      binOf[i] = v > 0 ? (v < 1 ? (v * top + 0.5) | 0 : top) : 0; // NaN falls to bin 0
    }
  }
  for (let j = 0; j < ty; j++) {
    for (let i = 0; i < tx; i++) {
      if (counts) {
        const base = (j * tx + i) * bins;
        for (let b = 0; b < bins; b++) hist[b] = counts[base + b]!;
      } else {
        hist.fill(0);
        for (let y = yEdges[j]; y < yEdges[j + 1]; y++) {
          const row = y * width;
          for (let x = xEdges[i]; x < xEdges[i + 1]; x++) hist[binOf[row + x]]++;
        }
      }
      const n = (xEdges[i + 1] - xEdges[i]) * (yEdges[j + 1] - yEdges[j]);
      clipHistogram(hist, Math.max(1, (clipLimit * n) / bins));
      const map = maps.subarray((j * tx + i) * bins, (j * tx + i + 1) * bins);
      let cum = 0;
      for (let b = 0; b < bins; b++) {
        cum += hist[b];
        map[b] = cum / n;
      }
    }
  }

  // Bilinear blend between tile-centre mappings; beyond the outer centres the nearest mapping is used. The blend
  // reads only the bins and mappings, so it may write over the input (`inPlace`: an intermediate the caller owns).
  const out = inPlace ? data : new Float32Array(width * height);
  // Offsets of the left and right tile columns' mappings, per image column (tile rows added per image row).
  const colLo = new Int32Array(width);
  const colHi = new Int32Array(width);
  const colW = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const [lo, hi, w] = neighbours(x, xEdges, tx);
    colLo[x] = lo * bins;
    colHi[x] = hi * bins;
    colW[x] = w;
  }
  for (let y = 0; y < height; y++) {
    const [rLo, rHi, wy] = neighbours(y, yEdges, ty);
    blendRow(binOf, maps, out, y * width, width, rLo * tx * bins, rHi * tx * bins, wy, colLo, colHi, colW);
  }
  return createGreyImage(width, height, out);
}

/** One row of the bilinear blend (the same arithmetic as ever: upper, lower, then between them by wy). */
function blendRow(
  binOf: Uint16Array, maps: Float32Array, out: Float32Array, row: number, width: number, upperRow: number, lowerRow: number, wy: number,
  colLo: Int32Array, colHi: Int32Array, colW: Float32Array,
): void {
  for (let x = 0; x < width; x++) {
    const b = binOf[row + x]!;
    const wx = colW[x]!;
    const lo = colLo[x]! + b;
    const hi = colHi[x]! + b;
    const m00 = maps[upperRow + lo]!;
    const m01 = maps[upperRow + hi]!;
    const m10 = maps[lowerRow + lo]!;
    const m11 = maps[lowerRow + hi]!;
    const upper = m00 + (m01 - m00) * wx;
    const lower = m10 + (m11 - m10) * wx;
    out[row + x] = upper + (lower - upper) * wy;
  }
}

/** The per-pixel bins, kept between calls (2 MB less garbage per 1024²). */
const binScratch = keptBuffer((n) => new Uint16Array(n));

/** Tile-and-bin counts above which clahe counts tile by tile (4 MB of counts). */
const FUSED_COUNTS = 1 << 20;

/** One row: each pixel's bin (clamped to 0..1; NaN falls to bin 0), counted in its tile's histogram. */
function binAndCountRow(
  data: Float32Array, binOf: Uint16Array, counts: Int32Array, row: number, width: number, top: number, tileRow: number, tileOfX: Int32Array,
): void {
  for (let x = 0; x < width; x++) {
    const v = data[row + x]!;
    const b = v > 0 ? (v < 1 ? (v * top + 0.5) | 0 : top) : 0;
    binOf[row + x] = b;
    counts[tileRow + tileOfX[x]! + b]!++;
  }
}

function edges(size: number, tiles: number): Int32Array {
  const e = new Int32Array(tiles + 1);
  for (let i = 0; i <= tiles; i++) e[i] = Math.round((i * size) / tiles);
  return e;
}

/** The two tiles whose centres bracket position p, and the weight of the second. */
function neighbours(p: number, e: Int32Array, tiles: number): [number, number, number] {
  const centre = (t: number): number => (e[t] + e[t + 1] - 1) / 2;
  if (p <= centre(0)) return [0, 0, 0];
  if (p >= centre(tiles - 1)) return [tiles - 1, tiles - 1, 0];
  let t = 0;
  while (centre(t + 1) < p) t++;
  return [t, t + 1, (p - centre(t)) / (centre(t + 1) - centre(t))];
}

/** Clip bins at `limit` and redistribute the excess evenly (repeated until nothing is left over the limit). */
function clipHistogram(hist: Float64Array, limit: number): void {
  for (let pass = 0; pass < 8; pass++) {
    let excess = 0;
    for (let b = 0; b < hist.length; b++) {
      if (hist[b] > limit) {
        excess += hist[b] - limit;
        hist[b] = limit;
      }
    }
    if (excess <= 1e-9) return;
    const share = excess / hist.length;
    for (let b = 0; b < hist.length; b++) hist[b] += share;
  }
}

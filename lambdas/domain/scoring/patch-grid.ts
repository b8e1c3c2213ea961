import { keptBuffer } from '../arrays.js';
import { ValidationError } from '../errors.js';
import type { FeatureMap, PatchGrid } from '../features/feature-map.js';
import type { PatchFeatureConfig } from '../profile/profile.js';
import { createProjection } from './projection.js';

export type PatchGridConfig = Pick<PatchFeatureConfig, 'layers' | 'neighbourhood' | 'projectionDim' | 'seed'>;

/**
 * PatchCore patch descriptors from backbone outputs: the configured layers, each averaged over a
 * `neighbourhood`² window (padding-aware: border cells average only the cells that exist, so borders are not
 * darkened), coarser layers bilinearly upsampled to the finest chosen layer's grid, concatenated per cell, then
 * optionally randomly projected to `projectionDim` (seeded, so enrolment and inspection match).
 */
export function buildPatchGrid(maps: readonly FeatureMap[], config: PatchGridConfig): PatchGrid {
  if (config.layers.length === 0) throw new ValidationError('the feature config names no layers');
  const chosen = config.layers.map((name) => {
    const map = maps.find((m) => m.name === name);
    if (!map) {
      throw new ValidationError(`backbone output '${name}' is missing`, { wanted: name, available: maps.map((m) => m.name) });
    }
    return map;
  });
  const finest = chosen.reduce((a, b) => (b.stride < a.stride ? b : a));
  const rows = finest.height;
  const cols = finest.width;
  const dim = chosen.reduce((sum, m) => sum + m.channels, 0);
  const projectionDim = config.projectionDim;
  if (projectionDim === null || projectionDim >= dim) {
    const data = new Float32Array(rows * cols * dim);
    let offset = 0;
    for (const map of chosen) {
      addResized(localAverage(map, config.neighbourhood), map.channels, map.height, map.width, rows, cols, data, { offset, channelStride: 1, pixelStride: dim });
      offset += map.channels;
    }
    return { rows, cols, dim, stride: finest.stride, data };
  }
  // Averaging, bilinear upsampling and the projection are all linear, so they commute: projecting each layer at
  // its own (coarser) resolution first, then averaging and upsampling only `projectionDim` channels gives the
  // same descriptors at a fraction of the work. Layers are summed as CHW planes (contiguous) and transposed to
  // HWC once at the end.
  const weights = projectionMatrix(dim, projectionDim, config.seed);
  const plane = rows * cols;
  // The per-layer work arrays are scratch kept between calls (each fully written before it is read; the sum zeroed).
  const sum = scratch[0]!(projectionDim * plane);
  sum.fill(0);
  let offset = 0;
  for (const map of chosen) {
    const projected = projectChannels(map, weights, dim, offset, projectionDim, scratch[1]!(projectionDim * map.height * map.width));
    const averaged = averageInto({ ...map, channels: projectionDim, data: projected }, config.neighbourhood, projected);
    addResized(averaged, projectionDim, map.height, map.width, rows, cols, sum, { offset: 0, channelStride: rows * cols, pixelStride: 1 });
    offset += map.channels;
  }
  const data = new Float32Array(plane * projectionDim);
  // Transposed a block of cells at a time, so the rows of `data` being written stay in cache across the channels.
  for (let p0 = 0; p0 < plane; p0 += TRANSPOSE_BLOCK) {
    const p1 = Math.min(plane, p0 + TRANSPOSE_BLOCK);
    for (let c = 0; c < projectionDim; c++) transposeRun(sum, data, c * plane, p0, p1, c, projectionDim);
  }
  return { rows, cols, dim: projectionDim, stride: finest.stride, data };
}

/**
 * Work arrays of buildPatchGrid kept between calls (slot 0: the CHW sum, slot 1: a layer's projected planes), for
 * a 1024² tile otherwise leaves ~6 MB of garbage behind. Returned views have the
 * exact length asked for.
 */
const scratch = [0, 1].map(() => keptBuffer((n) => new Float32Array(n)));

const TRANSPOSE_BLOCK = 256;

function transposeRun(sum: Float32Array, data: Float32Array, base: number, p0: number, p1: number, c: number, dim: number): void {
  for (let p = p0, o = p0 * dim + c; p < p1; p++, o += dim) data[o] = sum[base + p]!;
}

/**
 * The dense projection matrix of (inDim, outDim, seed): the same every call, so kept for the few configurations a
 * process uses (every tile of every image asks for it). Read only.
 */
const projectionMatrices = new Map<string, Float32Array>();
const MAX_CACHED_PROJECTIONS = 8;

function projectionMatrix(inDim: number, outDim: number, seed: number): Float32Array {
  const key = `${inDim}:${outDim}:${seed}`;
  let m = projectionMatrices.get(key);
  if (!m) {
    m = createProjection(inDim, outDim, seed).matrix();
    if (projectionMatrices.size >= MAX_CACHED_PROJECTIONS) projectionMatrices.delete(projectionMatrices.keys().next().value!);
    projectionMatrices.set(key, m);
  }
  return m;
}

/**
 * CHW planes of `map` mixed by columns [offset, offset + map.channels) of a row-major `outDim × inDim` matrix.
 * Each output plane is a float32 running sum over the channels with a non-zero weight, in channel order (rounded to
 * float32 after every term); two channels are added per sweep of the plane, in that same order.
 */
function projectChannels(
  map: FeatureMap, weights: Float32Array, inDim: number, offset: number, outDim: number, out: Float32Array = new Float32Array(outDim * map.height * map.width),
): Float32Array {
  const plane = map.height * map.width;
  const src = map.data;
  const starts = new Int32Array(map.channels);
  const ws = new Float64Array(map.channels);
  for (let j = 0; j < outDim; j++) {
    let used = 0;
    for (let c = 0; c < map.channels; c++) {
      const w = weights[j * inDim + offset + c]!;
      if (w === 0) continue;
      starts[used] = c * plane;
      ws[used++] = w;
    }
    const o = j * plane;
    // The first sweep writes (0 + the first terms, as a zeroed plane would give), so `out` need not start zeroed.
    if (used === 0) out.fill(0, o, o + plane);
    else if (used === 1) setOne(out, o, src, starts[0]!, ws[0]!, plane);
    else setTwo(out, o, src, starts[0]!, ws[0]!, starts[1]!, ws[1]!, plane);
    let t = 2;
    for (; t + 3 < used; t += 4) addFour(out, o, src, starts, ws, t, plane);
    for (; t + 1 < used; t += 2) addTwo(out, o, src, starts[t]!, ws[t]!, starts[t + 1]!, ws[t + 1]!, plane);
    if (t < used) addOne(out, o, src, starts[t]!, ws[t]!, plane);
  }
  return out;
}

function setTwo(out: Float32Array, o: number, src: Float32Array, s1: number, w1: number, s2: number, w2: number, plane: number): void {
  for (let p = 0; p < plane; p++) out[o + p] = Math.fround(0 + w1 * src[s1 + p]!) + w2 * src[s2 + p]!;
}

function setOne(out: Float32Array, o: number, src: Float32Array, s: number, w: number, plane: number): void {
  for (let p = 0; p < plane; p++) out[o + p] = 0 + w * src[s + p]!;
}

function addTwo(out: Float32Array, o: number, src: Float32Array, s1: number, w1: number, s2: number, w2: number, plane: number): void {
  for (let p = 0; p < plane; p++) out[o + p] = Math.fround(out[o + p]! + w1 * src[s1 + p]!) + w2 * src[s2 + p]!;
}

function addFour(out: Float32Array, o: number, src: Float32Array, starts: Int32Array, ws: Float64Array, t: number, plane: number): void {
  const s1 = starts[t]!, s2 = starts[t + 1]!, s3 = starts[t + 2]!, s4 = starts[t + 3]!;
  const w1 = ws[t]!, w2 = ws[t + 1]!, w3 = ws[t + 2]!, w4 = ws[t + 3]!;
  for (let p = 0; p < plane; p++) {
    let acc = Math.fround(out[o + p]! + w1 * src[s1 + p]!);
    acc = Math.fround(acc + w2 * src[s2 + p]!);
    acc = Math.fround(acc + w3 * src[s3 + p]!);
    out[o + p] = acc + w4 * src[s4 + p]!;
  }
}

function addOne(out: Float32Array, o: number, src: Float32Array, s: number, w: number, plane: number): void {
  for (let p = 0; p < plane; p++) out[o + p] += w * src[s + p]!;
}

/**
 * Mean over a centred window of 2·floor(size/2)+1 cells (size 3 → 3×3; an even size rounds up to the next odd)
 * around each cell of every channel (CHW in, CHW out). Separable window sums;
 * near the border the mean is over the cells inside the map only. `size` 1 (or less) returns the data unchanged.
 */
export function localAverage(map: FeatureMap, size: number): Float32Array {
  return Math.floor(size / 2) <= 0 ? map.data : averageInto(map, size, new Float32Array(map.data.length));
}

/**
 * localAverage written into `out`, which may be `map.data` itself (a channel's cells are all read into the row
 * sums before any of its outputs is written): buildPatchGrid averages its own projected planes in place.
 */
function averageInto(map: FeatureMap, size: number, out: Float32Array): Float32Array {
  const radius = Math.floor(size / 2);
  if (radius <= 0) return map.data;
  const { channels, height: h, width: w, data } = map;
  const colSum = new Float32Array(h * w);
  const countX = windowCounts(w, radius);
  const countY = windowCounts(h, radius);
  const inverse = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) inverse[y * w + x] = 1 / (countX[x] * countY[y]);
  if (radius === 1 && w >= 3 && h >= 3) {
    for (let c = 0; c < channels; c++) average3(data, out, colSum, inverse, c * h * w, w, h);
    return out;
  }
  for (let c = 0; c < channels; c++) {
    const base = c * h * w;
    // Horizontal window sums into colSum.
    for (let y = 0; y < h; y++) {
      const rb = base + y * w;
      // Window sums recomputed per cell (radius is small) rather than running: no drift, no branches on sign.
      for (let x = 0; x < w; x++) {
        const lo = x - radius < 0 ? 0 : x - radius;
        const hi = x + radius >= w ? w - 1 : x + radius;
        let sum = 0;
        for (let t = lo; t <= hi; t++) sum += data[rb + t];
        colSum[y * w + x] = sum;
      }
    }
    // Vertical window sums a whole row at a time (memory in order), scaled by 1 / real cells in the window.
    for (let y = 0; y < h; y++) {
      const lo = y - radius < 0 ? 0 : y - radius;
      const hi = y + radius >= h ? h - 1 : y + radius;
      const o = base + y * w;
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let t = lo; t <= hi; t++) sum += colSum[t * w + x];
        out[o + x] = sum * inverse[y * w + x];
      }
    }
  }
  return out;
}

/**
 * localAverage's 3×3 case (neighbourhood 3, the default) for one channel, maps at least 3×3: the same sums in the
 * same order (0, then the window's cells left to right / top to bottom, in doubles; the row sums stored as float32),
 * with the border cells' shorter windows written out instead of clamped per cell.
 */
function average3(data: Float32Array, out: Float32Array, colSum: Float32Array, inverse: Float32Array, base: number, w: number, h: number): void {
  for (let y = 0; y < h; y++) {
    const rb = base + y * w;
    const cb = y * w;
    colSum[cb] = 0 + data[rb]! + data[rb + 1]!;
    for (let x = 1; x < w - 1; x++) colSum[cb + x] = 0 + data[rb + x - 1]! + data[rb + x]! + data[rb + x + 1]!;
    colSum[cb + w - 1] = 0 + data[rb + w - 2]! + data[rb + w - 1]!;
  }
  for (let x = 0; x < w; x++) out[base + x] = (0 + colSum[x]! + colSum[w + x]!) * inverse[x]!;
  for (let y = 1; y < h - 1; y++) {
    const o = base + y * w;
    const up = (y - 1) * w;
    const mid = y * w;
    const down = (y + 1) * w;
    for (let x = 0; x < w; x++) out[o + x] = (0 + colSum[up + x]! + colSum[mid + x]! + colSum[down + x]!) * inverse[mid + x]!;
  }
  const last = (h - 1) * w;
  for (let x = 0; x < w; x++) out[base + last + x] = (0 + colSum[last - w + x]! + colSum[last + x]!) * inverse[last + x]!;
}

function windowCounts(length: number, radius: number): Int32Array {
  const counts = new Int32Array(length);
  for (let i = 0; i < length; i++) counts[i] = Math.min(length - 1, i + radius) - Math.max(0, i - radius) + 1;
  return counts;
}

/** Source sample positions for bilinear resizing with pixel-centre alignment (align_corners = false). */
export function bilinearTaps(src: number, dst: number): { lo: Int32Array; hi: Int32Array; frac: Float32Array } {
  const lo = new Int32Array(dst);
  const hi = new Int32Array(dst);
  const frac = new Float32Array(dst);
  const scale = src / dst;
  for (let i = 0; i < dst; i++) {
    const pos = Math.min(src - 1, Math.max(0, (i + 0.5) * scale - 0.5));
    const l = Math.floor(pos);
    lo[i] = l;
    hi[i] = Math.min(src - 1, l + 1);
    frac[i] = pos - l;
  }
  return { lo, hi, frac };
}

/**
 * Bilinear resize of a CHW block, added into a destination of dh × dw pixels where channel c of pixel p lands at
 * `offset + c * channelStride + p * pixelStride`: CHW planes (channelStride dh·dw, pixelStride 1) or channels
 * [offset, offset+channels) of an HWC buffer (channelStride 1, pixelStride = its channel count).
 */
function addResized(
  src: Float32Array, channels: number, sh: number, sw: number, dh: number, dw: number,
  out: Float32Array, layout: { readonly offset: number; readonly channelStride: number; readonly pixelStride: number },
): void {
  const { offset, channelStride, pixelStride } = layout;
  if (sh === dh && sw === dw) {
    const plane = sh * sw;
    for (let c = 0; c < channels; c++) {
      const s = c * plane;
      let o = offset + c * channelStride;
      for (let p = 0; p < plane; p++, o += pixelStride) out[o] += src[s + p];
    }
    return;
  }
  const ty = bilinearTaps(sh, dh);
  const tx = bilinearTaps(sw, dw);
  const row = new Float32Array(sw);
  for (let c = 0; c < channels; c++) {
    const base = c * sh * sw;
    for (let y = 0; y < dh; y++) {
      const r0 = base + ty.lo[y] * sw;
      const r1 = base + ty.hi[y] * sw;
      const fy = ty.frac[y];
      // Vertical blend once per source column, then the horizontal taps from that row.
      for (let x = 0; x < sw; x++) row[x] = src[r0 + x] + (src[r1 + x] - src[r0 + x]) * fy;
      let o = offset + c * channelStride + y * dw * pixelStride;
      for (let x = 0; x < dw; x++, o += pixelStride) {
        const a = row[tx.lo[x]];
        out[o] += a + (row[tx.hi[x]] - a) * tx.frac[x];
      }
    }
  }
}

/**
 * The cells of a feature map whose centres lie inside a pixel rectangle of its input, or undefined when none does:
 * image-level statistics cover the image, not its mirrored border.
 */
export function insideCells(map: FeatureMap, inside: { x0: number; y0: number; x1: number; y1: number }): { x0: number; y0: number; x1: number; y1: number } | undefined {
  const first = (p: number) => Math.max(0, Math.ceil(p / map.stride - 0.5));
  const last = (p: number, n: number) => Math.min(n, Math.ceil(p / map.stride - 0.5));
  const cells = { x0: first(inside.x0), y0: first(inside.y0), x1: last(inside.x1, map.width), y1: last(inside.y1, map.height) };
  return cells.x1 <= cells.x0 || cells.y1 <= cells.y0 ? undefined : cells;
}

/**
 * The per-channel mean of a feature map over the cells inside a pixel rectangle of its input (not normalised): a
 * tile's embedding averages the image, not its mirrored border, which would pull every embedding towards its own
 * reflection and blur novelty. A rectangle that holds no cell centre pools the whole map.
 */
export function poolInside(map: FeatureMap, inside: { x0: number; y0: number; x1: number; y1: number }): Float32Array {
  const cells = insideCells(map, inside);
  if (!cells) return imageEmbedding(map, { normalise: false });
  const { x0: cx0, y0: cy0, x1: cx1, y1: cy1 } = cells;
  const plane = map.height * map.width;
  const count = (cx1 - cx0) * (cy1 - cy0);
  const out = new Float32Array(map.channels);
  for (let c = 0; c < map.channels; c++) {
    let sum = 0;
    for (let y = cy0; y < cy1; y++) {
      const row = c * plane + y * map.width;
      for (let x = cx0; x < cx1; x++) sum += map.data[row + x];
    }
    out[c] = sum / count;
  }
  return out;
}

/** The L2-normalised mean of per-tile pooled embeddings: one image's embedding. */
export function meanNormalised(vectors: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) out[i] += v[i]! / vectors.length;
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += out[i]! * out[i]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] /= norm;
  return out;
}

/**
 * A global image embedding for novelty search: the per-channel mean of one feature map (global average pooling),
 * L2-normalised by default so distances compare texture content rather than overall activation strength.
 */
export function imageEmbedding(map: FeatureMap, options: { normalise?: boolean } = {}): Float32Array {
  const { channels, height, width, data } = map;
  const plane = height * width;
  const out = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    const base = c * plane;
    for (let i = 0; i < plane; i++) sum += data[base + i];
    out[c] = sum / plane;
  }
  if (options.normalise ?? true) {
    let norm = 0;
    for (let c = 0; c < channels; c++) norm += out[c] * out[c];
    norm = Math.sqrt(norm);
    if (norm > 0) for (let c = 0; c < channels; c++) out[c] /= norm;
  }
  return out;
}

/**
 * What one tile's backbone outputs give the pipeline: its PatchCore patch grid and its embedding-layer mean over
 * the cells inside the image (`inside`, in tile pixels). Enrolment, local scoring and the model container alike.
 */
export function tileFeatures(
  maps: readonly FeatureMap[], config: PatchGridConfig, embeddingLayer: string, inside: { x0: number; y0: number; x1: number; y1: number },
): { grid: PatchGrid; pooled: Float32Array } {
  const embeddingMap = maps.find((m) => m.name === embeddingLayer);
  if (!embeddingMap) throw new ValidationError(`backbone output '${embeddingLayer}' is missing`, { wanted: embeddingLayer, available: maps.map((m) => m.name) });
  return { grid: buildPatchGrid(maps, config), pooled: poolInside(embeddingMap, inside) };
}

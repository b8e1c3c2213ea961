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
  const data = new Float32Array(rows * cols * dim);
  let offset = 0;
  for (const map of chosen) {
    const averaged = localAverage(map, config.neighbourhood);
    resizeIntoHwc(averaged, map.channels, map.height, map.width, rows, cols, data, dim, offset);
    offset += map.channels;
  }
  const projectionDim = config.projectionDim;
  if (projectionDim !== null && projectionDim < dim) {
    const projected = createProjection(dim, projectionDim, config.seed).apply(data);
    return { rows, cols, dim: projectionDim, stride: finest.stride, data: projected };
  }
  return { rows, cols, dim, stride: finest.stride, data };
}

/**
 * Mean over a centred window of 2·floor(size/2)+1 cells (size 3 → 3×3; an even size rounds up to the next odd)
 * around each cell of every channel (CHW in, CHW out). Separable running sums;
 * near the border the mean is over the cells inside the map only. `size` 1 (or less) returns the data unchanged.
 */
export function localAverage(map: FeatureMap, size: number): Float32Array {
  const radius = Math.floor(size / 2);
  if (radius <= 0) return map.data;
  const { channels, height: h, width: w, data } = map;
  const out = new Float32Array(data.length);
  const row = new Float64Array(w);
  const colSum = new Float64Array(h * w);
  const countX = windowCounts(w, radius);
  const countY = windowCounts(h, radius);
  for (let c = 0; c < channels; c++) {
    const base = c * h * w;
    // Horizontal window sums into colSum.
    for (let y = 0; y < h; y++) {
      const rb = base + y * w;
      for (let x = 0; x < w; x++) row[x] = data[rb + x];
      let sum = 0;
      for (let x = 0; x < Math.min(radius, w); x++) sum += row[x];
      for (let x = 0; x < w; x++) {
        if (x + radius < w) sum += row[x + radius];
        if (x - radius - 1 >= 0) sum -= row[x - radius - 1];
        colSum[y * w + x] = sum;
      }
    }
    // Vertical window sums, then divide by the number of real cells in the window.
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let y = 0; y < Math.min(radius, h); y++) sum += colSum[y * w + x];
      for (let y = 0; y < h; y++) {
        if (y + radius < h) sum += colSum[(y + radius) * w + x];
        if (y - radius - 1 >= 0) sum -= colSum[(y - radius - 1) * w + x];
        out[base + y * w + x] = sum / (countX[x] * countY[y]);
      }
    }
  }
  return out;
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

/** Bilinear resize of a CHW block into channels [offset, offset+channels) of an HWC buffer of `dim` channels. */
function resizeIntoHwc(
  src: Float32Array, channels: number, sh: number, sw: number,
  dh: number, dw: number, out: Float32Array, dim: number, offset: number,
): void {
  const ty = bilinearTaps(sh, dh);
  const tx = bilinearTaps(sw, dw);
  for (let c = 0; c < channels; c++) {
    const base = c * sh * sw;
    for (let y = 0; y < dh; y++) {
      const r0 = base + ty.lo[y] * sw;
      const r1 = base + ty.hi[y] * sw;
      const fy = ty.frac[y];
      let o = y * dw * dim + offset + c;
      for (let x = 0; x < dw; x++, o += dim) {
        const x0 = tx.lo[x];
        const x1 = tx.hi[x];
        const fx = tx.frac[x];
        const top = src[r0 + x0] + (src[r0 + x1] - src[r0 + x0]) * fx;
        const bottom = src[r1 + x0] + (src[r1 + x1] - src[r1 + x0]) * fx;
        out[o] = top + (bottom - top) * fy;
      }
    }
  }
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

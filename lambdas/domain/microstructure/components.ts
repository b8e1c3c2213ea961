/**
 * Connected components of a binary mask and their shape descriptors, with typed arrays only.
 */
import { keptBuffer } from '../arrays.js';

export interface ComponentLabels {
  /** Per pixel: 0 = background, 1..count = component id. */
  readonly labels: Int32Array;
  readonly count: number;
}

/** `out`, if given, is a width × height array whose memory the labels reuse (its contents are overwritten). */
export function labelComponents(mask: Uint8Array, width: number, height: number, connectivity: 4 | 8 = 8, out?: Int32Array): ComponentLabels {
  // Two-pass labelling with union-find over provisional labels; ids come out in raster order of each
  // component's first pixel (the order a flood fill would give).
  if (out && out.length !== width * height) throw new RangeError('the labels array does not match the image size');
  const labels = out ? out.fill(0) : new Int32Array(width * height);
  const parent = parentScratch(Math.floor((width * height) / 2) + 2);
  const next = connectivity === 8 ? firstPass8(mask, labels, parent, width, height) : firstPass4(mask, labels, parent, width, height);
  const count = resolveLabels(labels, parent, next);
  return { labels, count };
}

/**
 * labelComponents (8-connected) plus every component's pixel count (index = id; index 0 unused), counted while the
 * labels are resolved instead of in another pass over the image.
 */
export function labelComponentsWithAreas(mask: Uint8Array, width: number, height: number): ComponentLabels & { readonly areas: Int32Array } {
  const labels = new Int32Array(width * height);
  const parent = parentScratch(Math.floor((width * height) / 2) + 2);
  const next = firstPass8(mask, labels, parent, width, height);
  const areas = new Int32Array(next + 1);
  const count = resolveLabels(labels, parent, next, areas);
  return { labels, count, areas };
}

/**
 * The union-find parents, kept between calls (a label's entry is written when the label is made, before anything
 * reads it, so stale values never matter): 2 MB less garbage per 1024² call.
 */
const parentScratch = keptBuffer((n) => new Int32Array(n));

/** Root of provisional label a, halving the path on the way. */
function find(parent: Int32Array, a: number): number {
  while (parent[a] !== a) {
    const g = parent[parent[a]!]!;
    parent[a] = g;
    a = g;
  }
  return a;
}

/** Joins the sets of a and b (the smaller root wins) and returns the root. */
function union(parent: Int32Array, a: number, b: number): number {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra === rb) return ra;
  if (ra < rb) {
    parent[rb] = ra;
    return ra;
  }
  parent[ra] = rb;
  return rb;
}

function newLabel(parent: Int32Array, next: number, capacity: number): number {
  if (next >= capacity) throw new RangeError('too many provisional labels');
  parent[next] = next;
  return next;
}

/**
 * First pass, 8-connectivity. With N (above) set, W, NW and NE are already in N's set (each is 8-adjacent to N and
 * was joined to it when the later of the two was visited), so N alone decides; otherwise W, NW and NE are joined.
 * A provisional label is made exactly when no visited neighbour is set. Returns the next free label.
 */
function firstPass8(mask: Uint8Array, labels: Int32Array, parent: Int32Array, width: number, height: number): number {
  const capacity = Math.floor((width * height) / 2) + 2;
  let next = 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const p = row + x;
      if (!mask[p]) continue;
      let l = 0;
      if (y > 0) {
        const n = labels[p - width]!;
        if (n !== 0) {
          labels[p] = find(parent, n);
          continue;
        }
        const nw = x > 0 ? labels[p - width - 1]! : 0;
        const ne = x < width - 1 ? labels[p - width + 1]! : 0;
        const w = x > 0 ? labels[p - 1]! : 0;
        if (w !== 0) l = find(parent, w);
        if (nw !== 0) l = l === 0 ? find(parent, nw) : union(parent, l, nw);
        if (ne !== 0) l = l === 0 ? find(parent, ne) : union(parent, l, ne);
      } else if (x > 0) {
        const w = labels[p - 1]!;
        if (w !== 0) l = find(parent, w);
      }
      if (l === 0) l = newLabel(parent, next++, capacity);
      labels[p] = l;
    }
  }
  return next;
}

/** First pass, 4-connectivity: W and N. */
function firstPass4(mask: Uint8Array, labels: Int32Array, parent: Int32Array, width: number, height: number): number {
  const capacity = Math.floor((width * height) / 2) + 2;
  let next = 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const p = row + x;
      if (!mask[p]) continue;
      let l = 0;
      if (x > 0) {
        const w = labels[p - 1]!;
        if (w !== 0) l = find(parent, w);
      }
      if (y > 0) {
        const n = labels[p - width]!;
        if (n !== 0) l = l === 0 ? find(parent, n) : union(parent, l, n);
      }
      if (l === 0) l = newLabel(parent, next++, capacity);
      labels[p] = l;
    }
  }
  return next;
}

/** Second pass: provisional labels to final ids 1..count in raster order of first appearance; returns count. */
function resolveLabels(labels: Int32Array, parent: Int32Array, next: number, areas?: Int32Array): number {
  // Flatten every provisional label to its root once (roots are smaller than their members).
  for (let l = 1; l < next; l++) parent[l] = parent[parent[l]!]!;
  const final = new Int32Array(next);
  let count = 0;
  let last = 0;
  let lastId = 0;
  // Runs of one provisional label are resolved once; a run's pixels are counted in one go when areas are wanted.
  let runStart = 0;
  for (let p = 0; p < labels.length; p++) {
    const l = labels[p]!;
    if (l === 0) {
      if (areas && last !== 0) areas[lastId] += p - runStart;
      last = 0;
      continue;
    }
    if (l !== last) {
      if (areas && last !== 0) areas[lastId] += p - runStart;
      const r = parent[l]!;
      if (final[r] === 0) final[r] = ++count;
      last = l;
      lastId = final[r]!;
      runStart = p;
    }
    labels[p] = lastId;
  }
  if (areas && last !== 0) areas[lastId] += labels.length - runStart;
  return count;
}

export interface ComponentShape {
  /** 1-based id matching the label image. */
  readonly id: number;
  readonly areaPx: number;
  /** Diameter of the disc with the same area, px. */
  readonly equivalentDiameterPx: number;
  /** 4πA/P², 1 for a disc, lower for irregular or elongated shapes. */
  readonly circularity: number;
  /** Major/minor axis ratio from second moments, ≥ 1. */
  readonly aspectRatio: number;
  /** Major axis length from second moments (4·sqrt(λ1)), px. */
  readonly majorAxisPx: number;
  readonly centroid: { readonly x: number; readonly y: number };
  readonly bbox: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  readonly touchesBorder: boolean;
}

/** Area, moments, boundary length and bbox for every component, in one pass over the label image. */
export function describeComponents(components: ComponentLabels, width: number, height: number): ComponentShape[] {
  const n = components.count + 1;
  const area = new Float64Array(n);
  const sx = new Float64Array(n);
  const sy = new Float64Array(n);
  const sxx = new Float64Array(n);
  const syy = new Float64Array(n);
  const sxy = new Float64Array(n);
  const edges = new Float64Array(n);
  const minX = new Int32Array(n).fill(width);
  const minY = new Int32Array(n).fill(height);
  const maxX = new Int32Array(n).fill(-1);
  const maxY = new Int32Array(n).fill(-1);
  const border = new Uint8Array(n);
  const labels = components.labels;
  // Every sum is of integers (exact in doubles far beyond any image size), so sums per row then per component
  // equal the pixel-by-pixel sums: each row is walked run by run (a run = consecutive pixels of one label).
  for (let y = 0; y < height; y++) {
    describeRow(labels, y, width, height, area, sx, sy, sxx, syy, sxy, edges, minX, minY, maxX, maxY, border);
  }
  const shapes: ComponentShape[] = [];
  for (let l = 1; l < n; l++) {
    const a = area[l]!;
    const cx = sx[l]! / a;
    const cy = sy[l]! / a;
    // Pixel-centred second moments plus 1/12 for the pixel's own extent (keeps single pixels non-degenerate).
    const vxx = sxx[l]! / a - cx * cx + 1 / 12;
    const vyy = syy[l]! / a - cy * cy + 1 / 12;
    const vxy = sxy[l]! / a - cx * cy;
    const tr = vxx + vyy;
    const det = vxx * vyy - vxy * vxy;
    const disc = Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
    const l1 = tr / 2 + disc;
    const l2 = Math.max(1e-9, tr / 2 - disc);
    // Edge counts of digitised curves overestimate the true perimeter by ~4/π.
    const perimeter = edges[l]! * (Math.PI / 4);
    shapes.push({
      id: l,
      areaPx: a,
      equivalentDiameterPx: 2 * Math.sqrt(a / Math.PI),
      circularity: perimeter > 0 ? Math.min(1, (4 * Math.PI * a) / (perimeter * perimeter)) : 1,
      aspectRatio: Math.sqrt(l1 / l2),
      majorAxisPx: 4 * Math.sqrt(l1),
      centroid: { x: cx, y: cy },
      bbox: { x: minX[l]!, y: minY[l]!, width: maxX[l]! - minX[l]! + 1, height: maxY[l]! - minY[l]! + 1 },
      touchesBorder: border[l] === 1,
    });
  }
  return shapes;
}

/**
 * One row of describeComponents: per run of one label, its pixel count, coordinate sums and squares (closed forms
 * over the run), bbox and border flag, and the pixel edges facing another label (image borders excluded).
 */
function describeRow(
  labels: Int32Array, y: number, width: number, height: number,
  area: Float64Array, sx: Float64Array, sy: Float64Array, sxx: Float64Array, syy: Float64Array, sxy: Float64Array, edges: Float64Array,
  minX: Int32Array, minY: Int32Array, maxX: Int32Array, maxY: Int32Array, border: Uint8Array,
): void {
  const row = y * width;
  const hasUp = y > 0;
  const hasDown = y < height - 1;
  const edgeRow = !hasUp || !hasDown;
  let x = 0;
  while (x < width) {
    const l = labels[row + x]!;
    if (l === 0) {
      x++;
      continue;
    }
    const x0 = x;
    let e = 0;
    // Vertical edges of the run's pixels, then its horizontal ends.
    for (; x < width && labels[row + x] === l; x++) {
      const p = row + x;
      if (hasUp && labels[p - width] !== l) e++;
      if (hasDown && labels[p + width] !== l) e++;
    }
    const x1 = x - 1; // last pixel of the run
    if (x0 > 0) e++; // the pixel before the run has another label
    if (x1 < width - 1) e++;
    const n = x1 - x0 + 1;
    const sumX = ((x0 + x1) * n) / 2;
    // Σ x² over x0..x1 = S(x1) − S(x0 − 1), S(m) = m(m+1)(2m+1)/6 (integers: exact).
    const sumXX = (x1 * (x1 + 1) * (2 * x1 + 1)) / 6 - ((x0 - 1) * x0 * (2 * x0 - 1)) / 6;
    area[l]! += n;
    sx[l]! += sumX;
    sy[l]! += y * n;
    sxx[l]! += sumXX;
    syy[l]! += y * y * n;
    sxy[l]! += y * sumX;
    edges[l]! += e;
    if (x0 < minX[l]!) minX[l] = x0;
    if (x1 > maxX[l]!) maxX[l] = x1;
    if (y < minY[l]!) minY[l] = y;
    if (y > maxY[l]!) maxY[l] = y;
    if (edgeRow || x0 === 0 || x1 === width - 1) border[l] = 1;
  }
}

/** Number-weighted percentile (0..100) by linear interpolation; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

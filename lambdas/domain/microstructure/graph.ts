/**
 * The microstructure graph: nodes are particles and pores, edges join objects that touch or lie within a small gap
 * of each other through the matrix. Gaps come from a breadth-first growth of every object into the matrix (each
 * matrix pixel takes the nearest object within the gap limit, chessboard distance); where two growth fronts meet,
 * the two objects are neighbours and their gap is the sum of both growth distances.
 */
import { keptBuffer } from '../arrays.js';

export interface ObjectGraph {
  /** Edge endpoints as node indices (0-based, as in the node arrays), `source[i] < target[i]`. */
  readonly source: Int32Array;
  readonly target: Int32Array;
  /** Matrix gap between the two objects, px (0 = touching). */
  readonly gapPx: Float32Array;
}

/**
 * @param objects per pixel: 0 = matrix/background, k ≥ 1 = node k−1
 * @param passable per pixel: 1 where growth may pass (the matrix)
 */
export function buildObjectGraph(
  objects: Int32Array, passable: Uint8Array, width: number, height: number, maxGapPx: number, options: { readonly consumeObjects?: boolean } = {},
): ObjectGraph {
  const n = width * height;
  // The growth overwrites ownership: on a copy, unless the caller hands its array over (saves 4 bytes a pixel).
  const owner = options.consumeObjects ? objects : Int32Array.from(objects);
  const steps = Math.ceil(maxGapPx / 2);
  // Growth distances are at most `steps` (−1 = not reached): 2 bytes a pixel rather than 4.
  const dist = steps < 32767 ? distScratch(n).fill(-1) : new Int32Array(n).fill(-1);
  const frontier = growthFrontier(owner, dist, passable, width, height);
  grow(owner, dist, passable, width, height, frontier, steps);
  const best = meetingGaps(owner, dist, width, height, maxGapPx);
  const keys = [...best.keys()].sort((u, v) => u - v);
  const source = new Int32Array(keys.length);
  const target = new Int32Array(keys.length);
  const gapPx = new Float32Array(keys.length);
  keys.forEach((key, i) => {
    source[i] = Math.floor(key / 1_000_003);
    target[i] = key % 1_000_003;
    gapPx[i] = best.get(key)!;
  });
  return { source, target, gapPx };
}

type Distances = Int16Array | Int32Array;

/**
 * Object pixels next to passable ground (interior pixels never grow), with their distance set to 0. Each pixel loop
 * is its own function, so V8 optimises it on its own rather than as part of one large function.
 */
function growthFrontier(owner: Int32Array, dist: Distances, passable: Uint8Array, width: number, height: number): { pixels: Int32Array; count: number } {
  let frontier: Int32Array = new Int32Array(Math.max(16, (width * height) >>> 6));
  let fCount = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const up = y > 0;
    const down = y < height - 1;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (owner[i] === 0) continue;
      dist[i] = 0;
      const left = x > 0;
      const right = x < width - 1;
      if (
        (left && passable[i - 1]) ||
        (right && passable[i + 1]) ||
        (up && (passable[i - width] || (left && passable[i - width - 1]) || (right && passable[i - width + 1]))) ||
        (down && (passable[i + width] || (left && passable[i + width - 1]) || (right && passable[i + width + 1])))
      ) {
        if (fCount === frontier.length) frontier = grown(frontier, width * height);
        frontier[fCount++] = i;
      }
    }
  }
  return { pixels: frontier, count: fCount };
}

/** Breadth-first growth into passable pixels, `steps` rings (chessboard distance); sets owner and dist. */
function grow(owner: Int32Array, dist: Distances, passable: Uint8Array, width: number, height: number, start: { pixels: Int32Array; count: number }, steps: number): void {
  let frontier: Int32Array = start.pixels;
  let fCount = start.count;
  const n = width * height;
  // Rings grow as needed (a ring is a thin band around the objects, far smaller than the image).
  let next: Int32Array = new Int32Array(Math.max(16, frontier.length));
  for (let step = 1; step <= steps && fCount > 0; step++) {
    let nCount = 0;
    for (let f = 0; f < fCount; f++) {
      // Room for this pixel's 8 neighbours (no pixel is ever pushed twice, so n slots always suffice).
      if (nCount + 8 > next.length && next.length < n) next = grown(next, n);
      const p = frontier[f]!;
      const x = p % width;
      const y = (p - x) / width;
      // Neighbours visited rows top to bottom, left to right, as ever: the first ring to reach a pixel owns it.
      if (x > 0 && x < width - 1 && y > 0 && y < height - 1) nCount = growInterior(p, width, step, owner, dist, passable, next, nCount);
      else nCount = growBorder(p, x, y, width, height, step, owner, dist, passable, next, nCount);
    }
    [frontier, next] = [next, frontier];
    fCount = nCount;
  }
}

function growInterior(p: number, width: number, step: number, owner: Int32Array, dist: Distances, passable: Uint8Array, next: Int32Array, nCount: number): number {
  const o = owner[p]!;
  let q = p - width - 1;
  if (dist[q] === -1 && passable[q]) { dist[q] = step; owner[q] = o; next[nCount++] = q; }
  q++;
  if (dist[q] === -1 && passable[q]) { dist[q] = step; owner[q] = o; next[nCount++] = q; }
  q++;
  if (dist[q] === -1 && passable[q]) { dist[q] = step; owner[q] = o; next[nCount++] = q; }
  q = p - 1;
  if (dist[q] === -1 && passable[q]) { dist[q] = step; owner[q] = o; next[nCount++] = q; }
  q = p + 1;
  if (dist[q] === -1 && passable[q]) { dist[q] = step; owner[q] = o; next[nCount++] = q; }
  q = p + width - 1;
  if (dist[q] === -1 && passable[q]) { dist[q] = step; owner[q] = o; next[nCount++] = q; }
  q++;
  if (dist[q] === -1 && passable[q]) { dist[q] = step; owner[q] = o; next[nCount++] = q; }
  q++;
  if (dist[q] === -1 && passable[q]) { dist[q] = step; owner[q] = o; next[nCount++] = q; }
  return nCount;
}

function growBorder(
  p: number, x: number, y: number, width: number, height: number, step: number,
  owner: Int32Array, dist: Distances, passable: Uint8Array, next: Int32Array, nCount: number,
): number {
  for (let dy = -1; dy <= 1; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= height) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx;
      if ((dx === 0 && dy === 0) || xx < 0 || xx >= width) continue;
      const q = yy * width + xx;
      if (dist[q] === -1 && passable[q]) {
        dist[q] = step;
        owner[q] = owner[p]!;
        next[nCount++] = q;
      }
    }
  }
  return nCount;
}

/**
 * Adjacent pixels owned by different objects: touching (both distance 0) or meeting fronts. Right, down,
 * down-right and down-left of each pixel: each unordered neighbour pair is seen once. Returns the smallest gap per
 * pair, keyed (lo·1000003 + hi) with 0-based node indices.
 */
function meetingGaps(owner: Int32Array, dist: Distances, width: number, height: number, maxGapPx: number): Map<number, number> {
  const best = new Map<number, number>();
  // A direct-mapped cache of pairs seen and their smallest gap so far (always equal to the map's, as every update
  // passes here): the many pixels along one boundary skip the map.
  const cacheKey = new Float64Array(PAIR_CACHE).fill(-1);
  const cacheGap = new Float64Array(PAIR_CACHE);
  const pair = (a: number, p: number, q: number): void => {
    const b = owner[q]!;
    if (b === 0 || b === a) return;
    const gap = dist[p]! + dist[q]!;
    if (gap > maxGapPx) return;
    const lo = Math.min(a, b) - 1;
    const hi = Math.max(a, b) - 1;
    const key = lo * 1_000_003 + hi;
    const slot = (lo * 7919 + hi) & (PAIR_CACHE - 1);
    if (cacheKey[slot] === key && gap >= cacheGap[slot]!) return;
    const old = best.get(key);
    if (old === undefined || gap < old) {
      best.set(key, gap);
      cacheGap[slot] = gap;
    } else cacheGap[slot] = old;
    cacheKey[slot] = key;
  };
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const down = y < height - 1;
    for (let x = 0; x < width; x++) {
      const p = row + x;
      const a = owner[p]!;
      if (a === 0) continue;
      const right = x < width - 1;
      if (right && owner[p + 1] !== a) pair(a, p, p + 1);
      if (down) {
        const q = p + width;
        if (owner[q] !== a) pair(a, p, q);
        if (right && owner[q + 1] !== a) pair(a, p, q + 1);
        if (x > 0 && owner[q - 1] !== a) pair(a, p, q - 1);
      }
    }
  }
  return best;
}

/** The growth distances, kept between calls (filled with −1 on every use). */
const distScratch = keptBuffer((n) => new Int16Array(n));

/** Slots of meetingGaps' pair cache (a power of two). */
const PAIR_CACHE = 4096;

/** A copy of `a` with twice the room (at most `limit`). */
function grown(a: Int32Array, limit: number): Int32Array {
  const out = new Int32Array(Math.min(limit, a.length * 2));
  out.set(a);
  return out;
}

/**
 * The microstructure graph: nodes are particles and pores, edges join objects that touch or lie within a small gap
 * of each other through the matrix. Gaps come from a breadth-first growth of every object into the matrix (each
 * matrix pixel takes the nearest object within the gap limit, chessboard distance); where two growth fronts meet,
 * the two objects are neighbours and their gap is the sum of both growth distances.
 */
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
export function buildObjectGraph(objects: Int32Array, passable: Uint8Array, width: number, height: number, maxGapPx: number): ObjectGraph {
  const n = width * height;
  const owner = Int32Array.from(objects);
  const dist = new Int32Array(n).fill(-1);
  let frontier = new Int32Array(n);
  let next = new Int32Array(n);
  let fCount = 0;
  for (let i = 0; i < n; i++) {
    if (owner[i] === 0) continue;
    dist[i] = 0;
    // Only pixels next to passable ground can grow: interior pixels stay out of the frontier.
    const x = i % width;
    if (
      (x > 0 && passable[i - 1]) ||
      (x < width - 1 && passable[i + 1]) ||
      (i >= width && (passable[i - width] || (x > 0 && passable[i - width - 1]) || (x < width - 1 && passable[i - width + 1]))) ||
      (i < n - width && (passable[i + width] || (x > 0 && passable[i + width - 1]) || (x < width - 1 && passable[i + width + 1])))
    ) {
      frontier[fCount++] = i;
    }
  }
  const best = new Map<number, number>();
  const record = (a: number, b: number, gap: number): void => {
    const lo = Math.min(a, b) - 1;
    const hi = Math.max(a, b) - 1;
    const key = lo * 1_000_003 + hi;
    const old = best.get(key);
    if (old === undefined || gap < old) best.set(key, gap);
  };
  const maxSteps = Math.ceil(maxGapPx / 2);
  for (let step = 1; step <= maxSteps && fCount > 0; step++) {
    let nCount = 0;
    for (let f = 0; f < fCount; f++) {
      const p = frontier[f]!;
      const x = p % width;
      const y = (p - x) / width;
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
    }
    [frontier, next] = [next, frontier];
    fCount = nCount;
  }
  // Adjacent pixels owned by different objects: touching (both distance 0) or meeting fronts.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const a = owner[p]!;
      if (a === 0) continue;
      // Right, down, down-right, down-left: each unordered neighbour pair is seen once.
      for (let k = 0; k < 4; k++) {
        const dx = k === 0 ? 1 : k === 1 ? 0 : k === 2 ? 1 : -1;
        const dy = k === 0 ? 0 : 1;
        const xx = x + dx;
        const yy = y + dy;
        if (xx < 0 || xx >= width || yy >= height) continue;
        const q = yy * width + xx;
        const b = owner[q]!;
        if (b === 0 || b === a) continue;
        const gap = dist[p]! + dist[q]!;
        if (gap <= maxGapPx) record(a, b, gap);
      }
    }
  }
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

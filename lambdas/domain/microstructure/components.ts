/**
 * Connected components of a binary mask and their shape descriptors, with typed arrays only.
 */
export interface ComponentLabels {
  /** Per pixel: 0 = background, 1..count = component id. */
  readonly labels: Int32Array;
  readonly count: number;
}

export function labelComponents(mask: Uint8Array, width: number, height: number, connectivity: 4 | 8 = 8): ComponentLabels {
  // Two-pass labelling with union-find over provisional labels; ids come out in raster order of each
  // component's first pixel (the order a flood fill would give).
  const labels = new Int32Array(width * height);
  const parent = new Int32Array(Math.floor((width * height) / 2) + 2);
  let next = 1;
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  };
  const union = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return ra;
    if (ra < rb) {
      parent[rb] = ra;
      return ra;
    }
    parent[ra] = rb;
    return rb;
  };
  const diagonal = connectivity === 8;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const p = row + x;
      if (!mask[p]) continue;
      // Neighbours already visited: W, N, NW, NE (the diagonals only with 8-connectivity).
      let l = 0;
      for (let k = 0; k < 4; k++) {
        let q = -1;
        if (k === 0 && x > 0) q = p - 1;
        else if (k === 1 && y > 0) q = p - width;
        else if (k === 2 && diagonal && y > 0 && x > 0) q = p - width - 1;
        else if (k === 3 && diagonal && y > 0 && x < width - 1) q = p - width + 1;
        if (q < 0) continue;
        const m = labels[q]!;
        if (m !== 0) l = l === 0 ? find(m) : union(l, m);
      }
      if (l === 0) {
        if (next >= parent.length) throw new RangeError('too many provisional labels');
        parent[next] = next;
        l = next++;
      }
      labels[p] = l;
    }
  }
  const final = new Int32Array(next);
  let count = 0;
  for (let p = 0; p < labels.length; p++) {
    const l = labels[p]!;
    if (l === 0) continue;
    const r = find(l);
    if (final[r] === 0) final[r] = ++count;
    labels[p] = final[r]!;
  }
  return { labels, count };
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
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const l = labels[p] as number;
      if (l === 0) continue;
      area[l]! += 1;
      sx[l]! += x;
      sy[l]! += y;
      sxx[l]! += x * x;
      syy[l]! += y * y;
      sxy[l]! += x * y;
      if (x < minX[l]!) minX[l] = x;
      if (x > maxX[l]!) maxX[l] = x;
      if (y < minY[l]!) minY[l] = y;
      if (y > maxY[l]!) maxY[l] = y;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) border[l] = 1;
      // Boundary length counts pixel edges facing another label (image borders excluded).
      if (x > 0 && labels[p - 1] !== l) edges[l]! += 1;
      if (x < width - 1 && labels[p + 1] !== l) edges[l]! += 1;
      if (y > 0 && labels[p - width] !== l) edges[l]! += 1;
      if (y < height - 1 && labels[p + width] !== l) edges[l]! += 1;
    }
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

/** Number-weighted percentile (0..100) by linear interpolation; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

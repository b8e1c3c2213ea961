/**
 * The word-at-a-time morphology, decision-tree labelling and run-wise shape sums against plain per-pixel
 * references (the definitions they must match exactly), on borders, odd widths, non-binary and misaligned masks.
 */
import { describeComponents, labelComponents } from '../../../lambdas/domain/microstructure/components.js';
import { dilate, erode, keepLargeComponents, open } from '../../../lambdas/domain/microstructure/morphology.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

function randomMask(width: number, height: number, p: number, seed: number, values: readonly number[] = [1]): Uint8Array {
  const rnd = random(seed);
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) if (rnd() < p) mask[i] = values[Math.floor(rnd() * values.length)]!;
  return mask;
}

/** Square window of side 2r+1: erosion keeps pixels with no 0 in the window, dilation sets those with a 1 in it; outside never counts. */
function reference(mask: Uint8Array, width: number, height: number, r: number, isErosion: boolean): Uint8Array {
  if (r <= 0) return Uint8Array.from(mask);
  const hit = isErosion ? 0 : 1;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let any = false;
      for (let yy = Math.max(0, y - r); yy <= Math.min(height - 1, y + r) && !any; yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(width - 1, x + r); xx++) if (mask[yy * width + xx] === hit) { any = true; break; }
      }
      out[y * width + x] = isErosion ? (any ? 0 : 1) : any ? 1 : 0;
    }
  }
  return out;
}

/** Flood-fill labelling, ids in raster order of each component's first pixel. */
function referenceLabels(mask: Uint8Array, width: number, height: number, connectivity: 4 | 8): { labels: Int32Array; count: number } {
  const labels = new Int32Array(width * height);
  let count = 0;
  for (let start = 0; start < labels.length; start++) {
    if (!mask[start] || labels[start]) continue;
    labels[start] = ++count;
    const stack = [start];
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if ((dx === 0 && dy === 0) || (connectivity === 4 && dx !== 0 && dy !== 0)) continue;
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (mask[q] && !labels[q]) {
            labels[q] = count;
            stack.push(q);
          }
        }
      }
    }
  }
  return { labels, count };
}

const SIZES: readonly [number, number][] = [[1, 1], [1, 9], [7, 1], [4, 4], [5, 3], [8, 6], [13, 11], [16, 9], [31, 17], [64, 20]];

describe('binary morphology (word-at-a-time path and sliding counts) matches the window definition', () => {
  test.each(SIZES)('%i x %i, radii 0-4 and 6, binary and non-binary masks', (width, height) => {
    for (const [p, values] of [[0.5, [1]], [0.85, [1]], [0.15, [1]], [0.6, [1, 2, 255, 128]]] as const) {
      const mask = randomMask(width, height, p, width * 31 + height, values);
      for (const r of [0, 1, 2, 3, 4, 6]) {
        expect(erode(mask, width, height, r)).toEqual(reference(mask, width, height, r, true));
        expect(dilate(mask, width, height, r)).toEqual(reference(mask, width, height, r, false));
        expect(open(mask, width, height, r)).toEqual(reference(reference(mask, width, height, r, true), width, height, r, false));
      }
    }
  });

  test('a mask that is a misaligned view of a larger buffer', () => {
    const big = randomMask(16 * 9 + 3, 1, 0.5, 7);
    const mask = big.subarray(3); // byteOffset 3: no 32-bit view of it
    for (const r of [1, 2, 3]) {
      expect(erode(mask, 16, 9, r)).toEqual(reference(mask, 16, 9, r, true));
      expect(dilate(mask, 16, 9, r)).toEqual(reference(mask, 16, 9, r, false));
    }
  });
});

describe('component labelling and shapes match a flood fill and per-pixel sums', () => {
  test.each(SIZES)('%i x %i', (width, height) => {
    for (const p of [0.3, 0.5, 0.7]) {
      const mask = randomMask(width, height, p, width * 7 + height * 3 + Math.round(p * 10));
      for (const c of [4, 8] as const) {
        const got = labelComponents(mask, width, height, c);
        const want = referenceLabels(mask, width, height, c);
        expect(got.count).toBe(want.count);
        expect(got.labels).toEqual(want.labels);
        // Into a reused array whose old contents are garbage: the same labels, in that array.
        const reused = Int32Array.from({ length: width * height }, (_, i) => (i * 7919) % 1000);
        const into = labelComponents(mask, width, height, c, reused);
        expect(into.labels).toBe(reused);
        expect(into.labels).toEqual(want.labels);
      }
      const labelled = labelComponents(mask, width, height);
      const shapes = describeComponents(labelled, width, height);
      for (const s of shapes) {
        let area = 0, sx = 0, sy = 0, edges = 0, border = false;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const p0 = y * width + x;
            if (labelled.labels[p0] !== s.id) continue;
            area++;
            sx += x;
            sy += y;
            if (x === 0 || y === 0 || x === width - 1 || y === height - 1) border = true;
            if (x > 0 && labelled.labels[p0 - 1] !== s.id) edges++;
            if (x < width - 1 && labelled.labels[p0 + 1] !== s.id) edges++;
            if (y > 0 && labelled.labels[p0 - width] !== s.id) edges++;
            if (y < height - 1 && labelled.labels[p0 + width] !== s.id) edges++;
          }
        }
        expect(s.areaPx).toBe(area);
        expect(s.centroid).toEqual({ x: sx / area, y: sy / area });
        expect(s.touchesBorder).toBe(border);
        const perimeter = edges * (Math.PI / 4);
        expect(s.circularity).toBe(perimeter > 0 ? Math.min(1, (4 * Math.PI * area) / (perimeter * perimeter)) : 1);
      }
      // keepLargeComponents: the reference's components of at least 3 pixels, renumbered in order.
      const kept = keepLargeComponents(mask, width, height, 3);
      const ref = referenceLabels(mask, width, height, 8);
      const areas = new Int32Array(ref.count + 1);
      for (const l of ref.labels) areas[l]!++;
      const remap = new Int32Array(ref.count + 1);
      let n = 0;
      for (let l = 1; l <= ref.count; l++) if (areas[l]! >= 3) remap[l] = ++n;
      expect(kept.count).toBe(n);
      expect(kept.labels).toEqual(Int32Array.from(ref.labels, (l) => remap[l]!));
    }
  });
});

import type { Random } from './random.js';

/** A slightly irregular closed shape: a disc with low-order radial harmonics, stretched along `angle`. */
export interface Blob {
  readonly cx: number;
  readonly cy: number;
  /** Nominal radius before harmonics and stretch, px. */
  readonly radius: number;
  /** Major/minor stretch ≥ 1 (area preserved). */
  readonly elongation: number;
  readonly angle: number;
  readonly harmonics: readonly { readonly k: number; readonly amplitude: number; readonly phase: number }[];
}

export function randomBlob(random: Random, cx: number, cy: number, radius: number, irregularity: number, maxElongation: number): Blob {
  const harmonics = [2, 3, 4, 5].map((k) => ({
    k,
    amplitude: (irregularity * random.uniform(0.3, 1)) / (k - 1),
    phase: random.uniform(0, 2 * Math.PI),
  }));
  return { cx, cy, radius, elongation: random.uniform(1, maxElongation), angle: random.uniform(0, Math.PI), harmonics };
}

/** Radius of the circle that contains the blob: the largest harmonic radius (sampled finely, plus 3 % slack) times the stretch. */
export function blobExtent(blob: Blob): number {
  let max = 0;
  for (let a = 0; a < 64; a++) {
    const theta = (a / 64) * 2 * Math.PI;
    let r = 1;
    for (const h of blob.harmonics) r += h.amplitude * Math.cos(h.k * theta + h.phase);
    if (r > max) max = r;
  }
  return blob.radius * max * 1.03 * Math.sqrt(blob.elongation);
}

/**
 * Visits every pixel inside the blob with its relative radius (0 centre .. 1 edge) and the unit direction from the
 * centre (for edge brightening and topographic shading).
 */
export function rasterizeBlob(
  blob: Blob,
  width: number,
  height: number,
  visit: (index: number, rel: number, dirX: number, dirY: number) => void,
): void {
  const extent = Math.ceil(blobExtent(blob)) + 1;
  const x0 = Math.max(0, Math.floor(blob.cx - extent));
  const x1 = Math.min(width - 1, Math.ceil(blob.cx + extent));
  const y0 = Math.max(0, Math.floor(blob.cy - extent));
  const y1 = Math.min(height - 1, Math.ceil(blob.cy + extent));
  const cos = Math.cos(blob.angle);
  const sin = Math.sin(blob.angle);
  const s = Math.sqrt(blob.elongation);
  for (let y = y0; y <= y1; y++) {
    const dy = y - blob.cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x - blob.cx;
      const u = (dx * cos + dy * sin) / s;
      const v = (-dx * sin + dy * cos) * s;
      const d = Math.sqrt(u * u + v * v);
      if (d > extent) continue;
      const theta = Math.atan2(v, u);
      let r = 1;
      for (const h of blob.harmonics) r += h.amplitude * Math.cos(h.k * theta + h.phase);
      r *= blob.radius;
      if (d > r) continue;
      const dist = Math.sqrt(dx * dx + dy * dy) || 1;
      visit(y * width + x, d / r, dx / dist, dy / dist);
    }
  }
}

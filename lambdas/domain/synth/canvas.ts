import type { Random } from './random.js';
import { rasterizeBlob, type Blob } from './shapes.js';

/** Phase labels of the generator's ground truth. */
export const PHASE = { carbon: 0, sulfur: 1, pore: 2, contaminant: 3 } as const;
export type PhaseLabel = (typeof PHASE)[keyof typeof PHASE];

/** The noise-free scene being drawn: intensity, truth labels and (when an anomaly is injected) its mask. */
export interface Canvas {
  readonly width: number;
  readonly height: number;
  readonly intensity: Float32Array;
  readonly labels: Uint8Array;
  /** 1 where the injected anomaly is. */
  readonly mask: Uint8Array;
  /** Matrix texture, -1..1, reused for phase-internal texture. */
  readonly texture: Float32Array;
}

/** Backscatter-like grey levels of each phase (0..1 before drift and noise). */
export const TONES = {
  carbon: 0.42,
  carbonTexture: 0.16,
  sulfur: 0.8,
  sulfurEdge: 0.07,
  sulfurShade: 0.03,
  pore: 0.1,
  poreRim: 0.06,
  crack: 0.07,
  contaminant: 0.97,
} as const;

export function drawSulfurParticle(canvas: Canvas, blob: Blob, markMask = false): number {
  let drawn = 0;
  const { intensity, labels, mask, texture } = canvas;
  rasterizeBlob(blob, canvas.width, canvas.height, (i, rel, dx, dy) => {
    // Bright rim (SEM edge effect) and a weak one-sided shading give particles a 3-D look.
    const edge = rel > 0.75 ? (rel - 0.75) / 0.25 : 0;
    intensity[i] = TONES.sulfur + TONES.sulfurEdge * edge * edge + TONES.sulfurShade * (dx - dy) * rel + 0.025 * texture[i]!;
    labels[i] = PHASE.sulfur;
    if (markMask) mask[i] = 1;
    drawn++;
  });
  return drawn;
}

export function drawPore(canvas: Canvas, blob: Blob, markMask = false): number {
  let drawn = 0;
  const { intensity, labels, mask, texture } = canvas;
  rasterizeBlob(blob, canvas.width, canvas.height, (i, rel) => {
    // Pores are darkest in the middle (less signal escapes from the depth).
    intensity[i] = TONES.pore + TONES.poreRim * rel * rel + 0.02 * texture[i]!;
    labels[i] = PHASE.pore;
    if (markMask) mask[i] = 1;
    drawn++;
  });
  return drawn;
}

/** Stamps a filled disc with the given phase and tone (cracks, gaps). */
export function stampDisc(canvas: Canvas, cx: number, cy: number, radius: number, label: PhaseLabel, tone: number, random?: Random): void {
  const r = Math.max(0.5, radius);
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(canvas.width - 1, Math.ceil(cx + r));
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(canvas.height - 1, Math.ceil(cy + r));
  const r2 = r * r;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x - cx;
      const dy = y - cy;
      if (dx * dx + dy * dy > r2) continue;
      const i = y * canvas.width + x;
      canvas.intensity[i] = tone + (random ? 0.01 * random.normal() : 0);
      canvas.labels[i] = label;
      canvas.mask[i] = 1;
    }
  }
}

import { PHASE, TONES, drawPore, drawSulfurParticle, stampDisc, type Canvas } from './canvas.js';
import type { Random } from './random.js';
import { randomBlob, rasterizeBlob } from './shapes.js';

/**
 * Defects the generator injects, each with an exact pixel mask:
 * - agglomeration: a cluster of merged sulfur particles (poor dispersion during melt infiltration / mixing);
 * - crack: a thin branching dark line through the coating (drying shrinkage, calendering);
 * - void: one pore far larger than the normal pore population (trapped air, binder dewetting);
 * - contamination: a foreign high-Z particle (metal debris from milling), brighter than sulfur, with a charging halo;
 * - delamination: a lifted coating edge: dark gap, shadowed band below it, bright raised rim above it.
 */
export const ANOMALY_TYPES = ['agglomeration', 'crack', 'void', 'contamination', 'delamination'] as const;
export type AnomalyType = (typeof ANOMALY_TYPES)[number];

export interface AnomalyContext {
  readonly canvas: Canvas;
  readonly random: Random;
  /** Median sulfur particle diameter in px (sets the scale of the defects). */
  readonly particleD50Px: number;
  readonly poreD50Px: number;
}

export function injectAnomaly(type: AnomalyType, ctx: AnomalyContext): void {
  switch (type) {
    case 'agglomeration':
      return injectAgglomeration(ctx);
    case 'crack':
      return injectCrack(ctx);
    case 'void':
      return injectVoid(ctx);
    case 'contamination':
      return injectContamination(ctx);
    case 'delamination':
      return injectDelamination(ctx);
  }
}

function centreAwayFromBorder(ctx: AnomalyContext, margin: number): { x: number; y: number } {
  const { width, height } = ctx.canvas;
  const mx = Math.min(margin, width / 3);
  const my = Math.min(margin, height / 3);
  return { x: ctx.random.uniform(mx, width - mx), y: ctx.random.uniform(my, height - my) };
}

function injectAgglomeration(ctx: AnomalyContext): void {
  const { random, canvas } = ctx;
  const r = ctx.particleD50Px / 2;
  const clusterRadius = r * random.uniform(3, 4.5);
  const c = centreAwayFromBorder(ctx, clusterRadius + r);
  const members = random.int(16, 28);
  // Members are placed within the cluster radius and drawn overlapping, so they merge into one bright body.
  for (let m = 0; m < members; m++) {
    const a = random.uniform(0, 2 * Math.PI);
    const d = clusterRadius * Math.sqrt(random.next()) * 0.8;
    drawSulfurParticle(canvas, randomBlob(random, c.x + d * Math.cos(a), c.y + d * Math.sin(a), r * random.uniform(0.7, 1.2), 0.1, 1.3), true);
  }
}

function injectCrack(ctx: AnomalyContext): void {
  const { random, canvas } = ctx;
  const side = Math.min(canvas.width, canvas.height);
  const start = centreAwayFromBorder(ctx, side * 0.2);
  const length = side * random.uniform(0.35, 0.6);
  const width = random.uniform(2.2, 3.5);
  const heading = random.uniform(0, 2 * Math.PI);
  // Grows both ways from the start so the crack is centred on it, branching a couple of times.
  walkCrack(ctx, start.x, start.y, heading, length / 2, width, 2);
  walkCrack(ctx, start.x, start.y, heading + Math.PI, length / 2, width, 1);
}

function walkCrack(ctx: AnomalyContext, x0: number, y0: number, heading: number, length: number, width: number, branches: number): void {
  const { random, canvas } = ctx;
  let x = x0;
  let y = y0;
  let h = heading;
  const branchAt = new Set<number>();
  for (let b = 0; b < branches; b++) branchAt.add(Math.floor(random.uniform(0.2, 0.8) * length));
  for (let s = 0; s < length; s++) {
    const taper = Math.min(1, (length - s) / (length * 0.3));
    stampDisc(canvas, x, y, (width / 2) * (0.5 + 0.5 * taper), PHASE.pore, TONES.crack, random);
    if (branchAt.has(s)) {
      walkCrack(ctx, x, y, h + (random.next() < 0.5 ? -1 : 1) * random.uniform(0.5, 1.0), (length - s) * 0.6, width * 0.7, 0);
    }
    h += random.normal() * 0.12;
    x += Math.cos(h);
    y += Math.sin(h);
    if (x < 0 || y < 0 || x >= canvas.width || y >= canvas.height) break;
  }
}

function injectVoid(ctx: AnomalyContext): void {
  const { random, canvas } = ctx;
  const side = Math.min(canvas.width, canvas.height);
  const radius = Math.max(ctx.poreD50Px * 3, side * random.uniform(0.06, 0.1));
  const c = centreAwayFromBorder(ctx, radius * 1.3);
  drawPore(canvas, randomBlob(random, c.x, c.y, radius, 0.18, 1.4), true);
}

function injectContamination(ctx: AnomalyContext): void {
  const { random, canvas } = ctx;
  const radius = (ctx.particleD50Px / 2) * random.uniform(1.5, 2.5);
  const c = centreAwayFromBorder(ctx, radius * 2);
  const blob = randomBlob(random, c.x, c.y, radius, 0.35, 1.6);
  // Dark charging halo first (slightly larger blob), then the bright body on top.
  rasterizeBlob({ ...blob, radius: radius + 3 }, canvas.width, canvas.height, (i) => {
    canvas.intensity[i] = Math.min(canvas.intensity[i]!, 0.3);
    canvas.mask[i] = 1;
  });
  rasterizeBlob(blob, canvas.width, canvas.height, (i, rel) => {
    canvas.intensity[i] = TONES.contaminant - 0.04 * rel + 0.01 * canvas.texture[i]!;
    canvas.labels[i] = PHASE.contaminant;
    canvas.mask[i] = 1;
  });
}

function injectDelamination(ctx: AnomalyContext): void {
  const { random, canvas } = ctx;
  const { width, height } = canvas;
  const y0 = random.uniform(height * 0.25, height * 0.75);
  const amplitude = random.uniform(4, 12);
  const period = random.uniform(width * 0.5, width * 1.5);
  const phase = random.uniform(0, 2 * Math.PI);
  const gap = random.uniform(2, 4);
  const shadow = random.uniform(12, 24);
  const rim = 3;
  for (let x = 0; x < width; x++) {
    const yc = y0 + amplitude * Math.sin((2 * Math.PI * x) / period + phase);
    const top = Math.max(0, Math.floor(yc - gap / 2 - rim));
    const bottom = Math.min(height - 1, Math.ceil(yc + gap / 2 + shadow));
    for (let y = top; y <= bottom; y++) {
      const d = y - yc;
      const i = y * width + x;
      if (Math.abs(d) <= gap / 2) {
        canvas.intensity[i] = TONES.crack;
        canvas.labels[i] = PHASE.pore;
      } else if (d < 0) {
        canvas.intensity[i] = Math.min(1, canvas.intensity[i]! + 0.15);
      } else {
        // The lifted flake shades the coating below it, fading with distance from the gap.
        const t = (d - gap / 2) / shadow;
        canvas.intensity[i] = canvas.intensity[i]! * (0.7 + 0.3 * t);
      }
      canvas.mask[i] = 1;
    }
  }
}

import { z } from 'zod';
import type { GreyImage } from '../image/grey-image.js';
import { createGreyImage } from '../image/grey-image.js';
import { gaussianBlur } from '../image/gaussian.js';
import { describeComponents, labelComponents, percentile } from '../microstructure/components.js';
import { carbonHostDensity, sulfurVolumeFractionToWtPct } from '../metadata/phase-densities.js';
import type { SynthesisMetadata } from '../metadata/schema.js';
import { injectAnomaly, type AnomalyType } from './anomalies.js';
import { PHASE, TONES, drawPore, drawSulfurParticle, type Canvas } from './canvas.js';
import { fbmField } from './noise.js';
import { createRandom, type Random } from './random.js';
import { blobExtent, randomBlob, type Blob } from './shapes.js';

/** What the synthetic cathode is made of and how the microscope sees it. Defaults: a typical Li-S SEM field. */
export const SynthParamsSchema = z.object({
  /** Sulfur particle area fraction of the whole image (design value). */
  sulfurAreaFraction: z.number().min(0).max(0.45).default(0.2),
  /** Pore area fraction of the whole image (design value). */
  porosity: z.number().min(0).max(0.3).default(0.1),
  /** Median (number-weighted) sulfur particle equivalent diameter, µm. */
  particleD50Um: z.number().positive().default(2),
  /** Log-normal sigma of particle diameters. */
  particleSizeSigma: z.number().min(0).max(1).default(0.3),
  poreD50Um: z.number().positive().default(0.9),
  poreSizeSigma: z.number().min(0).max(1).default(0.35),
  carbonHost: z.string().default('Ketjen black EC-600JD'),
  /** Detected electrons per unit intensity: lower = noisier (shot noise ∝ sqrt(signal)). */
  photonsPerUnit: z.number().positive().default(150),
  /** Horizontal charging streaks per image. */
  streaks: z.number().int().min(0).default(3),
  /** Peak-to-peak low-frequency brightness drift. */
  drift: z.number().min(0).max(0.3).default(0.06),
  blurSigmaPx: z.number().min(0).max(3).default(0.8),
});
export type SynthParams = z.infer<typeof SynthParamsSchema>;
export type SynthParamsInput = z.input<typeof SynthParamsSchema>;

export interface MicrographRequest {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly pixelSizeUm: number;
  readonly params?: SynthParamsInput;
  readonly anomaly?: AnomalyType;
  /** Batch id written into the synthesis sheet (default derived from the seed). */
  readonly batchId?: string;
}

/** Known values of a generated micrograph, measured on the noise-free label image. */
export interface MicrographTruth {
  readonly porosity: number;
  readonly sulfurAreaFraction: number;
  readonly carbonFraction: number;
  readonly contaminantFraction: number;
  readonly particleCount: number;
  readonly particleD10Um: number;
  readonly particleD50Um: number;
  readonly particleD90Um: number;
  readonly poreCount: number;
  readonly anomaly: { readonly type: AnomalyType; readonly areaPx: number; readonly bbox: { x: number; y: number; width: number; height: number } } | null;
}

export interface Micrograph {
  readonly image: GreyImage;
  /** 1 where the injected anomaly is; present only when one was injected. */
  readonly mask?: Uint8Array;
  /** Per-pixel phase labels (PHASE) of the noise-free scene. */
  readonly phases: Uint8Array;
  readonly truth: MicrographTruth;
  readonly metadata: SynthesisMetadata;
}

/**
 * Gap kept between placed shapes of the same kind, so normal particles (and pores) stay separate components after
 * blur and noise. A pore may sit right against a particle (different phases never merge), which also keeps
 * crowded designs from jamming.
 */
const PLACEMENT_MARGIN_PX = 3;
const MIXED_MARGIN_PX = 1;
const PLACEMENT_TRIES = 40;
const MIN_DIAMETER_PX = 3;
const PARTICLE_SHAPE = { irregularity: 0.08, maxElongation: 1.35 };
const PORE_SHAPE = { irregularity: 0.12, maxElongation: 1.6 };

/**
 * Generates one SEM backscatter-like Li-S cathode micrograph: carbon matrix (fBm texture), bright sulfur particles
 * (log-normal sizes, slightly irregular), dark pores, optionally one injected anomaly; then blur, brightness drift,
 * charging streaks and shot noise. Pure and deterministic: the same request gives the same bytes.
 */
export function generateMicrograph(request: MicrographRequest): Micrograph {
  const { width, height, pixelSizeUm } = request;
  if (!(pixelSizeUm > 0)) throw new RangeError(`pixelSizeUm must be positive, got ${pixelSizeUm}`);
  const params = SynthParamsSchema.parse(request.params ?? {});
  const root = createRandom(request.seed);
  // Independent sub-streams: changing one feature (e.g. the anomaly) does not reshuffle the others.
  const rTexture = root.fork();
  const rParticles = root.fork();
  const rPores = root.fork();
  const rAnomaly = root.fork();
  const rAcquisition = root.fork();

  const n = width * height;
  const texture = fbmField(width, height, rTexture, { baseCell: 48, octaves: 6, persistence: 0.6 });
  const canvas: Canvas = { width, height, intensity: new Float32Array(n), labels: new Uint8Array(n), mask: new Uint8Array(n), texture };
  for (let i = 0; i < n; i++) canvas.intensity[i] = TONES.carbon + TONES.carbonTexture * texture[i]!;

  const particleD50Px = params.particleD50Um / pixelSizeUm;
  const poreD50Px = params.poreD50Um / pixelSizeUm;
  const placed = new Placement(width, height);
  placeBlobs(rParticles, 'particle', width, height, placed, params.sulfurAreaFraction * n, particleD50Px, params.particleSizeSigma, PARTICLE_SHAPE, (b) =>
    drawSulfurParticle(canvas, b),
  );
  placeBlobs(rPores, 'pore', width, height, placed, params.porosity * n, poreD50Px, params.poreSizeSigma, PORE_SHAPE, (b) => drawPore(canvas, b));

  if (request.anomaly) injectAnomaly(request.anomaly, { canvas, random: rAnomaly, particleD50Px, poreD50Px });

  const image = acquire(canvas, params, rAcquisition);
  const truth = measureTruth(canvas, pixelSizeUm, request.anomaly ?? null);
  const metadata = synthesisSheet(request, params);
  return { image, ...(request.anomaly ? { mask: canvas.mask } : {}), phases: canvas.labels, truth, metadata };
}

/**
 * Random sequential addition: draws log-normal sizes, places the largest first, rejects positions that come within
 * the placement margin of anything placed before, and draws each accepted shape at once; it keeps adding sizes until
 * the drawn (border-clipped) area reaches the target, so the design fractions are met, not just attempted.
 */
function placeBlobs(
  random: Random,
  kind: ShapeKind,
  width: number,
  height: number,
  placed: Placement,
  targetArea: number,
  d50Px: number,
  sigma: number,
  shape: { irregularity: number; maxElongation: number },
  draw: (blob: Blob) => number,
): void {
  const sampleDiameter = (): number => Math.max(MIN_DIAMETER_PX, random.logNormal(d50Px, sigma));
  const diameters: number[] = [];
  let nominal = 0;
  while (nominal < targetArea) {
    const d = sampleDiameter();
    diameters.push(d);
    nominal += (Math.PI * d * d) / 4;
  }
  diameters.sort((a, b) => b - a);
  let drawn = 0;
  let misses = 0;
  for (let k = 0; drawn < targetArea && misses < 50; k++) {
    let d = k < diameters.length ? diameters[k]! : sampleDiameter();
    let accepted = false;
    // When the field is crowded a shape that finds no room is retried smaller, filling the gaps left between the
    // larger ones, so a crowded design still reaches its area fraction.
    for (let t = 0; t < PLACEMENT_TRIES && !accepted; t++) {
      if (t > 0 && t % 10 === 0) d = Math.max(MIN_DIAMETER_PX, d * 0.8);
      const blob = randomBlob(random, random.uniform(0, width), random.uniform(0, height), d / 2, shape.irregularity, shape.maxElongation);
      if (placed.isFree(blob, kind)) {
        placed.add(blob, kind);
        drawn += draw(blob);
        accepted = true;
      }
    }
    if (!accepted) misses++;
  }
}

type ShapeKind = 'particle' | 'pore';

/** Placed shapes in a uniform grid of cells by centre, so a free-space test looks at nearby shapes only. */
class Placement {
  private readonly cells: { blob: Blob; extent: number; kind: ShapeKind }[][];
  private readonly cols: number;
  private readonly rows: number;
  private maxExtent = 0;

  constructor(width: number, height: number, private readonly cellSize = 32) {
    this.cols = Math.ceil(width / cellSize) + 1;
    this.rows = Math.ceil(height / cellSize) + 1;
    this.cells = Array.from({ length: this.cols * this.rows }, () => []);
  }

  private cellOf(x: number, y: number): [number, number] {
    const cx = Math.min(this.cols - 1, Math.max(0, Math.floor(x / this.cellSize)));
    const cy = Math.min(this.rows - 1, Math.max(0, Math.floor(y / this.cellSize)));
    return [cx, cy];
  }

  add(blob: Blob, kind: ShapeKind): void {
    const extent = blobExtent(blob);
    this.maxExtent = Math.max(this.maxExtent, extent);
    const [cx, cy] = this.cellOf(blob.cx, blob.cy);
    this.cells[cy * this.cols + cx]!.push({ blob, extent, kind });
  }

  /** True when the blob keeps its margin from every placed shape (bounding circles). */
  isFree(blob: Blob, kind: ShapeKind): boolean {
    const e = blobExtent(blob);
    const reach = e + this.maxExtent + PLACEMENT_MARGIN_PX;
    const [x0, y0] = this.cellOf(blob.cx - reach, blob.cy - reach);
    const [x1, y1] = this.cellOf(blob.cx + reach, blob.cy + reach);
    for (let cy = y0; cy <= y1; cy++) {
      for (let cx = x0; cx <= x1; cx++) {
        for (const o of this.cells[cy * this.cols + cx]!) {
          const limit = e + o.extent + (o.kind === kind ? PLACEMENT_MARGIN_PX : MIXED_MARGIN_PX);
          const dx = o.blob.cx - blob.cx;
          const dy = o.blob.cy - blob.cy;
          if (dx * dx + dy * dy < limit * limit) return false;
        }
      }
    }
    return true;
  }
}

/** The microscope: slight blur, low-frequency drift, charging streaks, scan-line jitter, shot noise. */
function acquire(canvas: Canvas, params: SynthParams, random: Random): GreyImage {
  const { width, height } = canvas;
  const clean = createGreyImage(width, height, Float32Array.from(canvas.intensity));
  const data = params.blurSigmaPx > 0 ? gaussianBlur(clean, params.blurSigmaPx).data : clean.data;

  const drift = fbmField(width, height, random, { baseCell: Math.max(width, height) / 2, octaves: 2 });
  const gx = random.uniform(-1, 1);
  const gy = random.uniform(-1, 1);
  for (let y = 0; y < height; y++) {
    // Scan-line jitter: each line's gain differs slightly (beam current fluctuation).
    const lineOffset = 0.006 * random.normal();
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const ramp = (gx * (x / width - 0.5) + gy * (y / height - 0.5)) / 2;
      data[i] = data[i]! + (params.drift / 2) * (drift[i]! + ramp) + lineOffset;
    }
  }

  // Charging streaks: a bright line that starts at a random column and decays to the right (scan direction).
  for (let s = 0; s < params.streaks; s++) {
    const y = random.int(0, height - 1);
    const thickness = random.int(1, 2);
    const x0 = random.int(0, width - 1);
    const amplitude = random.uniform(0.06, 0.12);
    const decay = random.uniform(width * 0.05, width * 0.3);
    for (let yy = y; yy < Math.min(height, y + thickness); yy++) {
      for (let x = x0; x < width; x++) {
        const i = yy * width + x;
        data[i] = data[i]! + amplitude * Math.exp(-(x - x0) / decay);
      }
    }
  }

  // Shot noise: detected counts are Poisson with mean ∝ signal; normal approximation with variance = mean.
  const k = params.photonsPerUnit;
  for (let i = 0; i < data.length; i++) {
    const v = Math.max(0, data[i]!);
    const noisy = v + Math.sqrt((v + 0.002) / k) * random.normal();
    data[i] = noisy < 0 ? 0 : noisy > 1 ? 1 : noisy;
  }
  return createGreyImage(width, height, data);
}

function measureTruth(canvas: Canvas, pixelSizeUm: number, anomaly: AnomalyType | null): MicrographTruth {
  const { width, height, labels } = canvas;
  const n = width * height;
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) counts[labels[i]!]!++;
  const phaseMask = (phase: number): Uint8Array => {
    const m = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (labels[i] === phase) m[i] = 1;
    return m;
  };
  const particles = describeComponents(labelComponents(phaseMask(PHASE.sulfur), width, height), width, height);
  const diameters = particles.map((p) => p.equivalentDiameterPx * pixelSizeUm);
  const pores = labelComponents(phaseMask(PHASE.pore), width, height);
  let anomalyTruth: MicrographTruth['anomaly'] = null;
  if (anomaly) {
    let area = 0;
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (!canvas.mask[y * width + x]) continue;
        area++;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
    anomalyTruth = { type: anomaly, areaPx: area, bbox: { x: x0, y: y0, width: Math.max(0, x1 - x0 + 1), height: Math.max(0, y1 - y0 + 1) } };
  }
  return {
    porosity: counts[PHASE.pore]! / n,
    sulfurAreaFraction: counts[PHASE.sulfur]! / n,
    carbonFraction: counts[PHASE.carbon]! / n,
    contaminantFraction: counts[PHASE.contaminant]! / n,
    particleCount: particles.length,
    particleD10Um: percentile(diameters, 10),
    particleD50Um: percentile(diameters, 50),
    particleD90Um: percentile(diameters, 90),
    poreCount: pores.count,
    anomaly: anomalyTruth,
  };
}

/** The synthesis sheet a lab would have written for this batch: the design values, rounded as people write them. */
function synthesisSheet(request: MicrographRequest, params: SynthParams): SynthesisMetadata {
  const solidsSulfurVolume = params.sulfurAreaFraction / Math.max(1e-6, 1 - params.porosity);
  const loading = sulfurVolumeFractionToWtPct(solidsSulfurVolume, carbonHostDensity(params.carbonHost));
  return {
    batchId: request.batchId ?? `SYN-${(request.seed >>> 0).toString(16).padStart(8, '0')}`,
    sulfurLoadingWtPct: Math.round(loading * 10) / 10,
    carbonHost: params.carbonHost,
    targetPorosity: Math.round(params.porosity * 1000) / 1000,
    particleSizeUm: Math.round(params.particleD50Um * 100) / 100,
    processNotes: 'synthetic micrograph (mmdo synth): melt infiltration 155 °C 12 h, slurry cast, calendered',
    pixelSizeUm: request.pixelSizeUm,
    source: 'synthetic',
    seed: request.seed,
  };
}

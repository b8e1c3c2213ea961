import { keptBuffer } from '../arrays.js';
import { describeComponents, labelComponents, percentile, type ComponentShape } from './components.js';
import { buildObjectGraph, type ObjectGraph } from './graph.js';
import { open, skeletonize } from './morphology.js';
import { PHASE_CODE, phaseComponents, type Segmentation } from './segmentation.js';

/** Thresholds of the structural measurements. Sizes in µm are converted with `assumedPixelSizeUm` when the image has no pixel size. */
export interface MetricSettings {
  /** Objects closer than this through the matrix are graph neighbours, µm. */
  readonly graphMaxGapUm: number;
  /** Sulfur components closer than this count as touching (one agglomerate), px. */
  readonly agglomerateTouchGapPx: number;
  /** An agglomerate holds at least this many median particles' worth of area. */
  readonly agglomerateMinPrimaries: number;
  /** Dark structures narrower than this are crack-like, px (the opening that removes them is this wide). */
  readonly crackMaxWidthPx: number;
  readonly crackMinLengthUm: number;
  /** Skeleton length / mean width. */
  readonly crackMinAspect: number;
  /** Pores with at least this equivalent diameter are voids, µm. */
  readonly voidMinDiameterUm: number;
  /** A bright component whose mean intensity exceeds the typical sulfur particle's by this much is an inclusion. */
  readonly brightInclusionDelta: number;
  readonly assumedPixelSizeUm: number;
  /** Above this many nodes the graph's arrays are left out of the report (≈ 25 bytes of JSON per node + edge; reports must stay well under DynamoDB's 400 KB item limit); the summary stays. */
  readonly maxGraphNodes: number;
}

export const DEFAULT_METRIC_SETTINGS: MetricSettings = {
  graphMaxGapUm: 0.5,
  agglomerateTouchGapPx: 1,
  agglomerateMinPrimaries: 10,
  crackMaxWidthPx: 7,
  crackMinLengthUm: 4,
  crackMinAspect: 6,
  voidMinDiameterUm: 4,
  brightInclusionDelta: 0.08,
  assumedPixelSizeUm: 0.1,
  maxGraphNodes: 3000,
};

export interface Located {
  readonly centroid: { readonly x: number; readonly y: number };
  readonly bbox: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
}

export interface CrackCandidate extends Located {
  readonly length: number;
  readonly meanWidth: number;
  readonly areaPx: number;
}

export interface VoidCandidate extends Located {
  readonly equivalentDiameter: number;
  readonly area: number;
  readonly areaPx: number;
}

export interface Agglomerate extends Located {
  readonly area: number;
  readonly areaPx: number;
  readonly equivalentDiameter: number;
  /** Separate sulfur components joined by touching. */
  readonly components: number;
  /** Area in units of the median particle's area. */
  readonly primaryParticles: number;
  readonly isAgglomerate: boolean;
}

export interface BrightInclusion extends Located {
  readonly equivalentDiameter: number;
  readonly meanIntensity: number;
  readonly sulfurMeanIntensity: number;
}

/** The measurements of one micrograph; lengths in `unit` (µm when the pixel size is known, else px). */
export interface MicrostructureMeasurements {
  readonly unit: 'um' | 'px';
  readonly pixelSizeUm: number | null;
  readonly phases: { readonly sulfur: number; readonly carbon: number; readonly pore: number };
  readonly porosity: number;
  readonly particles: {
    readonly count: number;
    readonly d10: number;
    readonly d50: number;
    readonly d90: number;
    readonly meanCircularity: number;
    readonly meanAspectRatio: number;
  };
  readonly pores: { readonly count: number; readonly d50: number; readonly largest: number };
  readonly largestAgglomerate: Agglomerate | null;
  readonly cracks: CrackCandidate[];
  readonly voids: VoidCandidate[];
  readonly brightInclusions: BrightInclusion[];
  readonly graph: {
    readonly nodes: number;
    readonly edges: number;
    readonly meanDegree: number;
    readonly maxGap: number;
  };
}

/** Pixel-level by-products for overlays. */
export interface MicrostructureMaps {
  readonly crackPixels: Uint8Array;
  readonly voidPixels: Uint8Array;
  readonly inclusionPixels: Uint8Array;
  readonly agglomeratePixels: Uint8Array;
  /** Node arrays and edges of the object graph (particles first, then pores). */
  readonly nodes: { readonly kind: Uint8Array; readonly x: Float32Array; readonly y: Float32Array; readonly diameterPx: Float32Array };
  readonly graph: ObjectGraph;
}

const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : v);

export interface MeasureOptions {
  /**
   * Once the pores are measured, reuse the memory of the segmentation's pore labels for the graph's object index and
   * then the crack search's labels (512 MB less at 64 MP). The segmentation's pore labels are overwritten: measure
   * such a segmentation once.
   */
  readonly consumePoreLabels?: boolean;
}

export function measureMicrostructure(
  segmentation: Segmentation,
  pixelSizeUm: number | undefined,
  overrides: Partial<MetricSettings> = {},
  options: MeasureOptions = {},
): { measurements: MicrostructureMeasurements; maps: MicrostructureMaps } {
  const settings = { ...DEFAULT_METRIC_SETTINGS, ...overrides };
  const { width, height } = segmentation;
  const n = width * height;
  const known = pixelSizeUm !== undefined && pixelSizeUm > 0;
  const scale = known ? pixelSizeUm! : 1;
  const umToPx = (um: number): number => um / (known ? pixelSizeUm! : settings.assumedPixelSizeUm);
  const len = (px: number): number => round(px * scale);
  const area = (px: number): number => round(px * scale * scale);
  const located = (s: ComponentShape): Located => ({ centroid: { x: round(s.centroid.x, 5), y: round(s.centroid.y, 5) }, bbox: s.bbox });

  // Pore mask, object index, matrix mask and the crack search's thin mask are scratch kept between calls (each
  // written in full before it is read): ~7 MB less garbage per 1024² image.
  const poreMask = codeMask(segmentation.phases, PHASE_CODE.pore, byteScratch[0]!(n));
  const sulfurLabels = phaseComponents(segmentation, 'sulfur');
  const poreLabels = phaseComponents(segmentation, 'pore');
  const particles = describeComponents(sulfurLabels, width, height);
  const pores = describeComponents(poreLabels, width, height);
  const particleD = particles.map((p) => p.equivalentDiameterPx);
  const poreD = pores.map((p) => p.equivalentDiameterPx);
  const d50Px = percentile(particleD, 50);

  // Graph: particles are nodes 0..P-1, pores P..P+Q-1; growth passes through the matrix only.
  const P = particles.length;
  // Voids are marked before the graph, the last reader of the pore labels.
  const voidPixels = new Uint8Array(n);
  const voids: VoidCandidate[] = [];
  const isVoid = new Uint8Array(pores.length + 1);
  for (const p of pores) {
    if (p.equivalentDiameterPx >= umToPx(settings.voidMinDiameterUm)) {
      isVoid[p.id] = 1;
      voids.push({ ...located(p), equivalentDiameter: len(p.equivalentDiameterPx), area: area(p.areaPx), areaPx: p.areaPx });
    }
  }
  if (voids.length > 0) markLabels(poreLabels.labels, isVoid, voidPixels);
  const spare = options.consumePoreLabels ? poreLabels.labels : undefined;
  const maxGapPx = Math.max(settings.agglomerateTouchGapPx, Math.round(umToPx(settings.graphMaxGapUm)));
  const graph = objectGraph(segmentation, sulfurLabels.labels, poreLabels.labels, P, maxGapPx, spare ?? objectScratch(n));
  const nodeCount = P + pores.length;
  const kind = new Uint8Array(nodeCount);
  const nx = new Float32Array(nodeCount);
  const ny = new Float32Array(nodeCount);
  const nd = new Float32Array(nodeCount);
  [...particles, ...pores].forEach((s, i) => {
    kind[i] = i < P ? 0 : 1;
    nx[i] = s.centroid.x;
    ny[i] = s.centroid.y;
    nd[i] = s.equivalentDiameterPx;
  });

  const { agglomerate, agglomeratePixels } = largestAgglomerate(particles, sulfurLabels.labels, graph, settings, d50Px, width, height);
  const { cracks, crackPixels } = findCracks(poreMask, width, height, settings, umToPx(settings.crackMinLengthUm), spare);
  const { inclusions, inclusionPixels } = findBrightInclusions(segmentation, particles, sulfurLabels.labels, settings);

  const degreeSum = graph.source.length * 2;
  let maxGap = 0;
  for (const g of graph.gapPx) maxGap = Math.max(maxGap, g);
  const measurements: MicrostructureMeasurements = {
    unit: known ? 'um' : 'px',
    pixelSizeUm: known ? pixelSizeUm! : null,
    phases: { sulfur: round(segmentation.fractions.sulfur), carbon: round(segmentation.fractions.carbon), pore: round(segmentation.fractions.pore) },
    porosity: round(segmentation.fractions.pore),
    particles: {
      count: particles.length,
      d10: len(percentile(particleD, 10)),
      d50: len(d50Px),
      d90: len(percentile(particleD, 90)),
      meanCircularity: round(mean(particles.map((p) => p.circularity)), 3),
      meanAspectRatio: round(mean(particles.map((p) => p.aspectRatio)), 3),
    },
    pores: { count: pores.length, d50: len(percentile(poreD, 50)), largest: len(poreD.length ? Math.max(...poreD) : Number.NaN) },
    largestAgglomerate: agglomerate
      ? { ...agglomerate, area: area(agglomerate.areaPx), equivalentDiameter: len(agglomerate.equivalentDiameter), primaryParticles: round(agglomerate.primaryParticles, 3) }
      : null,
    cracks: cracks.map((c) => ({ ...c, length: len(c.length), meanWidth: len(c.meanWidth) })),
    voids,
    brightInclusions: inclusions.map((b) => ({ ...b, equivalentDiameter: len(b.equivalentDiameter) })),
    graph: { nodes: nodeCount, edges: graph.source.length, meanDegree: round(nodeCount ? degreeSum / nodeCount : 0, 3), maxGap: len(maxGap) },
  };
  return {
    measurements,
    maps: { crackPixels, voidPixels, inclusionPixels, agglomeratePixels, nodes: { kind, x: nx, y: ny, diameterPx: nd }, graph },
  };
}

/**
 * The particle-pore graph, grown through the matrix, with the object index written into `index` (scratch, or the
 * pore labels' own memory). Its matrix mask is made here so that it can be collected once it returns.
 */
function objectGraph(segmentation: Segmentation, sulfur: Int32Array, pore: Int32Array, particleCount: number, maxGapPx: number, index: Int32Array): ObjectGraph {
  const n = segmentation.width * segmentation.height;
  const objects = objectIndex(sulfur, pore, particleCount, index);
  const matrix = codeMask(segmentation.phases, PHASE_CODE.carbon, byteScratch[1]!(n));
  return buildObjectGraph(objects, matrix, segmentation.width, segmentation.height, maxGapPx, { consumeObjects: true });
}

/** Per pixel: particle label k → k, pore label q → P + q (nodes are particles first, then pores), else 0. `objects` may be `pore`. */
function objectIndex(sulfur: Int32Array, pore: Int32Array, particleCount: number, objects: Int32Array): Int32Array {
  for (let i = 0; i < sulfur.length; i++) {
    const s = sulfur[i]!;
    if (s !== 0) objects[i] = s;
    else {
      const q = pore[i]!;
      objects[i] = q !== 0 ? particleCount + q : 0;
    }
  }
  return objects;
}

/** 1 where the phase code is `code`. (Pixel loops live in small functions: V8 optimises them on their own.) */
function codeMask(phases: Uint8Array, code: number, out: Uint8Array): Uint8Array {
  for (let i = 0; i < phases.length; i++) out[i] = phases[i] === code ? 1 : 0;
  return out;
}

/** Work arrays kept between calls: the pore, matrix and thin masks, and the object index. */
const byteScratch = [0, 1, 2].map(() => keptBuffer((n) => new Uint8Array(n)));
const objectScratch = keptBuffer((n) => new Int32Array(n));

/** Sets `out` to 1 wherever the pixel's label is flagged in `flags` (indexed by label). */
function markLabels(labels: Int32Array, flags: Uint8Array, out: Uint8Array): void {
  for (let i = 0; i < labels.length; i++) if (flags[labels[i]!]) out[i] = 1;
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

/** Groups sulfur components that touch (gap ≤ touch gap) with union-find; returns the largest group by area. */
function largestAgglomerate(
  particles: readonly ComponentShape[],
  labels: Int32Array,
  graph: ObjectGraph,
  settings: MetricSettings,
  d50Px: number,
  width: number,
  height: number,
): { agglomerate: Agglomerate | null; agglomeratePixels: Uint8Array } {
  const pixels = new Uint8Array(width * height);
  if (particles.length === 0) return { agglomerate: null, agglomeratePixels: pixels };
  const parent = Int32Array.from({ length: particles.length }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (let e = 0; e < graph.source.length; e++) {
    const a = graph.source[e]!;
    const b = graph.target[e]!;
    if (a < particles.length && b < particles.length && graph.gapPx[e]! <= settings.agglomerateTouchGapPx) parent[find(a)] = find(b);
  }
  const areaByRoot = new Map<number, number>();
  particles.forEach((p, i) => areaByRoot.set(find(i), (areaByRoot.get(find(i)) ?? 0) + p.areaPx));
  let bestRoot = -1;
  let bestArea = -1;
  for (const [root, a] of areaByRoot) if (a > bestArea) [bestRoot, bestArea] = [root, a];
  const members = particles.filter((_, i) => find(i) === bestRoot);
  const isMember = new Uint8Array(particles.length + 1);
  for (const m of members) isMember[m.id] = 1;
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  let cx = 0;
  let cy = 0;
  for (const m of members) {
    x0 = Math.min(x0, m.bbox.x);
    y0 = Math.min(y0, m.bbox.y);
    x1 = Math.max(x1, m.bbox.x + m.bbox.width);
    y1 = Math.max(y1, m.bbox.y + m.bbox.height);
    cx += m.centroid.x * m.areaPx;
    cy += m.centroid.y * m.areaPx;
  }
  const primaryArea = (Math.PI / 4) * d50Px * d50Px;
  const primaries = primaryArea > 0 ? bestArea / primaryArea : 0;
  const isAgglomerate = primaries >= settings.agglomerateMinPrimaries;
  if (isAgglomerate) markLabels(labels, isMember, pixels);
  return {
    agglomerate: {
      centroid: { x: round(cx / bestArea, 5), y: round(cy / bestArea, 5) },
      bbox: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
      area: bestArea,
      areaPx: bestArea,
      equivalentDiameter: 2 * Math.sqrt(bestArea / Math.PI),
      components: members.length,
      primaryParticles: primaries,
      isAgglomerate,
    },
    agglomeratePixels: pixels,
  };
}

/**
 * Crack candidates: the thin part of the dark phase (what an opening of crackMaxWidthPx removes), split into
 * components, skeletonised; long, thin ones are cracks. Length sums skeleton links (1 or √2 px); mean width = area / length.
 */
function findCracks(
  poreMask: Uint8Array,
  width: number,
  height: number,
  settings: MetricSettings,
  minLengthPx: number,
  labelsOut?: Int32Array,
): { cracks: CrackCandidate[]; crackPixels: Uint8Array } {
  const labels = labelComponents(thinPart(poreMask, width, height, Math.max(1, Math.floor(settings.crackMaxWidthPx / 2))), width, height, 8, labelsOut);
  const shapes = describeComponents(labels, width, height);
  const crackPixels = new Uint8Array(poreMask.length);
  const cracks: CrackCandidate[] = [];
  for (const s of shapes) {
    // Cheap pre-filter before thinning: too small or too compact to be a long thin line.
    if (s.areaPx < minLengthPx || Math.max(s.bbox.width, s.bbox.height) < minLengthPx * 0.6) continue;
    const bw = s.bbox.width + 2;
    const bh = s.bbox.height + 2;
    const crop = new Uint8Array(bw * bh);
    for (let y = 0; y < s.bbox.height; y++) {
      for (let x = 0; x < s.bbox.width; x++) {
        const p = (s.bbox.y + y) * width + s.bbox.x + x;
        if (labels.labels[p] === s.id) crop[(y + 1) * bw + x + 1] = 1;
      }
    }
    const skeleton = skeletonize(crop, bw, bh);
    let length = 0;
    for (let y = 1; y < bh - 1; y++) {
      for (let x = 1; x < bw - 1; x++) {
        const p = y * bw + x;
        if (!skeleton[p]) continue;
        // Each link is seen from both ends: half of each.
        length += 0.5 * (skeleton[p - 1]! + skeleton[p + 1]! + skeleton[p - bw]! + skeleton[p + bw]!);
        length += 0.5 * Math.SQRT2 * (skeleton[p - bw - 1]! + skeleton[p - bw + 1]! + skeleton[p + bw - 1]! + skeleton[p + bw + 1]!);
      }
    }
    const meanWidth = length > 0 ? s.areaPx / length : Infinity;
    if (length < minLengthPx || meanWidth > settings.crackMaxWidthPx || length / meanWidth < settings.crackMinAspect) continue;
    for (let y = 0; y < s.bbox.height; y++) {
      for (let x = 0; x < s.bbox.width; x++) {
        const p = (s.bbox.y + y) * width + s.bbox.x + x;
        if (labels.labels[p] === s.id) crackPixels[p] = 1;
      }
    }
    cracks.push({ centroid: { x: round(s.centroid.x, 5), y: round(s.centroid.y, 5) }, bbox: s.bbox, length, meanWidth, areaPx: s.areaPx });
  }
  cracks.sort((a, b) => b.length - a.length);
  return { cracks, crackPixels };
}

/** What an opening of `radius` removes from the mask (its opened copy is left to be collected before the labelling). */
function thinPart(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const opened = open(mask, width, height, radius);
  const thin = byteScratch[2]!(mask.length);
  for (let i = 0; i < thin.length; i++) thin[i] = mask[i] && !opened[i] ? 1 : 0;
  return thin;
}

/** Bright components much brighter than the typical sulfur particle: foreign high-Z material. */
function findBrightInclusions(
  segmentation: Segmentation,
  particles: readonly ComponentShape[],
  labels: Int32Array,
  settings: MetricSettings,
): { inclusions: BrightInclusion[]; inclusionPixels: Uint8Array } {
  const means = particles.map((p) => segmentation.sulfurMeans[p.id]!);
  const typical = percentile(means, 50);
  const inclusionPixels = new Uint8Array(labels.length);
  const inclusions: BrightInclusion[] = [];
  const isInclusion = new Uint8Array(particles.length + 1);
  particles.forEach((p, i) => {
    if (means[i]! - typical > settings.brightInclusionDelta) {
      isInclusion[p.id] = 1;
      inclusions.push({
        centroid: { x: round(p.centroid.x, 5), y: round(p.centroid.y, 5) },
        bbox: p.bbox,
        equivalentDiameter: p.equivalentDiameterPx,
        meanIntensity: round(means[i]!, 3),
        sulfurMeanIntensity: round(typical, 3),
      });
    }
  });
  if (inclusions.length > 0) markLabels(labels, isInclusion, inclusionPixels);
  return { inclusions, inclusionPixels };
}

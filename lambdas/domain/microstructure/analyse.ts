import type { GreyImage, RgbaImage } from '../image/grey-image.js';
import type { SynthesisMetadata } from '../metadata/schema.js';
import { normaliseSheet, SheetValidationError, type FieldError } from '../metadata/sheet.js';
import { checkConsistency, type ConsistencyTolerances, type Finding } from './consistency.js';
import { DEFAULT_METRIC_SETTINGS, measureMicrostructure, type MetricSettings, type MicrostructureMaps } from './metrics.js';
import { renderPhaseOverlay } from './overlay.js';
import { segmentPhases, type Modality, type SegmentationSettings } from './segmentation.js';

export interface AnalyseOptions {
  /** µm per pixel (caller, file or sheet); sizes are in px without it. */
  readonly pixelSizeUm?: number;
  /** The batch's synthesis sheet, parsed or raw (raw records are validated here). */
  readonly metadata?: Record<string, unknown> | SynthesisMetadata | null;
  readonly modality?: Modality;
  readonly segmentation?: Partial<SegmentationSettings>;
  readonly metrics?: Partial<MetricSettings>;
  readonly tolerances?: Partial<ConsistencyTolerances>;
  /** Put the node/edge arrays of the graph in the result (default true; the summary is always there). */
  readonly includeGraph?: boolean;
}

export interface MicrostructureAnalysis {
  /** JSON-safe (no NaN/typed arrays), for report.microstructure. */
  readonly microstructure: Record<string, unknown>;
  /** Failed consistency rules, for report.findings. */
  readonly findings: Record<string, unknown>[];
  /** The consistency sub-score: raw = Σ severity weights, calibrated = 1 − 2^(−raw) (0 all pass, 0.5 one warning). */
  readonly consistency: { readonly raw: number; readonly calibrated: number };
  /** Micrograph with phases tinted (sulfur yellow, pores blue) and defects marked (cracks red, voids magenta, agglomerate green, inclusions orange). */
  readonly phaseOverlay: RgbaImage;
}

export const MICROSTRUCTURE_VERSION = 1;

/**
 * The microstructure stage of the pipeline: segment phases, measure particles/pores/defects, build the object graph,
 * check them against the synthesis sheet. Pure: image in, JSON-safe record + overlay out.
 */
export function analyseMicrostructure(image: GreyImage, options: AnalyseOptions = {}): MicrostructureAnalysis {
  const modality = options.modality ?? 'sem';
  const sheet = parseSheet(options.metadata);
  const pixelSizeUm = options.pixelSizeUm ?? sheet.metadata?.pixelSizeUm;
  const segmentation = segmentPhases(image, modality, options.segmentation);
  // The segmentation is measured once, so its pore labels' memory can serve the graph and the crack search.
  const { measurements, maps } = measureMicrostructure(segmentation, pixelSizeUm, options.metrics, { consumePoreLabels: true });
  const consistency = checkConsistency(
    {
      measurements,
      metadata: sheet.metadata,
      imagePixelSizeUm: options.pixelSizeUm,
      imageArea: image.width * image.height,
      assumedPixelSizeUm: options.metrics?.assumedPixelSizeUm ?? DEFAULT_METRIC_SETTINGS.assumedPixelSizeUm,
      modality,
    },
    options.tolerances,
  );
  const microstructure = jsonSafe({
    version: MICROSTRUCTURE_VERSION,
    modality,
    segmentation: {
      method: 'Gaussian pre-smoothing, matrix-level flattening (sem, optical) or plane levelling (afm), three-class Otsu refined by isodata, opening and small-component clean-up',
      thresholds: { low: Number(segmentation.thresholds.low.toFixed(4)), high: Number(segmentation.thresholds.high.toFixed(4)) },
    },
    ...measurements,
    graph: { ...measurements.graph, ...(options.includeGraph === false ? {} : compactGraph(maps, pixelSizeUm, options.metrics?.maxGraphNodes ?? DEFAULT_METRIC_SETTINGS.maxGraphNodes)) },
    consistency: { raw: consistency.raw, calibrated: consistency.calibrated, checks: consistency.checks },
    ...(sheet.errors.length ? { metadataErrors: sheet.errors } : {}),
  }) as Record<string, unknown>;
  const findings = consistency.findings.map((f: Finding) => jsonSafe({ source: 'microstructure', ...f }) as Record<string, unknown>);
  return {
    microstructure,
    findings,
    consistency: { raw: consistency.raw, calibrated: consistency.calibrated },
    phaseOverlay: renderPhaseOverlay(image, segmentation, maps),
  };
}

/**
 * Any spelling a sheet uses ("Sulfur loading": "70 wt%") is normalised first; a sheet with bad values is not used
 * for rules, and its field errors go into the record instead.
 */
function parseSheet(metadata: AnalyseOptions['metadata']): { metadata?: SynthesisMetadata; errors: readonly FieldError[] } {
  if (!metadata) return { errors: [] };
  try {
    return { metadata: normaliseSheet(metadata), errors: [] };
  } catch (error) {
    if (error instanceof SheetValidationError) return { errors: error.fields };
    throw error;
  }
}

/**
 * Node attribute arrays + edge index pairs: about 20 bytes of JSON per node and 10 per edge.
 * kind: 's' particle, 'p' pore (one character per node); x, y in px; d = equivalent diameter (µm or px);
 * edgeList: [a, b, gap, a, b, gap, ...] with node indices and the matrix gap (µm or px, 0 = touching).
 */
function compactGraph(maps: MicrostructureMaps, pixelSizeUm: number | undefined, maxNodes: number): Record<string, unknown> {
  const count = maps.nodes.kind.length;
  if (count > maxNodes) return { omitted: `more than ${maxNodes} nodes` };
  const scale = pixelSizeUm ?? 1;
  const r1 = (v: number): number => Math.round(v * 10) / 10;
  const r3 = (v: number): number => Number(v.toPrecision(3));
  const edges: number[] = [];
  for (let e = 0; e < maps.graph.source.length; e++) edges.push(maps.graph.source[e]!, maps.graph.target[e]!, r3(maps.graph.gapPx[e]! * scale));
  return {
    kind: Array.from(maps.nodes.kind, (k) => (k === 0 ? 's' : 'p')).join(''),
    x: Array.from(maps.nodes.x, r1),
    y: Array.from(maps.nodes.y, r1),
    d: Array.from(maps.nodes.diameterPx, (v) => r3(v * scale)),
    edgeList: edges,
  };
}

/** Non-finite numbers become null so the record survives JSON and zod alike. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}

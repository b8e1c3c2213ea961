import type { Report } from './report.js';

/**
 * Numbers read off a report for comparisons across reports (replicate fields of view, forecasts). The report
 * keeps its microstructure as a JSON record (domain/microstructure/analyse.ts); these readers take what they need
 * and skip what a report does not have.
 */
type Json = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** Metrics whose spread over replicate fields of view says how reproducible one image's figures are. */
export function replicateMetrics(microstructure: Json | undefined, scores: { readonly patch?: number; readonly novelty?: number }): Record<string, number> {
  const m = obj(microstructure);
  const phases = obj(m.phases);
  const particles = obj(m.particles);
  const pores = obj(m.pores);
  const graph = obj(m.graph);
  const entries: [string, number | undefined][] = [
    ['sulfurFraction', num(phases.sulfur)],
    ['carbonFraction', num(phases.carbon)],
    ['porosity', num(m.porosity)],
    ['particleD10', num(particles.d10)],
    ['particleD50', num(particles.d50)],
    ['particleD90', num(particles.d90)],
    ['particleCircularity', num(particles.meanCircularity)],
    ['poreD50', num(pores.d50)],
    ['graphMeanDegree', num(graph.meanDegree)],
    ['patchScore', scores.patch],
    ['noveltyScore', scores.novelty],
  ];
  return Object.fromEntries(entries.filter((e): e is [string, number] => e[1] !== undefined));
}

/** A report's patch and novelty raw scores (for replicate metrics of earlier reports). */
export function componentRaws(report: Pick<Report, 'scores'>): { patch?: number; novelty?: number } {
  const of = (name: string) => report.scores?.components.find((c) => c.name === name)?.raw;
  const patch = of('patch');
  const novelty = of('novelty');
  return { ...(patch !== undefined ? { patch } : {}), ...(novelty !== undefined ? { novelty } : {}) };
}

/** Features a capacity-retention forecast is fitted on, in this order (`forecastFeatures`). */
export const FORECAST_FEATURES = ['porosity', 'lnSulfurFraction', 'lnParticleD50Um', 'crackDensityPerMm2'] as const;

/**
 * The forecast features of one report, or undefined when it lacks one (particle sizes need the pixel size: a
 * forecast in pixels would mix magnifications). Crack density = cracks per mm² of the imaged field.
 */
export function forecastFeatures(microstructure: Json | undefined, field: { readonly width?: number; readonly height?: number }): number[] | undefined {
  const m = obj(microstructure);
  const sulfur = num(obj(m.phases).sulfur);
  const d50 = num(obj(m.particles).d50);
  const porosity = num(m.porosity);
  const pixel = num(m.pixelSizeUm);
  const cracks = Array.isArray(m.cracks) ? m.cracks.length : undefined;
  if (m.unit !== 'um' || !pixel || !field.width || !field.height || porosity === undefined || !(sulfur! > 0) || !(d50! > 0) || cracks === undefined) return undefined;
  const areaMm2 = (field.width * pixel * field.height * pixel) / 1e6;
  return [porosity, Math.log(sulfur!), Math.log(d50!), cracks / areaMm2];
}

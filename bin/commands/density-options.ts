import { z } from 'zod';
import { DensityMapLayersSchema, DensityMapSmoothingSchema, DensityScalesSchema, DensityViewsSchema, type ScoringSettings } from '../../lambdas/domain/profile/settings.js';

/** The density component's flags that `enroll` and `evaluate` share. */
export const densityOptionSchemas = {
  densityViews: z.coerce.number().pipe(DensityViewsSchema).optional(),
  /** "0.9,1,1.1" → [0.9, 1, 1.1]. */
  densityScales: z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => Number(s.trim())) : v), DensityScalesSchema).optional(),
  /** "out_relu,block_13_expand_relu" → both layers' statistics in the density (and their cells in its map). */
  densityLayers: z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v), z.array(z.string().min(1)).min(1).max(4)).optional(),
  /** "block_13_expand_relu" → that layer in the density's map only; "none" → no such layer. */
  densityMapLayers: z.preprocess((v) => (v === 'none' ? [] : typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v), DensityMapLayersSchema).optional(),
  densityMap: z.enum(['on', 'off']).optional(),
  densityMapSmoothing: z.coerce.number().pipe(DensityMapSmoothingSchema).optional(),
  /** "16" → the map-only layers smoothed by σ 16 px; "same" → by --density-map-smoothing's σ. */
  densityMapLayersSmoothing: z.preprocess((v) => (v === 'same' ? null : typeof v === 'string' ? Number(v) : v), DensityMapSmoothingSchema.nullable()).optional(),
  densityFitCalibration: z.enum(['on', 'off']).optional(),
};

type DensityOptions = { [K in keyof typeof densityOptionSchemas]?: z.infer<(typeof densityOptionSchemas)[K]> };

/** The density settings these shared flags set (only those given). */
export function densitySettingsOf(options: DensityOptions): Partial<ScoringSettings['density']> {
  return {
    ...(options.densityViews ? { views: options.densityViews } : {}),
    ...(options.densityScales ? { scales: options.densityScales } : {}),
    ...(options.densityLayers ? { layers: options.densityLayers } : {}),
    ...(options.densityMap ? { map: options.densityMap === 'on' } : {}),
    ...(options.densityMapLayers ? { mapLayers: options.densityMapLayers } : {}),
    ...(options.densityMapSmoothing !== undefined ? { mapSmoothingPx: options.densityMapSmoothing } : {}),
    ...(options.densityMapLayersSmoothing !== undefined ? { mapLayersSmoothingPx: options.densityMapLayersSmoothing } : {}),
    ...(options.densityFitCalibration ? { fitCalibration: options.densityFitCalibration === 'on' } : {}),
  };
}

/** --density-map-smoothing's help; `defaults` says what it is when not given. */
export function densityMapSmoothingHelp(defaults: string): string {
  return `σ of the smoothing of the density's map before it is joined, in px of the density's working image, 0-128 (${defaults}; 0: none)`;
}

/** --density-map-layers-smoothing's help; `defaults` says what it is when not given. */
export function densityMapLayersSmoothingHelp(defaults: string): string {
  return `σ of the smoothing of the map-only layers' shares of the density's map, px of its working image, 0-128, or same (as --density-map-smoothing) (${defaults})`;
}

/** --density-fit-calibration's help; `defaults` says what it is when not given. */
export function densityFitCalibrationHelp(defaults: string): string {
  return `refit the density on the bank and calibration images once the calibration normals, scored out of sample, have set the thresholds: on or off (${defaults})`;
}

/** --novelty-fit-calibration's help; `defaults` says what it is when not given. */
export function noveltyFitCalibrationHelp(defaults: string): string {
  return `add the calibration images' embeddings to the enrolled ones once their novelty distances, to the bank only, have set the thresholds: on or off (${defaults})`;
}

/** --density-map's help; `defaults` says what it is when not given. */
export function densityMapHelp(defaults: string): string {
  return `join the density's map (where its score comes from) to the patch map for the heatmap and regions: on or off (${defaults})`;
}

/** --density-layers' help; `defaults` says what it is when not given. */
export function densityLayersHelp(defaults: string): string {
  return `backbone outputs whose channel statistics the density models, comma-separated, up to 4 (${defaults})`;
}

/** --density-map-layers' help; `defaults` says what it is when not given. */
export function densityMapLayersHelp(defaults: string): string {
  return `backbone outputs the density models for its map only (the image score ignores them), comma-separated, up to 4, or none (${defaults})`;
}

/** --density-scales' help; `defaults` says what it is when not given. */
export function densityScalesHelp(defaults: string): string {
  return `factors of the short side the density also sees every view at, comma-separated, 0.5-2, up to 5 (${defaults}; 1: one scale, a third of the work)`;
}

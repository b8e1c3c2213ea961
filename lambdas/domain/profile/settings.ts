import { z } from 'zod';
import { analyseAhp, type PairwiseMatrix } from '../decision/ahp.js';
import { normaliseOptionsSchema } from '../image/normalise.js';

/**
 * Everything that changes a score besides the memory bank and the calibration lives here, in the profile version
 * (as anomalib exports post-processing with the model): enrolment writes it once, and evaluation, local
 * inspection, the model container and the cloud steps read it from there. None keeps its own copy.
 */
export const COMPONENT_NAMES = ['patch', 'novelty', 'consistency', 'reproducibility', 'density'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

export const MODALITIES = ['sem', 'optical', 'afm'] as const;
export type Modality = (typeof MODALITIES)[number];

/**
 * Bank images the density component needs: its Gaussian over pooled statistics is estimated from them. Fitted on 32
 * generated micrographs it lowered fused AUROC (0.990 → 0.973) and flagged more normals; on 80 it held 0.988; on 200
 * magnetic-tile images it is the strongest component. Below this count a version has no density (enrolment warns).
 */
export const DEFAULT_DENSITY_MIN_BANK_IMAGES = 50;

/** The range of the patch path's working scale (`workingScale`), for the schema and the command-line flags. */
export const WORKING_SCALE = { min: 0.25, max: 4 } as const;

/** Test-time views of the density: 1 none, 2 mirror, 4 mirror and half turn, 8 all turns and mirrors. */
export const DensityViewsSchema = z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]);

/** Factors of the density's short side it also sees every view at (distinct, 0.5–2, at most 5: each is one more pass). */
export const DensityScalesSchema = z.array(z.number().min(0.5).max(2)).min(1).max(5)
  .refine((s) => new Set(s).size === s.length, { message: 'scales must differ' });

/** Backbone outputs the density models for its map only (up to 4, none twice). */
export const DensityMapLayersSchema = z.array(z.string().min(1)).max(4)
  .refine((l) => new Set(l).size === l.length, { message: 'layers must differ' });

/** The density's default scales: the short side and 10 % either way. */
export const DEFAULT_DENSITY_SCALES: readonly number[] = [0.9, 1, 1.1];

/** σ of the density map's smoothing in px of the density's working image (0: none; at 128 the map is one blur). */
export const DensityMapSmoothingSchema = z.number().min(0).max(128);

/** 32 px: one cell of a stride-32 layer (MobileNetV2's out_relu), two of the built-in backbone's stride-16 one. */
export const DEFAULT_DENSITY_MAP_SMOOTHING_PX = 32;

/** A declared share of normal images (flagged, or called anomalous): below one half. */
export const DeclaredRateSchema = z.number().gt(0).lt(0.5);

export const ScoringSettingsSchema = z.object({
  /** Intensity normalisation before the backbone (false: none); the domain's `normalise` options. */
  normalise: z.union([z.literal(false), normaliseOptionsSchema]),
  /** Tile side in pixels of the normalised image (tiles grow by twice the border) and their overlap. */
  tiling: z.object({ tileSize: z.number().int().min(32).max(8192), overlap: z.number().int().nonnegative() }),
  /**
   * Working scale of the patch path: the image (at the profile's pixel size) is resized by this factor before it is
   * normalised and embedded, and the anomaly map is brought back to the image's own size. 2 lets the backbone see
   * fine lines (cracks a few pixels wide) at twice its resolution, for four times its work; 0.5 the reverse. The
   * density component keeps its own fixed working scale (`density.shortSide`). 1 in the schema's default, so versions
   * stored before the setting existed score as they were fitted. Chosen per material with `mmdo tune --params workingScale`.
   */
  workingScale: z.number().min(WORKING_SCALE.min).max(WORKING_SCALE.max).default(1),
  /** Reflected border around every image before tiling; maps are cropped back to the image. */
  borderPad: z.number().int().nonnegative().max(512),
  /** How the image embedding pools the embedding layer: the mean over cells centred inside the image (not its border). */
  embeddingPooling: z.literal('mean-inside'),
  /** Gaussian smoothing of the patch-score map, in pixels (applied on the patch grid, σ / stride cells). */
  smoothingSigmaPx: z.number().nonnegative().max(64),
  /** Share of the highest patch scores averaged into the image score. */
  imageScoreTopFraction: z.number().positive().max(1),
  /** Heatmap colour range: its "normal" end (a raw pixel score); the top is mirrored about the pixel threshold. */
  heatmapLow: z.number(),
  fusion: z.object({
    components: z.array(z.enum(COMPONENT_NAMES)).min(1),
    weights: z.object({
      patch: z.number().nonnegative(),
      novelty: z.number().nonnegative(),
      consistency: z.number().nonnegative(),
      reproducibility: z.number().nonnegative().default(0.1),
      density: z.number().nonnegative().default(2),
    }),
    /** Where the weights came from when an expert gave pairwise judgements (AHP): the matrix and its consistency ratio. */
    ahp: z.object({
      components: z.array(z.enum(COMPONENT_NAMES)).min(2),
      matrix: z.array(z.array(z.number().positive())),
      consistencyRatio: z.number().nonnegative(),
    }).optional(),
  }).superRefine((fusion, ctx) => {
    if (!fusion.ahp) return;
    const analysis = analyseAhp(fusion.ahp.matrix, { labels: fusion.ahp.components });
    if (!analysis.accepted) ctx.addIssue({ code: 'custom', message: analysis.reason ?? 'pairwise matrix rejected', path: ['ahp', 'matrix'] });
  }),
  /**
   * The image-level density component (a Gaussian over pooled channel statistics of the whole image): its own
   * normalisation (CLAHE would flatten the slow brightness and texture changes it is for), a fixed working scale
   * (short side in px, aspect kept), test-time views averaged in feature space (1 none, 2 mirror, 4 mirror and
   * half turn, 8 all rotations and mirrors: only where the material has no direction), the backbone outputs pooled,
   * the folds its scores are standardised on, and the bank images it needs before it is fitted at all. `logBlocks`
   * adds ln(x + ε) of each pooled block (after the view average) as blocks of their own: channel statistics are
   * skewed, and on magnetic tile's validation pool the log blocks lifted the fused AUROC 0.891 → 0.902 (test splits
   * 0.854 → 0.873; README, Detection quality) for about 1 ms. Off in the schema's default so versions fitted without them
   * score as they were fitted. `scales` multiplies the test-time views: every view is also seen at these factors of
   * `shortSide` and all are averaged. Pooled statistics over a stride-32 grid are noisy (where the cells fall on the
   * texture, how many there are); averaging scales averages that noise away as the turns do. On magnetic tile's five
   * splits the 8 views at 0.9, 1 and 1.1 lifted the density 0.887 → 0.904 and the fused score 0.888 → 0.902 (README,
   * Detection quality) for three times its backbone work. [1] in the schema's default, so versions fitted before the
   * setting score as they were fitted. `map` joins the density's own map (where its score comes from,
   * domain/scoring/density-map.ts) to the patch map, so the heatmap, the regions and the pixel threshold see slow
   * changes the patch search misses; off in the schema's default, so versions fitted before it keep their map.
   * `mapSmoothingPx` is the σ of a Gaussian over the density's map before it is joined, in px of the density's
   * working image (short side `shortSide`): 0 in the schema's default (versions fitted before it keep their map),
   * DEFAULT_DENSITY_MAP_SMOOTHING_PX for new profiles (README, Detection quality). `mapLayers` are backbone outputs
   * the density models for its map only (their blocks have weight 0 in the score, so the image score stays that of
   * `layers`): a finer layer localises small defects better than the stride-32 one the score is best on. [] in the
   * schema's default (versions fitted before it keep their map); null (new profiles) is resolved at enrolment to the
   * backbone's coarsest layer of stride 16 or finer where the embedding layer is coarser (profile-builder.ts), so a
   * stored version names its layers. `mapLayersSmoothingPx` is the σ for the `mapLayers`' shares (null: the same
   * `mapSmoothingPx`, in the schema's default and for new profiles): on magnetic tile a sharper map layer outlines
   * small defects better and large slow ones worse, a smoother one the other way round (README, Detection quality),
   * so a material's own `mmdo tune` run may set it apart. `fitCalibration` refits the Gaussians on the bank and the
   * calibration images together once the calibration normals (scored by the bank's fit, so out of sample) have set
   * the thresholds: the density estimates d ≈ 1,000–2,500 dimensions from a few hundred images, and on magnetic tile
   * 299 images instead of 200 lifted its AUROC 0.898 → 0.924 (README, Detection quality). Off in the schema's default
   * (a stored version's Gaussians are what they are; the flag only says how they were fitted), on for new profiles.
   */
  density: z.object({
    enabled: z.boolean(),
    normalise: z.union([z.literal(false), normaliseOptionsSchema]),
    shortSide: z.number().int().min(64).max(4096),
    views: DensityViewsSchema,
    layers: z.array(z.string().min(1)),
    folds: z.number().int().min(2).max(20),
    minBankImages: z.number().int().min(4).max(100_000).default(DEFAULT_DENSITY_MIN_BANK_IMAGES),
    logBlocks: z.boolean().default(false),
    scales: DensityScalesSchema.default([1]),
    map: z.boolean().default(false),
    mapSmoothingPx: DensityMapSmoothingSchema.default(0),
    mapLayers: DensityMapLayersSchema.nullable().default([]),
    mapLayersSmoothingPx: DensityMapSmoothingSchema.nullable().default(null),
    fitCalibration: z.boolean().default(false),
  }).default({ enabled: false, normalise: false, shortSide: 448, views: 8, layers: [], folds: 5, minBankImages: DEFAULT_DENSITY_MIN_BANK_IMAGES, logBlocks: false, scales: [1], map: false, mapSmoothingPx: 0, mapLayers: [], mapLayersSmoothingPx: null, fitCalibration: false }),
  /** CV across replicate fields of view above which a metric is reported (and the reproducibility score halves). */
  reproducibility: z.object({ tolerance: z.number().positive().max(10) }).default({ tolerance: 0.15 }),
  /**
   * The operating point: fused scores at or above `thresholds.suspect` are flagged, at or above
   * `thresholds.anomalous` are anomalous. `source` says how they were set: the calibrated scale's fixed levels
   * (0.5 / 0.9), conformal quantiles of the calibration normals' fused scores at the declared false-alarm rates
   * (or extrapolated where the calibration set is too small to resolve them; see `warning`), or expert feedback.
   */
  operating: z.object({
    thresholds: z.object({ suspect: z.number().min(0).max(1), anomalous: z.number().min(0).max(1) }),
    source: z.enum(['default', 'conformal', 'extrapolated', 'feedback']),
    /** Declared false-alarm rates on normal images: anomalous (falseAlarmRate) and flagged at all (suspectRate). */
    falseAlarmRate: DeclaredRateSchema,
    suspectRate: DeclaredRateSchema,
    /** Normal images the thresholds were calibrated on, and what they could resolve (a rate below 1/(n+1) cannot be). */
    calibrationSize: z.number().int().nonnegative(),
    warning: z.string().optional(),
  }).default({ thresholds: { suspect: 0.5, anomalous: 0.9 }, source: 'default', falseAlarmRate: 0.001, suspectRate: 0.01, calibrationSize: 0 }),
  /** Capacity-retention forecast: the cycle it is made for and the interval's confidence. */
  forecast: z.object({ cycle: z.number().int().positive().max(100000), confidence: z.number().gt(0).lt(1) }).default({ cycle: 100, confidence: 0.9 }),
  /** Nearest enrolled images a report lists. */
  nearest: z.number().int().min(1).max(50),
  /**
   * Enrolment adds the calibration images' embeddings to the version's enrolled ones once their novelty distances (to
   * the bank images only, out of sample) have set the thresholds, so a new image's nearest neighbour is sought among
   * every enrolled normal, as `density.fitCalibration` does for the density. False in the schema's default (versions
   * enrolled before it keep their embeddings), true for new profiles.
   */
  noveltyFitCalibration: z.boolean().default(false),
  /** Instrument assumed when the synthesis sheet does not say (sets the segmentation of the microstructure stage). */
  modality: z.enum(MODALITIES),
});
export type ScoringSettings = z.infer<typeof ScoringSettingsSchema>;

/**
 * Default fusion weights: the patch score localises defects and is the best-calibrated signal, so it leads.
 * Reproducibility only exists when replicate fields of view do (weights renormalise over the components present).
 * Density weighs most: on the magnetic-tile validation split it carried the fused score from 0.837 to 0.907 AUROC.
 */
export const DEFAULT_FUSION_WEIGHTS: Readonly<Record<ComponentName, number>> = { patch: 0.6, novelty: 0.25, consistency: 0.15, reproducibility: 0.1, density: 2 };

/** PatchCore smooths the upsampled map with a Gaussian of σ = 4 px. */
export const DEFAULT_SMOOTHING_SIGMA = 4;

/** Share of the patches averaged for the image score (see domain/scoring/anomaly-map.ts `imageScore`). */
export const DEFAULT_IMAGE_SCORE_TOP_FRACTION = 0.001;

/**
 * Reflected border, in pixels, around every image before tiling: without it the image's own edges sit at the
 * backbone's zero-padded input edge, whose responses look anomalous. 32 px raised image AUROC on magnetic tile
 * from 0.68 to 0.74 for ~13 % more pixels at 1024².
 */
export const DEFAULT_BORDER_PAD = 32;

/**
 * One 1024² tile costs less than the nine overlapping 512² tiles that would cover the same image, and fully
 * convolutional backbones accept any multiple of their stride.
 */
export const DEFAULT_TILE_SIZE = 1024;

/** The settings enrolment writes unless told otherwise; `heatmapLow` and `tiling.overlap` come from the data and backbone. */
export const DEFAULT_SCORING_SETTINGS: Omit<ScoringSettings, 'heatmapLow' | 'tiling'> = {
  normalise: normaliseOptionsSchema.parse({}),
  workingScale: 1,
  borderPad: DEFAULT_BORDER_PAD,
  embeddingPooling: 'mean-inside',
  smoothingSigmaPx: DEFAULT_SMOOTHING_SIGMA,
  imageScoreTopFraction: DEFAULT_IMAGE_SCORE_TOP_FRACTION,
  fusion: { components: [...COMPONENT_NAMES], weights: { ...DEFAULT_FUSION_WEIGHTS } },
  nearest: 3,
  noveltyFitCalibration: true,
  modality: 'sem',
  density: { enabled: true, normalise: normaliseOptionsSchema.parse({ clahe: false }), shortSide: 448, views: 8, layers: [], folds: 5, minBankImages: DEFAULT_DENSITY_MIN_BANK_IMAGES, logBlocks: true, scales: [...DEFAULT_DENSITY_SCALES], map: true, mapSmoothingPx: DEFAULT_DENSITY_MAP_SMOOTHING_PX, mapLayers: null, mapLayersSmoothingPx: null, fitCalibration: true },
  reproducibility: { tolerance: 0.15 },
  forecast: { cycle: 100, confidence: 0.9 },
  // Flagged (suspect or worse) on 1 % of normal images, anomalous on 0.1 %: set at enrolment from held-out normals.
  operating: { thresholds: { suspect: 0.5, anomalous: 0.9 }, source: 'default', falseAlarmRate: 0.001, suspectRate: 0.01, calibrationSize: 0 },
};

/**
 * Fusion settings from an expert's pairwise-comparison matrix over some components (AHP): weights are its principal
 * eigenvector, components it does not name keep weight 0; a matrix whose consistency ratio exceeds 0.1 is refused
 * with the most inconsistent pair named.
 */
export function fusionFromAhp(components: readonly ComponentName[], matrix: PairwiseMatrix): ScoringSettings['fusion'] {
  const analysis = analyseAhp(matrix, { labels: components });
  if (!analysis.accepted) throw new RangeError(analysis.reason ?? 'pairwise matrix rejected');
  const weights = { patch: 0, novelty: 0, consistency: 0, reproducibility: 0, density: 0 } as Record<ComponentName, number>;
  components.forEach((c, i) => (weights[c] = analysis.weights[i]!));
  return {
    components: [...components],
    weights,
    ahp: { components: [...components], matrix: matrix.map((row) => [...row]), consistencyRatio: analysis.consistencyRatio },
  };
}

/**
 * Overlap of neighbouring tiles: enough for the patch features' receptive field to settle at the seams (two cells
 * of the coarsest patch layer), snapped to the backbone's size multiple, and less than a tile.
 */
export function tileOverlap(tileSize: number, sizeMultiple: number, patchLayerStrides: readonly number[]): number {
  const coarsest = Math.max(sizeMultiple, ...patchLayerStrides);
  const wanted = Math.ceil((coarsest * 2) / sizeMultiple) * sizeMultiple;
  return Math.min(wanted, Math.max(0, tileSize - sizeMultiple));
}

/**
 * Settings of a profile written before they were recorded (manifest format 1): what local inspection did then
 * (1024² tiles with 32 px overlap, the product defaults, the stored border and top fraction, the calibration's
 * median pixel score as the heatmap floor, or its normal image scores' median when that was not stored either).
 */
export function legacySettings(features: { borderPad?: number; imageScoreTopFraction?: number }, calibration: {
  pixelScoreLow?: number; normalImageScores: readonly number[];
}): ScoringSettings {
  const sorted = [...calibration.normalImageScores].sort((a, b) => a - b);
  return {
    ...DEFAULT_SCORING_SETTINGS,
    tiling: { tileSize: DEFAULT_TILE_SIZE, overlap: 32 },
    borderPad: features.borderPad ?? 0,
    imageScoreTopFraction: features.imageScoreTopFraction ?? DEFAULT_IMAGE_SCORE_TOP_FRACTION,
    heatmapLow: calibration.pixelScoreLow ?? (sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0),
  };
}

/** The declared rates a request (or job, or command line) gives, for the recipe's operating point. */
export function operatingRatesOf(o: { readonly suspectRate?: number | undefined; readonly falseAlarmRate?: number | undefined }): { suspectRate?: number; falseAlarmRate?: number } {
  return { ...(o.suspectRate !== undefined ? { suspectRate: o.suspectRate } : {}), ...(o.falseAlarmRate !== undefined ? { falseAlarmRate: o.falseAlarmRate } : {}) };
}

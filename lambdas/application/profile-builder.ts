import type { GreyImage } from '../domain/image/grey-image.js';
import type { PatchFeatureConfig, ProfileVersion } from '../domain/profile/profile.js';
import { DEFAULT_SCORING_SETTINGS, DEFAULT_TILE_SIZE, tileOverlap, type ScoringSettings } from '../domain/profile/settings.js';
import { buildCalibration } from '../domain/scoring/calibration.js';
import { fitDensityComponent, refitDensityComponent, scoreDensityComponent, type DensityComponent } from '../domain/scoring/density.js';
import { ValidationError } from '../domain/errors.js';
import type { Backbone } from '../ports/backbone.js';
import type { VectorIndexFactory } from '../ports/vector-index.js';
import type { ProgressListener } from './contracts.js';
import { concatFloat32 } from '../domain/arrays.js';
import { densityBlockNames, densityFeatures } from './density.js';
import { PixelSamples } from './pixel-samples.js';
import { extractFeatures } from './features.js';
import type { PreparedImage } from './prepare.js';
import { StreamingMemoryBank } from './memory-bank.js';
import { nearestImages, patchScoring, searchGrids } from './scoring.js';

/** The choices a profile version is built with (features, bank size and the scoring settings). */
export interface ProfileRecipe {
  readonly features: PatchFeatureConfig;
  /** Cap on memory-bank vectors whatever the ratio (bounds search time and memory). */
  readonly maxBankSize: number;
  /** Scoring settings; `tiling.overlap` and `heatmapLow` are derived (backbone, calibration). */
  readonly settings: Omit<ScoringSettings, 'heatmapLow' | 'tiling'> & { readonly tileSize: number };
}

/** Overrides of the defaults a caller may give (CLI flags, `mmdo tune`). */
export type RecipeOverrides = Partial<Omit<PatchFeatureConfig, 'layers'>> & {
  readonly layers?: readonly string[];
  readonly maxBankSize?: number;
  /** Settings over the previous version's (or the defaults); the density's and the operating point's are merged field by field. */
  readonly settings?: Partial<Omit<ProfileRecipe['settings'], 'density' | 'operating'>> & {
    readonly density?: Partial<ProfileRecipe['settings']['density']>;
    readonly operating?: Partial<ProfileRecipe['settings']['operating']>;
  };
};

export const DEFAULT_RECIPE = {
  neighbourhood: 3,
  k: 1,
  coresetRatio: 0.1,
  maxBankSize: 2048,
  /** Patch descriptors wider than this are randomly projected to it. */
  projectionDim: 64,
  seed: 42,
} as const;

/** The density map's coarsest stride for new profiles, in px of its working image (28 cells over a 448-px short side). */
const DENSITY_MAP_MAX_STRIDE = 16;

/**
 * The map-only density layers of a new profile: where the embedding layer is coarser than DENSITY_MAP_MAX_STRIDE,
 * the backbone's coarsest layer within it (MobileNetV2's block_13 beside out_relu: on magnetic tile's seed 1 the
 * joined map rose from pixel AUROC 0.799 / AUPRO 0.773 to 0.809 / 0.785, the image score unchanged by construction;
 * README, Detection quality). The built-in backbone's embedding layer is stride 16 already, so none (a stride-8
 * layer beside it made the generated set's map worse: 0.949 / 0.821 → 0.943 / 0.811).
 */
function mapOnlyLayers(backbone: Backbone, embeddingLayer: string): string[] {
  const { layers } = backbone.descriptor;
  const stride = layers.find((l) => l.name === embeddingLayer)?.stride ?? 0;
  if (stride <= DENSITY_MAP_MAX_STRIDE) return [];
  const within = layers.filter((l) => l.stride <= DENSITY_MAP_MAX_STRIDE).sort((x, y) => y.stride - x.stride);
  return within.length > 0 ? [within[0]!.name] : [];
}

/**
 * The recipe of a new version: the defaults, then the previous version's choices (so adding images keeps a tuned
 * configuration), then explicit overrides. Layers default to the backbone's patch layers.
 */
export function resolveRecipe(backbone: Backbone, previous: Pick<ProfileVersion, 'features' | 'settings'> | undefined, overrides: RecipeOverrides = {}): ProfileRecipe {
  const d = backbone.descriptor;
  const layers = overrides.layers ?? previous?.features.layers ?? d.patchLayers;
  const patchDim = d.layers.filter((l) => layers.includes(l.name)).reduce((n, l) => n + l.channels, 0);
  const projection = overrides.projectionDim !== undefined ? overrides.projectionDim : previous ? previous.features.projectionDim : DEFAULT_RECIPE.projectionDim;
  const features: PatchFeatureConfig = {
    layers: [...layers],
    neighbourhood: overrides.neighbourhood ?? previous?.features.neighbourhood ?? DEFAULT_RECIPE.neighbourhood,
    k: overrides.k ?? previous?.features.k ?? DEFAULT_RECIPE.k,
    coresetRatio: overrides.coresetRatio ?? previous?.features.coresetRatio ?? DEFAULT_RECIPE.coresetRatio,
    projectionDim: projection !== null && projection < patchDim ? projection : null,
    seed: overrides.seed ?? previous?.features.seed ?? DEFAULT_RECIPE.seed,
  };
  const inherited = previous ? (({ heatmapLow: _low, tiling, ...rest }) => ({ ...rest, tileSize: tiling.tileSize }))(previous.settings) : {};
  const base = { ...DEFAULT_SCORING_SETTINGS, tileSize: DEFAULT_TILE_SIZE, ...inherited };
  const merged = { ...base, ...overrides.settings, density: { ...base.density, ...overrides.settings?.density }, operating: { ...base.operating, ...overrides.settings?.operating } };
  // The density pools the backbone's embedding layer unless the recipe names others.
  const densityLayers = merged.density.layers.length > 0 ? merged.density.layers : [d.embeddingLayer];
  const unknown = densityLayers.filter((l) => !d.layers.some((x) => x.name === l));
  if (unknown.length > 0) throw new ValidationError(`backbone ${d.id} has no output ${unknown.map((l) => `'${l}'`).join(', ')} for the density component`);
  const { suspectRate, falseAlarmRate } = merged.operating;
  // Anomalous images are flagged too, so fewer normals can be called anomalous than flagged at all.
  if (falseAlarmRate > suspectRate) throw new ValidationError(`the false-alarm rate (${falseAlarmRate}, normals called anomalous) cannot exceed the suspect rate (${suspectRate}, normals flagged at all)`);
  const mapLayers = (merged.density.mapLayers ?? mapOnlyLayers(backbone, d.embeddingLayer))
    .filter((l) => !densityLayers.includes(l));
  const unknownMap = mapLayers.filter((l) => !d.layers.some((x) => x.name === l));
  if (unknownMap.length > 0) throw new ValidationError(`backbone ${d.id} has no output ${unknownMap.map((l) => `'${l}'`).join(', ')} for the density's map`);
  const settings = { ...merged, density: { ...merged.density, layers: densityLayers, mapLayers } };
  return { features, maxBankSize: overrides.maxBankSize ?? previous?.features.coresetMaxSize ?? DEFAULT_RECIPE.maxBankSize, settings };
}

export interface BuiltProfile {
  readonly profile: Omit<ProfileVersion, 'version' | 'name' | 'createdAt' | 'pixelSizeUm' | 'enrolled' | 'sources'>;
  /** The calibration images' embeddings (evaluation's centroid baseline). */
  readonly calibrationEmbeddings: readonly Float32Array[];
  /**
   * With `density.fitCalibration`, the density refitted on the bank and calibration images: it replaces the profile's
   * (bank-only) one once the operating point is set (withRefitDensity), so the calibration normals were scored out of
   * sample and the thresholds are what a new normal image would meet.
   */
  readonly refitDensity?: DensityComponent;
  /**
   * With `noveltyFitCalibration`, the enrolled embeddings of the bank and calibration images: they replace the profile's
   * (bank-only) ones once the operating point is set (withCalibrationImages), as the refitted density does.
   */
  readonly refitEmbeddings?: ProfileVersion['embeddings'];
  /** Why an enabled density component is absent (too few bank images), for the caller to pass on. */
  readonly warnings: readonly string[];
  readonly timingsMs: Record<string, number>;
}

/**
 * Builds the scoring part of a profile version from prepared images (prepare.ts `prepareForProfile`): the memory
 * bank (coreset of the bank images' patches), the bank images' embeddings, the density component (fitted on the bank
 * images' pooled blocks, when enabled), and the calibration from the held-out images scored exactly as inspection
 * scores them (the same tiling, `patchScoring` and `densityFeatures`). Used by enrolment and by evaluation.
 */
export async function buildProfile(
  deps: { readonly backbone: Backbone; readonly vectorIndexes: VectorIndexFactory },
  recipe: ProfileRecipe,
  bankImages: AsyncIterable<PreparedImage & { id: string }> | Iterable<PreparedImage & { id: string }>,
  calibrationImages: AsyncIterable<PreparedImage & { id: string }> | Iterable<PreparedImage & { id: string }>,
  options: {
    readonly progress?: ProgressListener;
    /** How many bank images will come, when the caller knows: below the density's minimum its views are not computed. */
    readonly bankImageCount?: number;
  } = {},
): Promise<BuiltProfile> {
  const progress = options.progress ?? (() => {});
  const { backbone } = deps;
  const d = backbone.descriptor;
  const timings: Record<string, number> = {};
  const time = async <T>(stage: string, fn: () => Promise<T> | T): Promise<T> => {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      timings[stage] = (timings[stage] ?? 0) + performance.now() - start;
    }
  };
  const { tileSize, ...rest } = recipe.settings;
  const strides = d.layers.filter((l) => recipe.features.layers.includes(l.name)).map((l) => l.stride);
  const tiling = { tileSize, overlap: tileOverlap(tileSize, d.sizeMultiple, strides) };
  const layout = { tiling, borderPad: rest.borderPad };

  // Bank images one at a time: their patches go into the streaming coreset and only the embedding is kept, so
  // memory stays bounded however many images there are (memory-bank.ts).
  const streaming = new StreamingMemoryBank({ ratio: recipe.features.coresetRatio, maxSize: recipe.maxBankSize, seed: recipe.features.seed });
  const bankEmbeddings: Float32Array[] = [];
  const ids: string[] = [];
  const densitySettings = rest.density;
  const densityNeeds = Math.max(densitySettings.minBankImages, 2 * densitySettings.folds);
  const poolDensity = densitySettings.enabled && (options.bankImageCount === undefined || options.bankImageCount >= densityNeeds);
  const pooled = (prepared: PreparedImage) => time('density', async () => (await densityFeatures(backbone, densityImage(prepared), densitySettings, rest.borderPad)).blocks);
  const densitySamples: Float32Array[][] = densityBlockNames(densitySettings).map(() => []);
  for await (const { id, image, ...prepared } of bankImages) {
    const [f] = await time('embed', () => extractFeatures(backbone, [image], recipe.features, layout));
    await time('coreset', () => streaming.add(f!.grids.map((g) => g.data), f!.grids[0]!.dim));
    bankEmbeddings.push(f!.embedding);
    if (poolDensity) (await pooled({ image, ...prepared })).forEach((v, b) => densitySamples[b]!.push(v));
    ids.push(id);
    progress('embed bank', 0.1 + 0.6 * Math.min(1, ids.length / 1000), `${ids.length} images`);
  }
  progress('coreset', 0.7);
  const bank = await time('coreset', () => streaming.finish());
  const embeddings = { dim: bankEmbeddings[0]!.length, ids, vectors: concatFloat32(bankEmbeddings) };
  bankEmbeddings.length = 0;
  const warnings: string[] = [];
  let density: DensityComponent | undefined;
  if (densitySettings.enabled) {
    if (poolDensity && ids.length >= densityNeeds) {
      density = await time('density', () => fitDensityComponent(densitySamples, densityBlockNames(densitySettings), {
        folds: densitySettings.folds,
        // Each layer weighs the same whatever the number of layers, in the score and in the map; map-only layers'
        // blocks (after the scored ones, densityBlockNames) only in the map.
        ...densityWeights(densityBlockNames(densitySettings), densityBlockNames({ ...densitySettings, mapLayers: [] })),
      }).component);
    } else {
      warnings.push(`no density component: it needs at least ${densityNeeds} bank images (settings.density.minBankImages), this version has ${ids.length}`);
    }
  }
  densitySamples.length = 0;

  progress('calibrate', 0.8);
  const index = await deps.vectorIndexes.build(bank.vectors, bank.dim, 'exact');
  const imageScores: number[] = [];
  const pixelSamples = new PixelSamples();
  const noveltyScores: number[] = [];
  const calibrationEmbeddings: Float32Array[] = [];
  const calibrationIds: string[] = [];
  const densityScores: number[] = [];
  const calibrationBlocks: Float32Array[][] = density && densitySettings.fitCalibration ? densityBlockNames(densitySettings).map(() => []) : [];
  try {
    for await (const { id, ...prepared } of calibrationImages) {
      const { image } = prepared;
      calibrationIds.push(id);
      if (density) {
        const blocks = await pooled(prepared);
        densityScores.push(scoreDensityComponent(density, blocks).raw);
        if (calibrationBlocks.length > 0) blocks.forEach((v, b) => calibrationBlocks[b]!.push(v));
      }
      const [f] = await time('embed', () => extractFeatures(backbone, [image], recipe.features, layout));
      await time('calibrate', async () => {
        const maps = await searchGrids(f!.grids, index, recipe.features.k);
        const tiles = maps.map((map, t) => ({ tile: f!.plan.tiles[t]!, stride: f!.grids[t]!.stride, map }));
        const scored = patchScoring(tiles, { width: f!.width, height: f!.height, pad: f!.pad, overlap: f!.plan.overlap }, rest, f!);
        imageScores.push(scored.raw);
        pixelSamples.add(scored.map.data);
        noveltyScores.push(nearestImages(f!.embedding, embeddings).distance);
        calibrationEmbeddings.push(f!.embedding);
      });
    }
  } finally {
    await index.dispose();
  }
  const scoreMaps = pixelSamples.maps();
  const built = buildCalibration({ imageScores, scoreMaps, noveltyScores });
  const calibration = density ? { ...built.calibration, normalDensityScores: densityScores } : built.calibration;
  const { heatmapLow } = built;
  const settings: ScoringSettings = { ...rest, tiling, heatmapLow };
  const refitDensity = density && calibrationBlocks[0]?.length
    ? await time('density', () => refitDensityComponent(density, calibrationBlocks, { folds: densitySettings.folds }))
    : undefined;
  const refitEmbeddings = rest.noveltyFitCalibration && calibrationEmbeddings.length > 0
    ? { dim: embeddings.dim, ids: [...ids, ...calibrationIds], vectors: concatFloat32([embeddings.vectors, ...calibrationEmbeddings]) }
    : undefined;
  return {
    profile: {
      backbone: { id: d.id, sha256: d.sha256 },
      features: { ...recipe.features, coresetMaxSize: recipe.maxBankSize },
      settings,
      bank,
      calibration,
      embeddings,
      ...(density ? { density } : {}),
    },
    calibrationEmbeddings,
    ...(refitDensity ? { refitDensity } : {}),
    ...(refitEmbeddings ? { refitEmbeddings } : {}),
    warnings,
    timingsMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])),
  };
}

/**
 * The profile with the calibration images joined to what the settings refit on them once the operating point is set:
 * the density (BuiltProfile.refitDensity) and the enrolled embeddings (BuiltProfile.refitEmbeddings), where built.
 */
export function withCalibrationImages<P extends { readonly density?: DensityComponent; readonly embeddings: ProfileVersion['embeddings'] }>(
  profile: P,
  built: Pick<BuiltProfile, 'refitDensity' | 'refitEmbeddings'>,
): P {
  return {
    ...profile,
    ...(built.refitDensity ? { density: built.refitDensity } : {}),
    ...(built.refitEmbeddings ? { embeddings: built.refitEmbeddings } : {}),
  };
}

function densityImage(prepared: PreparedImage): GreyImage {
  if (!prepared.density) throw new Error('the profile has a density component: prepare images with prepareForProfile');
  return prepared.density;
}

/** Block weights of the density: the scored blocks (`scored`) share 1 in the score; every block weighs as much in the map. */
function densityWeights(all: readonly string[], scored: readonly string[]): { weights: number[]; mapWeights: number[] } {
  const each = 1 / scored.length;
  return { weights: all.map((n) => (scored.includes(n) ? each : 0)), mapWeights: all.map(() => each) };
}

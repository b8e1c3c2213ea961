import { centroidOf, squaredDistance } from '../../domain/evaluation/centroid.js';
import type { GreyImage } from '../../domain/image/grey-image.js';
import type { PatchFeatureConfig } from '../../domain/profile/profile.js';
import { gaussianBlurInPlace } from '../../domain/scoring/anomaly-map.js';
import { ANOMALOUS_CALIBRATED, buildCalibration, calibrate, SUSPECT_CALIBRATED, thresholdsFromNormals } from '../../domain/scoring/calibration.js';
import { fuse } from '../../domain/scoring/fusion.js';
import type { VectorIndex, VectorIndexFactory } from '../../ports/vector-index.js';
import { imageScoreOf } from '../calibrate.js';
import type { ImageFeatures } from '../features.js';
import { buildMemoryBank, stackEmbeddings } from '../memory-bank.js';
import { novelty, patchScoreMap, scorePatches } from '../scoring.js';

/**
 * `patch-knn`: the product's patch score; `fused`: the product's verdict score (calibrated patch score fused with
 * image-level novelty, as inspection does), computed alongside patch-knn; `centroid`: the seed paper's baseline.
 */
export const METHOD_NAMES = ['patch-knn', 'fused', 'centroid'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export interface MethodScore {
  readonly score: number;
  /** Anomaly map at the resolution the features were computed on (patch methods only). */
  readonly map?: GreyImage;
  /** The product's fused verdict score (patch-knn only). */
  readonly fused?: number;
}

/** A method fitted on the bank and calibrated on held-out normals. */
export interface FittedMethod {
  readonly thresholds: { readonly suspect: number; readonly anomalous: number };
  /** Facts about the fitted model worth reporting (bank size...). */
  readonly details: Record<string, number | string>;
  /** Thresholds of `MethodScore.fused` when the method gives one. */
  readonly fusedThresholds?: { readonly suspect: number; readonly anomalous: number };
  score(features: ImageFeatures): Promise<MethodScore>;
  dispose(): Promise<void>;
}

export interface EvaluationMethod {
  readonly name: MethodName;
  fit(bank: readonly ImageFeatures[], calibration: readonly ImageFeatures[]): Promise<FittedMethod>;
}

export interface PatchKnnSettings {
  readonly features: PatchFeatureConfig;
  /** Cap on memory-bank vectors whatever the ratio (the product's enrolment cap). */
  readonly maxBankSize: number;
  readonly index: 'exact' | 'approximate';
  /**
   * Omitted: the product's scoring (`scorePatches`: map smoothed with its σ, image score from the top patch
   * scores). Given (tuning): the unsmoothed map blurred with this σ in pixels (0 = none) and PatchCore's image
   * score, the map's maximum.
   */
  readonly blurSigma?: number;
}

/**
 * The product's method, built from the pipeline's own steps as enrolment and inspection use them: every patch of
 * the bank images, the greedy coreset, the memory-bank index, `scorePatches` (k-NN distance per patch, stitched,
 * smoothed map; image score) and thresholds from the calibration images (`buildCalibration`).
 */
export function patchKnn(vectorIndexes: VectorIndexFactory, settings: PatchKnnSettings): EvaluationMethod {
  const { blurSigma } = settings;
  // Maps come back cropped to the image whatever the features' border (scorePatches / patchScoreMap).
  const scoreWith = async (features: ImageFeatures, index: VectorIndex): Promise<MethodScore & { map: GreyImage }> => {
    if (blurSigma === undefined) {
      const product = await scorePatches(features, index, settings.features.k);
      return { score: product.imageScore, map: product.map };
    }
    const map = await patchScoreMap(features, index, settings.features.k);
    if (blurSigma > 0) gaussianBlurInPlace(map.data, map.width, map.height, blurSigma);
    return { score: imageScoreOf(map), map };
  };
  return {
    name: 'patch-knn',
    async fit(bankFeatures, calibrationFeatures) {
      const bank = buildMemoryBank(bankFeatures, { ratio: settings.features.coresetRatio, maxSize: settings.maxBankSize, seed: settings.features.seed });
      const index: VectorIndex = await vectorIndexes.build(bank.vectors, bank.dim, settings.index);
      const embeddings = stackEmbeddings(bankFeatures, bankFeatures.map((_, i) => String(i)));
      const calibrationScores: { score: number; map: GreyImage }[] = [];
      for (const f of calibrationFeatures) calibrationScores.push(await scoreWith(f, index));
      const calibration = buildCalibration({
        imageScores: calibrationScores.map((c) => c.score),
        scoreMaps: calibrationScores.map((c) => c.map),
        noveltyScores: calibrationFeatures.map((f) => novelty(f.embedding, embeddings).distance),
      });
      const noveltyThresholds = thresholdsFromNormals(calibration.normalNoveltyScores);
      return {
        thresholds: { suspect: calibration.suspect, anomalous: calibration.anomalous },
        fusedThresholds: { suspect: SUSPECT_CALIBRATED, anomalous: ANOMALOUS_CALIBRATED },
        details: { bankPatches: bankFeatures.reduce((n, f) => n + f.grids.reduce((m, g) => m + g.rows * g.cols, 0), 0), bankVectors: bank.count, dim: bank.dim, index: index.kind },
        async score(features) {
          const scored = await scoreWith(features, index);
          // As inspection fuses them (without the optional microstructure consistency stage).
          const fused = fuse([
            { name: 'patch', raw: scored.score, calibrated: calibrate(scored.score, calibration) },
            { name: 'novelty', raw: 0, calibrated: calibrate(novelty(features.embedding, embeddings).distance, noveltyThresholds) },
          ]);
          return { ...scored, fused: fused.score };
        },
        dispose: () => index.dispose(),
      };
    },
  };
}

/** The seed paper's baseline: A = ‖F − μ‖² on the product's global embedding (GAP of the embedding layer). */
export function centroid(): EvaluationMethod {
  return {
    name: 'centroid',
    async fit(bankFeatures, calibrationFeatures) {
      const mean = centroidOf(bankFeatures.map((f) => f.embedding));
      const { suspect, anomalous } = thresholdsFromNormals(calibrationFeatures.map((f) => squaredDistance(f.embedding, mean)));
      return {
        thresholds: { suspect, anomalous },
        details: { dim: mean.length },
        score: async (features) => ({ score: squaredDistance(features.embedding, mean) }),
        dispose: async () => {},
      };
    },
  };
}

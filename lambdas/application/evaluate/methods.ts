import { centroidOf, squaredDistance } from '../../domain/evaluation/centroid.js';
import { gaussianBlur } from '../../domain/image/gaussian.js';
import type { GreyImage } from '../../domain/image/grey-image.js';
import type { PatchFeatureConfig } from '../../domain/profile/profile.js';
import { greedyCoreset, selectRows } from '../../domain/scoring/coreset.js';
import type { VectorIndex, VectorIndexFactory } from '../../ports/vector-index.js';
import { calibrationFrom, imageScoreOf } from '../calibrate.js';
import type { ImageFeatures } from '../features.js';
import { patchScoreMap } from '../scoring.js';

export const METHOD_NAMES = ['patch-knn', 'centroid'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export interface MethodScore {
  readonly score: number;
  /** Anomaly map at the resolution the features were computed on (patch methods only). */
  readonly map?: GreyImage;
}

/** A method fitted on the bank and calibrated on held-out normals. */
export interface FittedMethod {
  readonly thresholds: { readonly suspect: number; readonly anomalous: number };
  /** Facts about the fitted model worth reporting (bank size...). */
  readonly details: Record<string, number | string>;
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
  /** Gaussian smoothing of the anomaly map in pixels (PatchCore uses 4); 0 = none. */
  readonly blurSigma: number;
}

/**
 * The product's method, built from the pipeline's own steps: every patch of the bank images, a greedy coreset
 * (enrolment's), the memory-bank index, the mean distance to the k nearest bank patches per patch
 * (`patchScoreMap`), the image score as the map's maximum (`imageScoreOf`) and thresholds from the calibration
 * images' scores (`calibrationFrom`).
 */
export function patchKnn(vectorIndexes: VectorIndexFactory, settings: PatchKnnSettings): EvaluationMethod {
  const smooth = (map: GreyImage) => (settings.blurSigma > 0 ? gaussianBlur(map, settings.blurSigma) : map);
  return {
    name: 'patch-knn',
    async fit(bankFeatures, calibrationFeatures) {
      const dim = bankFeatures[0]!.grids[0]!.dim;
      const count = bankFeatures.reduce((n, f) => n + f.grids.reduce((m, g) => m + g.rows * g.cols, 0), 0);
      const all = new Float32Array(count * dim);
      let offset = 0;
      for (const f of bankFeatures) {
        for (const g of f.grids) {
          all.set(g.data, offset);
          offset += g.data.length;
        }
      }
      const chosen = greedyCoreset(all, dim, { ratio: settings.features.coresetRatio, maxSize: settings.maxBankSize, seed: settings.features.seed });
      const bank = selectRows(all, dim, chosen);
      const index: VectorIndex = await vectorIndexes.build(bank.vectors, bank.dim, settings.index);
      const score = async (features: ImageFeatures): Promise<MethodScore> => {
        const map = smooth(await patchScoreMap(features, index, settings.features.k));
        return { score: imageScoreOf(map), map };
      };
      const calibrationMaps: GreyImage[] = [];
      for (const f of calibrationFeatures) calibrationMaps.push((await score(f)).map!);
      const calibration = calibrationFrom({ imageScores: calibrationMaps.map(imageScoreOf), scoreMaps: calibrationMaps, noveltyScores: [] });
      return {
        thresholds: { suspect: calibration.suspect, anomalous: calibration.anomalous },
        details: { bankPatches: count, bankVectors: bank.count, dim, index: index.kind },
        score,
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
      const calibration = calibrationFrom({
        imageScores: calibrationFeatures.map((f) => squaredDistance(f.embedding, mean)),
        scoreMaps: [],
        noveltyScores: [],
      });
      return {
        thresholds: { suspect: calibration.suspect, anomalous: calibration.anomalous },
        details: { dim: mean.length },
        score: async (features) => ({ score: squaredDistance(features.embedding, mean) }),
        dispose: async () => {},
      };
    },
  };
}

import { thresholdsFromNormals, type Thresholds } from '../../domain/scoring/calibration.js';
import { centroidOf, squaredDistance } from '../../domain/evaluation/centroid.js';
import type { ProfileVersion } from '../../domain/profile/profile.js';
import type { InspectionState } from '../pipeline/state.js';

/**
 * What an evaluation compares, all read off one run of the product's pipeline per image: `patch-knn` (the patch
 * component's raw score), `novelty` and `density` (those components' raw scores, when the profile has them: the
 * ablation of the fused score), `fused` (the verdict score the report carries), and `centroid` (the seed paper's
 * baseline A = ‖F − μ‖² on the pipeline's image embedding).
 */
export const METHOD_NAMES = ['patch-knn', 'novelty', 'density', 'fused', 'centroid'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** Methods with an anomaly map (pixel metrics). */
export const MAP_METHODS: readonly MethodName[] = ['patch-knn', 'fused'];

/** Each method's score of a scored image, and its verdict thresholds (suspect = the operating threshold). */
export interface MethodScorer {
  readonly name: MethodName;
  readonly thresholds: Thresholds;
  readonly details: Record<string, number | string>;
  score(state: InspectionState, embedding: Float32Array): number;
}

/** Each method the profile supports (a profile without a density component has no `density` method). */
export function methodScorers(profile: ProfileVersion, calibrationEmbeddings: readonly Float32Array[]): Partial<Record<MethodName, MethodScorer>> {
  const mean = centroidOf(Array.from({ length: profile.embeddings.ids.length }, (_, i) => profile.embeddings.vectors.subarray(i * profile.embeddings.dim, (i + 1) * profile.embeddings.dim)));
  const { calibration } = profile;
  return {
    'patch-knn': {
      name: 'patch-knn',
      thresholds: { suspect: calibration.suspect, anomalous: calibration.anomalous },
      details: { bankVectors: profile.bank.count, dim: profile.bank.dim },
      score: (state) => state.patch!.raw,
    },
    ...(calibration.normalNoveltyScores.length > 0 ? {
      novelty: {
        name: 'novelty' as const,
        thresholds: thresholdsFromNormals(calibration.normalNoveltyScores),
        details: { images: profile.embeddings.ids.length },
        score: (state: InspectionState) => (state.novelty?.present ? state.novelty.raw : Number.NaN),
      },
    } : {}),
    ...(profile.density && calibration.normalDensityScores?.length ? {
      density: {
        name: 'density' as const,
        thresholds: thresholdsFromNormals(calibration.normalDensityScores),
        details: { blocks: profile.density.blocks.map((b) => b.name).join(' + '), views: profile.settings.density.views, shortSide: profile.settings.density.shortSide, scales: profile.settings.density.scales.join('/') },
        score: (state: InspectionState) => (state.density?.present ? state.density.raw : Number.NaN),
      },
    } : {}),
    fused: {
      name: 'fused',
      thresholds: { ...profile.settings.operating.thresholds },
      // The configured components this version can fuse (a version enrolled on too few images has no density).
      details: { components: profile.settings.fusion.components.filter((c) => c !== 'density' || profile.density).join(' + ') },
      score: (state) => state.fuse!.score,
    },
    centroid: {
      name: 'centroid',
      thresholds: thresholdsFromNormals(calibrationEmbeddings.map((e) => squaredDistance(e, mean))),
      details: { dim: mean.length },
      score: (_state, embedding) => squaredDistance(embedding, mean),
    },
  };
}

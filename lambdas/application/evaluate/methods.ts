import { thresholdsFromNormals, type Thresholds } from '../../domain/scoring/calibration.js';
import { centroidOf, squaredDistance } from '../../domain/evaluation/centroid.js';
import type { ProfileVersion } from '../../domain/profile/profile.js';
import type { InspectionState } from '../pipeline/state.js';

/**
 * What an evaluation compares, all read off one run of the product's pipeline per image: `patch-knn` (the patch
 * component's raw score), `fused` (the verdict score the report carries), and `centroid` (the seed paper's
 * baseline A = ‖F − μ‖² on the pipeline's image embedding).
 */
export const METHOD_NAMES = ['patch-knn', 'fused', 'centroid'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** Each method's score of a scored image, and its verdict thresholds (suspect = the operating threshold). */
export interface MethodScorer {
  readonly name: MethodName;
  readonly thresholds: Thresholds;
  readonly details: Record<string, number | string>;
  score(state: InspectionState, embedding: Float32Array): number;
}

export function methodScorers(profile: ProfileVersion, calibrationEmbeddings: readonly Float32Array[]): Record<MethodName, MethodScorer> {
  const mean = centroidOf(Array.from({ length: profile.embeddings.ids.length }, (_, i) => profile.embeddings.vectors.subarray(i * profile.embeddings.dim, (i + 1) * profile.embeddings.dim)));
  const { calibration } = profile;
  return {
    'patch-knn': {
      name: 'patch-knn',
      thresholds: { suspect: calibration.suspect, anomalous: calibration.anomalous },
      details: { bankVectors: profile.bank.count, dim: profile.bank.dim },
      score: (state) => state.patch!.raw,
    },
    fused: {
      name: 'fused',
      thresholds: { ...profile.settings.operating.thresholds },
      details: { components: profile.settings.fusion.components.join(' + ') },
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

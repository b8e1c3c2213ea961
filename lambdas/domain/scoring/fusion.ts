import type { ScoreComponent, Verdict } from '../report/report.js';
import { DEFAULT_FUSION_WEIGHTS, type ComponentName } from '../profile/settings.js';
import { ANOMALOUS_CALIBRATED, SUSPECT_CALIBRATED, verdictOf } from './calibration.js';

export type { ComponentName };

export interface ComponentInput {
  readonly name: ComponentName;
  readonly raw: number;
  /** 0..1 from `calibrate` (0.5 = suspect, 0.9 = anomalous). */
  readonly calibrated: number;
}

/**
 * Calibrated level from which one component alone lifts the fused score. Patch scores (localised evidence) and
 * consistency findings (named rules) lift from the suspect level; novelty, a whole-image distance calibrated on few
 * images and sensitive to batch-to-batch variation, only from the anomalous level.
 */
export const LIFT_LEVEL: Readonly<Record<ComponentName, number>> = {
  patch: SUSPECT_CALIBRATED,
  novelty: ANOMALOUS_CALIBRATED,
  consistency: SUSPECT_CALIBRATED,
  // A sample whose fields of view disagree is uneven, not necessarily defective: it lifts only when clear.
  reproducibility: ANOMALOUS_CALIBRATED,
  // Whole-image evidence calibrated on held-out normals, like the patch score.
  density: SUSPECT_CALIBRATED,
};

export interface FusedScore {
  readonly score: number;
  readonly verdict: Verdict;
  readonly components: ScoreComponent[];
}

/**
 * Fuses the calibrated sub-scores present (absent ones are simply not passed; weights renormalise over those given).
 * fused = Σ wᵢcᵢ / Σ wᵢ, except that the strongest component at or above its LIFT_LEVEL (weight > 0) lifts the
 * fused score to its own value: a consistency rule that fired, or a local defect the image-level novelty cannot
 * see, must not be averaged away by quiet components. Weights decide how the components
 * share the score below that level. The verdict always follows the fused score and the operating thresholds (by
 * default ≥ 0.9 anomalous, ≥ 0.5 suspect), so score and verdict agree.
 * Each contribution is the component's share of the fused score: wᵢcᵢ/Σw, plus the lift for the decisive one,
 * divided by the fused score (sums to 1 over weighted components; shares of the weights when the score is 0).
 */
export function fuse(
  inputs: readonly ComponentInput[], weights: Partial<Record<ComponentName, number>> = {},
  thresholds: { readonly suspect: number; readonly anomalous: number } = { suspect: SUSPECT_CALIBRATED, anomalous: ANOMALOUS_CALIBRATED },
): FusedScore {
  if (inputs.length === 0) throw new RangeError('fusion needs at least one component');
  const weighted = inputs.map((c) => ({
    ...c,
    calibrated: Math.min(1, Math.max(0, c.calibrated)),
    weight: Math.max(0, weights[c.name] ?? DEFAULT_FUSION_WEIGHTS[c.name]),
  }));
  const totalWeight = weighted.reduce((s, c) => s + c.weight, 0);
  if (!(totalWeight > 0)) throw new RangeError('fusion needs a component with positive weight');
  const mean = weighted.reduce((s, c) => s + c.weight * c.calibrated, 0) / totalWeight;
  let decisive = -1;
  weighted.forEach((c, i) => {
    if (c.weight > 0 && c.calibrated >= LIFT_LEVEL[c.name] && (decisive < 0 || c.calibrated > weighted[decisive].calibrated)) {
      decisive = i;
    }
  });
  const lift = decisive >= 0 ? Math.max(0, weighted[decisive].calibrated - mean) : 0;
  const score = mean + lift;
  const components: ScoreComponent[] = weighted.map((c, i) => {
    const share = score > 0
      ? ((c.weight * c.calibrated) / totalWeight + (i === decisive ? lift : 0)) / score
      : c.weight / totalWeight;
    return { name: c.name, raw: c.raw, calibrated: c.calibrated, weight: c.weight, contribution: Math.min(1, Math.max(0, share)) };
  });
  return { score, verdict: verdictOf(score, thresholds), components };
}

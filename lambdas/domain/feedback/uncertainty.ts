/**
 * How uncertain a report's decision is, for the review queue (active learning by uncertainty sampling: the
 * expert's label is worth most where the model is least sure).
 *
 * The rule, with s the fused score, t_s ≤ t_a the operating thresholds (suspect, anomalous):
 * - margin m = min(|s − t_s|, |s − t_a|): how far the score is from the nearest decision boundary.
 * - disagreement D = the weight share of the fused components whose own vote differs from the fused decision at
 *   the operating point (flagged = calibrated value ≥ t_s, for the component as for the fused score); 0 when they
 *   all agree, at most 1.
 * - effective margin m_eff = m · (1 − D/2): components that disagree about the verdict bring the report closer to
 *   the boundary, by at most half its margin (a report far from every threshold stays far down the queue).
 * - uncertainty u = exp(−m_eff / 0.1) ∈ (0, 1]: 1 on a threshold, 0.37 at an effective margin of 0.1.
 * The queue orders by u (descending), then by D (descending), then newest first.
 */
export interface UncertaintyInput {
  readonly score: number;
  readonly thresholds: { readonly suspect: number; readonly anomalous: number };
  readonly components: readonly { readonly name: string; readonly calibrated: number; readonly weight: number }[];
}

export interface Uncertainty {
  readonly margin: number;
  readonly nearestThreshold: 'suspect' | 'anomalous';
  readonly disagreement: number;
  readonly effectiveMargin: number;
  readonly uncertainty: number;
}

/** Scale of the margin in `uncertainty` (fused-score units). */
export const UNCERTAINTY_SCALE = 0.1;

export function uncertaintyOf(input: UncertaintyInput): Uncertainty {
  const { score, thresholds } = input;
  const toSuspect = Math.abs(score - thresholds.suspect);
  const toAnomalous = Math.abs(score - thresholds.anomalous);
  const margin = Math.min(toSuspect, toAnomalous);
  const flagged = score >= thresholds.suspect;
  let total = 0;
  let dissent = 0;
  for (const c of input.components) {
    if (!(c.weight > 0)) continue;
    total += c.weight;
    if ((c.calibrated >= thresholds.suspect) !== flagged) dissent += c.weight;
  }
  const disagreement = total > 0 ? dissent / total : 0;
  const effectiveMargin = margin * (1 - disagreement / 2);
  return {
    margin,
    nearestThreshold: toSuspect <= toAnomalous ? 'suspect' : 'anomalous',
    disagreement,
    effectiveMargin,
    uncertainty: Math.exp(-effectiveMargin / UNCERTAINTY_SCALE),
  };
}

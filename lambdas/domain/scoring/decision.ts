import { conformalPValue, conformalResolution } from '../decision/conformal.js';
import { explainVerdict } from '../decision/explain.js';
import { fusedScoreContributions } from '../decision/shapley.js';
import type { ComponentName } from '../profile/settings.js';
import type { Verdict } from '../report/report.js';
import { createRandom } from '../synth/random.js';
import { calibrate, thresholdsFromNormals } from './calibration.js';
import { fuse, type ComponentInput } from './fusion.js';

/** A fused component with, when it has one, the raw scores of the held-out normals it was calibrated on. */
export interface CalibratedComponent extends ComponentInput {
  readonly normals?: readonly number[];
}

export interface Decision {
  readonly score: number;
  readonly verdict: Verdict;
  readonly components: {
    readonly name: ComponentName;
    readonly raw: number;
    readonly calibrated: number;
    readonly weight: number;
    /** Exact Shapley value: the component's share of the fused score (baseline: calibrated 0); they sum to the score. */
    readonly shapley: number;
    /** shapley / score: sums to 1 over the components (weight shares when the score is 0). */
    readonly contribution: number;
    /** Conformal p-value of the raw score among the calibration normals, and how many there were. */
    readonly pValue?: number;
    readonly calibrationSize?: number;
  }[];
  readonly explanation: string;
  readonly uncertainty: {
    /** Where the fused score would lie with other calibration sets of the same size (bootstrap percentiles). */
    readonly lower: number;
    readonly upper: number;
    readonly confidence: number;
    /** Every component on the same side of the suspect level. */
    readonly componentsAgree: boolean;
    readonly disagreement?: string;
  };
  readonly outOfDistribution: { readonly flagged: boolean; readonly reason?: string };
}

const BOOTSTRAP = 200;

/**
 * The verdict and everything that explains it: exact Shapley contributions (few players: every coalition), one
 * sentence, the uncertainty of the fused score, and whether the image lies outside what the profile has seen.
 * Uncertainty: each component calibrated on held-out normals is recalibrated on B bootstrap resamples of them
 * (seeded by `seed`, so a report is reproducible) and the fusion repeated; the interval is the central `confidence`
 * share of those fused scores. "Outside what the profile has seen" is separate from "anomalous": the image's novelty
 * is beyond every calibration normal's (the smallest p-value the calibration can give).
 */
export function decide(
  components: readonly CalibratedComponent[],
  weights: Partial<Record<ComponentName, number>>,
  thresholds: { readonly suspect: number; readonly anomalous: number },
  seed: number,
  confidence = 0.9,
): Decision {
  const fused = fuse(components, weights, thresholds);
  const { contributions } = fusedScoreContributions(components, weights);
  const shapley = new Map(contributions.players.map((p, i) => [p, contributions.values[i]!]));
  const out = fused.components.map((c, i) => {
    const normals = components[i]!.normals;
    const phi = shapley.get(c.name) ?? 0;
    return {
      ...c,
      shapley: phi,
      contribution: fused.score > 0 ? Math.min(1, Math.max(0, phi / fused.score)) : c.contribution,
      ...(normals?.length ? { pValue: conformalPValue(c.raw, normals), calibrationSize: normals.length } : {}),
    };
  });
  const explanation = explainVerdict({ score: fused.score, verdict: fused.verdict, contributions: out.map((c) => ({ name: c.name, value: c.shapley })) });
  return {
    score: fused.score,
    verdict: fused.verdict,
    components: out,
    explanation,
    uncertainty: { ...bootstrapInterval(components, weights, seed, confidence), ...agreement(out, thresholds.suspect) },
    outOfDistribution: outOfDistribution(out),
  };
}

function bootstrapInterval(components: readonly CalibratedComponent[], weights: Partial<Record<ComponentName, number>>, seed: number, confidence: number) {
  const random = createRandom(seed);
  const scores = new Float64Array(BOOTSTRAP);
  for (let b = 0; b < BOOTSTRAP; b++) {
    const resampled = components.map((c) => {
      if (!c.normals || c.normals.length < 2) return c;
      const sample = c.normals.map(() => c.normals![random.int(0, c.normals!.length - 1)]!);
      return { ...c, calibrated: calibrate(c.raw, thresholdsFromNormals(sample)) };
    });
    scores[b] = fuse(resampled, weights).score;
  }
  scores.sort();
  const tail = (1 - confidence) / 2;
  return { lower: scores[Math.floor(tail * (BOOTSTRAP - 1))]!, upper: scores[Math.ceil((1 - tail) * (BOOTSTRAP - 1))]!, confidence };
}

function agreement(components: readonly { name: string; calibrated: number; weight: number }[], level: number) {
  const weighted = components.filter((c) => c.weight > 0);
  const above = weighted.filter((c) => c.calibrated >= level).map((c) => c.name);
  const below = weighted.filter((c) => c.calibrated < level).map((c) => c.name);
  if (above.length === 0 || below.length === 0) return { componentsAgree: true };
  return { componentsAgree: false, disagreement: `${above.join(', ')} ${above.length === 1 ? 'says' : 'say'} suspect or worse; ${below.join(', ')} ${below.length === 1 ? 'says' : 'say'} normal` };
}

function outOfDistribution(components: readonly { name: string; pValue?: number; calibrationSize?: number }[]) {
  const novelty = components.find((c) => c.name === 'novelty');
  if (novelty?.pValue === undefined || novelty.calibrationSize === undefined) return { flagged: false };
  if (novelty.pValue > conformalResolution(novelty.calibrationSize)) return { flagged: false };
  return { flagged: true, reason: `farther from the enrolled images than all ${novelty.calibrationSize} calibration normals: outside what the profile has seen` };
}

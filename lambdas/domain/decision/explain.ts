import type { Verdict } from '../report/report.js';
import { verdictOf } from '../scoring/calibration.js';
import type { ComponentInput, ComponentName } from '../scoring/fusion.js';
import { fusedScoreContributions } from './shapley.js';

/** How each fusion component reads in a sentence. */
export const COMPONENT_LABELS: Readonly<Record<ComponentName, string>> = {
  patch: 'the patch score',
  novelty: 'novelty',
  consistency: 'consistency with the synthesis sheet',
  reproducibility: 'disagreement with the other fields of view of this sample',
  density: 'the whole-image texture statistics',
};

export interface Contribution {
  readonly name: string;
  /** Signed contribution to the score (e.g. a Shapley value). */
  readonly value: number;
}

export interface ExplainInput {
  readonly score: number;
  /** Defaults to the verdict of the score (≥ 0.9 anomalous, ≥ 0.5 suspect). */
  readonly verdict?: Verdict;
  readonly contributions: readonly Contribution[];
  /** Words for each name (defaults: COMPONENT_LABELS, else the name itself). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Contributions smaller than this in magnitude are left out (default 0.005: they would print as ±0.00). */
  readonly negligible?: number;
}

/** Share of the positive total from which the leading contribution is "mostly" (below it the lead is "led by"). */
const MOSTLY_SHARE = 0.6;

function signed(v: number): string {
  return `${v < 0 ? '\u2212' : '+'}${Math.abs(v).toFixed(2)}`;
}

function list(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * One plain-English sentence for a verdict: "Anomalous (0.93): mostly the patch score (+0.61), supported by
 * novelty (+0.20); consistency with the synthesis sheet lowered it (−0.03)."
 * Rules (deterministic): positive contributions in decreasing order, the first "mostly" when it is at least 60 % of
 * the positive total, else "led by"; the others "supported by"; negative ones, largest first, "lowered it";
 * ties keep the input order; negligible ones are left out; with none left the score is put down to no component.
 */
export function explainVerdict(input: ExplainInput): string {
  const verdict = input.verdict ?? verdictOf(input.score);
  const labels: Readonly<Record<string, string>> = { ...COMPONENT_LABELS, ...input.labels };
  const negligible = input.negligible ?? 0.005;
  const labelOf = (name: string): string => labels[name] ?? name;
  const shown = input.contributions.filter((c) => Number.isFinite(c.value) && Math.abs(c.value) >= negligible);
  const up = shown.filter((c) => c.value > 0).sort((a, b) => b.value - a.value);
  const down = shown.filter((c) => c.value < 0).sort((a, b) => a.value - b.value);
  const head = `${verdict[0].toUpperCase()}${verdict.slice(1)} (${input.score.toFixed(2)})`;
  if (up.length === 0 && down.length === 0) return `${head}: no component moved the score from its normal baseline.`;
  const parts: string[] = [];
  if (up.length > 0) {
    const total = up.reduce((s, c) => s + c.value, 0);
    const lead = up[0];
    let text = `${lead.value / total >= MOSTLY_SHARE ? 'mostly' : 'led by'} ${labelOf(lead.name)} (${signed(lead.value)})`;
    if (up.length > 1) text += `, supported by ${list(up.slice(1).map((c) => `${labelOf(c.name)} (${signed(c.value)})`))}`;
    parts.push(text);
  }
  if (down.length > 0) {
    parts.push(`${list(down.map((c) => labelOf(c.name)))} lowered it (${down.map((c) => signed(c.value)).join(', ')})`);
  }
  return `${head}: ${parts.join('; ')}.`;
}

/** The sentence for the product's fusion of these components: Shapley contributions (baseline calibrated 0). */
export function explainFusion(
  inputs: readonly ComponentInput[], weights: Partial<Record<ComponentName, number>> = {},
): string {
  const { score, contributions } = fusedScoreContributions(inputs, weights);
  return explainVerdict({
    score,
    contributions: contributions.players.map((name, i) => ({ name, value: contributions.values[i] })),
  });
}

import type { ComponentInput, ComponentName } from '../scoring/fusion.js';
import { fuse } from '../scoring/fusion.js';

/**
 * Exact Shapley values: φᵢ = Σ_{S ⊆ N∖{i}} |S|!(n − |S| − 1)!/n! · (v(S ∪ {i}) − v(S)). With ≤ 10 players all 2ⁿ
 * coalitions are enumerated (≤ 1024 value calls, each made once and cached by bitmask), so the values are exact and
 * satisfy efficiency (Σφᵢ = v(N) − v(∅)), symmetry and the null-player property by construction.
 */
export const MAX_SHAPLEY_PLAYERS = 10;

export interface ShapleyResult<P extends string> {
  readonly players: readonly P[];
  /** φ per player, in the order of `players`. */
  readonly values: readonly number[];
  readonly byPlayer: Readonly<Record<P, number>>;
  /** v(∅). */
  readonly empty: number;
  /** v(N). */
  readonly full: number;
}

export function shapleyValues<P extends string>(
  players: readonly P[], value: (coalition: ReadonlySet<P>) => number,
): ShapleyResult<P> {
  const n = players.length;
  if (n > MAX_SHAPLEY_PLAYERS) throw new RangeError(`exact Shapley values for at most ${MAX_SHAPLEY_PLAYERS} players, got ${n}`);
  if (new Set(players).size !== n) throw new RangeError('Shapley players must be distinct');
  const size = 1 << n;
  const v = new Float64Array(size);
  for (let mask = 0; mask < size; mask++) {
    const coalition = new Set<P>();
    for (let i = 0; i < n; i++) if (mask & (1 << i)) coalition.add(players[i]);
    const x = value(coalition);
    if (!Number.isFinite(x)) throw new RangeError(`coalition value must be finite, got ${x} for {${[...coalition].join(', ')}}`);
    v[mask] = x;
  }
  // weight[s] = s!(n − s − 1)!/n!, built by ratios so it never overflows.
  const weight = new Float64Array(Math.max(1, n));
  if (n > 0) {
    weight[0] = 1 / n;
    for (let s = 1; s < n; s++) weight[s] = (weight[s - 1] * s) / (n - s);
  }
  const phi = new Array<number>(n).fill(0);
  for (let mask = 0; mask < size; mask++) {
    let s = 0;
    for (let m = mask; m; m &= m - 1) s++;
    for (let i = 0; i < n; i++) {
      const bit = 1 << i;
      if (mask & bit) continue;
      phi[i] += weight[s] * (v[mask | bit] - v[mask]);
    }
  }
  return {
    players,
    values: phi,
    byPlayer: Object.fromEntries(players.map((p, i) => [p, phi[i]])) as Record<P, number>,
    empty: v[0],
    full: v[size - 1],
  };
}

/**
 * Contributions of components to a fused score. A coalition's value is the fused score computed with the coalition's
 * components at their own values and every other component at its baseline, i.e. "normal". Absent components are
 * set to the baseline rather than dropped, because dropping one would renormalise the remaining weights and change
 * what the fusion means; so v(∅) = fuse(baselines) and Σφ = fused − fuse(baselines).
 * Default baseline: calibrated 0 ("nothing unusual seen"), which makes v(∅) = 0 for the product's fusion, so the
 * contributions add up exactly to the fused score a person sees. A caller may pass e.g. the calibrated level of a
 * typical normal image (≈ 0.1) instead; components below it then get negative contributions ("lowered it").
 */
export function fusionContributions<K extends string>(
  values: Readonly<Record<K, number>>,
  fused: (values: Readonly<Record<K, number>>) => number,
  baseline: Partial<Readonly<Record<K, number>>> = {},
): ShapleyResult<K> {
  const players = Object.keys(values) as K[];
  return shapleyValues(players, (coalition) => {
    const point = {} as Record<K, number>;
    for (const p of players) point[p] = coalition.has(p) ? values[p] : (baseline[p] ?? 0);
    return fused(point);
  });
}

/**
 * Shapley contributions of the product's fusion (`fuse` in scoring/fusion.ts, with its weights and lift rule) to
 * its fused score, on calibrated values with the calibrated-0 baseline above.
 */
export function fusedScoreContributions(
  inputs: readonly ComponentInput[],
  weights: Partial<Record<ComponentName, number>> = {},
  baseline: Partial<Record<ComponentName, number>> = {},
): { score: number; contributions: ShapleyResult<ComponentName> } {
  const byName = new Map(inputs.map((c) => [c.name, c]));
  if (byName.size !== inputs.length) throw new RangeError('each fusion component may appear once');
  const values = Object.fromEntries(inputs.map((c) => [c.name, c.calibrated])) as Record<ComponentName, number>;
  const fusedOf = (point: Readonly<Record<ComponentName, number>>): number => fuse(
    inputs.map((c) => ({ name: c.name, raw: c.raw, calibrated: point[c.name] })), weights,
  ).score;
  return { score: fusedOf(values), contributions: fusionContributions(values, fusedOf, baseline) };
}

import type { Random } from '../synth/random.js';

/**
 * A mixed search space mapped to and from a unit cube, where the GP works:
 *  - continuous: one coordinate, linear (low + u·(high − low)) or log (exp of the same in ln) scale;
 *  - integer: one coordinate split into (high − low + 1) equal bins; a value encodes to its bin centre;
 *  - categorical: one coordinate per choice (one-hot); a point decodes to its largest coordinate (first on ties).
 * Every point the optimiser proposes or models goes through decode→encode ("canonical" points), so the GP only
 * ever sees points that correspond to real parameter settings (Garrido-Merchán & Hernández-Lobato, 2020).
 */
export type ParameterSpec =
  | { readonly kind: 'continuous'; readonly name: string; readonly low: number; readonly high: number; readonly scale?: 'linear' | 'log' }
  | { readonly kind: 'integer'; readonly name: string; readonly low: number; readonly high: number }
  | { readonly kind: 'categorical'; readonly name: string; readonly choices: readonly string[] };

export interface SearchSpace {
  readonly parameters: readonly ParameterSpec[];
}

export type ParamValue = number | string;
export type Params = Readonly<Record<string, ParamValue>>;

/** Why a space is unusable, or null. */
export function searchSpaceProblem(space: SearchSpace): string | null {
  if (space.parameters.length === 0) return 'the search space has no parameters';
  const names = new Set<string>();
  for (const p of space.parameters) {
    if (names.has(p.name)) return `parameter '${p.name}' appears twice`;
    names.add(p.name);
    if (p.kind === 'categorical') {
      if (p.choices.length < 1) return `categorical '${p.name}' has no choices`;
      if (new Set(p.choices).size !== p.choices.length) return `categorical '${p.name}' repeats a choice`;
      continue;
    }
    if (!(Number.isFinite(p.low) && Number.isFinite(p.high) && p.low <= p.high)) return `'${p.name}' needs finite low ≤ high`;
    if (p.kind === 'integer' && !(Number.isInteger(p.low) && Number.isInteger(p.high))) return `integer '${p.name}' needs integer bounds`;
    if (p.kind === 'continuous' && p.scale === 'log' && !(p.low > 0)) return `log-scale '${p.name}' needs low > 0`;
  }
  return null;
}

export function assertSearchSpace(space: SearchSpace): void {
  const problem = searchSpaceProblem(space);
  if (problem) throw new RangeError(problem);
}

/** Number of unit-cube coordinates (one per numeric parameter, one per categorical choice). */
export function encodedDimension(space: SearchSpace): number {
  return space.parameters.reduce((n, p) => n + (p.kind === 'categorical' ? p.choices.length : 1), 0);
}

const clamp01 = (u: number): number => Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0));

function decodeScalar(p: Exclude<ParameterSpec, { kind: 'categorical' }>, u: number): number {
  if (p.kind === 'integer') {
    const count = p.high - p.low + 1;
    return p.low + Math.min(count - 1, Math.floor(clamp01(u) * count));
  }
  if (p.scale === 'log') {
    // The ends exactly (exp∘log is not the identity in floating point): a user sees 0.01, not 0.010000000000000005.
    const t = clamp01(u);
    if (t === 0) return p.low;
    if (t === 1) return p.high;
    const v = Math.exp(Math.log(p.low) + t * (Math.log(p.high) - Math.log(p.low)));
    return Math.min(p.high, Math.max(p.low, v));
  }
  return p.low + clamp01(u) * (p.high - p.low);
}

/** Unit-cube point → parameters. */
export function decodePoint(space: SearchSpace, u: ArrayLike<number>): Params {
  if (u.length !== encodedDimension(space)) throw new RangeError(`expected ${encodedDimension(space)} coordinates, got ${u.length}`);
  const out: Record<string, ParamValue> = {};
  let k = 0;
  for (const p of space.parameters) {
    if (p.kind === 'categorical') {
      let best = 0;
      for (let c = 1; c < p.choices.length; c++) if (u[k + c] > u[k + best]) best = c;
      out[p.name] = p.choices[best];
      k += p.choices.length;
    } else out[p.name] = decodeScalar(p, u[k++]);
  }
  return out;
}

/** Parameters → unit-cube point (integers at bin centres, categoricals one-hot). Throws on missing/out-of-range values. */
export function encodeParams(space: SearchSpace, params: Params): Float64Array {
  const u = new Float64Array(encodedDimension(space));
  let k = 0;
  for (const p of space.parameters) {
    const v = params[p.name];
    if (p.kind === 'categorical') {
      const c = p.choices.indexOf(v as string);
      if (c < 0) throw new RangeError(`'${p.name}' must be one of ${p.choices.join(', ')}, got ${String(v)}`);
      u[k + c] = 1;
      k += p.choices.length;
      continue;
    }
    if (typeof v !== 'number' || !(v >= p.low && v <= p.high)) {
      throw new RangeError(`'${p.name}' must be a number in [${p.low}, ${p.high}], got ${String(v)}`);
    }
    if (p.kind === 'integer') {
      if (!Number.isInteger(v)) throw new RangeError(`'${p.name}' must be an integer, got ${v}`);
      u[k++] = (v - p.low + 0.5) / (p.high - p.low + 1);
    } else if (p.high === p.low) u[k++] = 0.5;
    else if (p.scale === 'log') u[k++] = (Math.log(v) - Math.log(p.low)) / (Math.log(p.high) - Math.log(p.low));
    else u[k++] = (v - p.low) / (p.high - p.low);
  }
  return u;
}

/** The canonical point of any cube point: encode(decode(u)). */
export function canonicalPoint(space: SearchSpace, u: ArrayLike<number>): Float64Array {
  return encodeParams(space, decodePoint(space, u));
}

/**
 * Parameters from one coordinate per parameter (v in [0, 1)^parameters): numeric ones as in decodePoint, a
 * categorical as choice ⌊v·k⌋. Used for designs (random, Latin hypercube) where each choice must be equally likely.
 */
export function paramsFromDesign(space: SearchSpace, v: ArrayLike<number>): Params {
  if (v.length !== space.parameters.length) throw new RangeError(`expected ${space.parameters.length} design coordinates`);
  const out: Record<string, ParamValue> = {};
  space.parameters.forEach((p, i) => {
    out[p.name] = p.kind === 'categorical'
      ? p.choices[Math.min(p.choices.length - 1, Math.floor(clamp01(v[i]) * p.choices.length))]
      : decodeScalar(p, v[i]);
  });
  return out;
}

/** The design coordinates of parameters (inverse of paramsFromDesign; a categorical at its choice's centre). */
export function designPoint(space: SearchSpace, params: Params): number[] {
  const u = encodeParams(space, params);
  const out: number[] = [];
  let k = 0;
  for (const p of space.parameters) {
    if (p.kind === 'categorical') {
      out.push((p.choices.indexOf(params[p.name] as string) + 0.5) / p.choices.length);
      k += p.choices.length;
    } else out.push(u[k++]);
  }
  return out;
}

/** Uniformly random parameters. */
export function randomParams(space: SearchSpace, random: Random): Params {
  return paramsFromDesign(space, Array.from({ length: space.parameters.length }, () => random.next()));
}

/**
 * Latin hypercube of `count` points in [0, 1)^dimension: each coordinate has exactly one point in each of its
 * `count` equal strata (a random point within the stratum), strata paired by independent random permutations.
 */
export function latinHypercube(count: number, dimension: number, random: Random): number[][] {
  const points = Array.from({ length: count }, () => new Array<number>(dimension).fill(0));
  for (let d = 0; d < dimension; d++) {
    const order = Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i--) {
      const j = random.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let i = 0; i < count; i++) points[i][d] = (order[i] + random.next()) / count;
  }
  return points;
}

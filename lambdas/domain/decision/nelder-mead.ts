/**
 * Nelder-Mead simplex minimisation: derivative-free, so it serves objectives whose gradients we do not write out
 * (GP marginal likelihood over log hyperparameters, expected improvement over a mixed, partly piecewise-constant
 * search space). Adaptive coefficients (Gao & Han 2012) keep it working in 5–15 dimensions. Deterministic.
 */

// Bound once: hot loops then skip a global lookup per call (slow inside jest's vm realm, free elsewhere).
const { abs, max } = Math;

export interface NelderMeadOptions {
  /** Evaluation budget (default 200·dimension). */
  readonly maxEvaluations?: number;
  /** Stop when the simplex's value spread and size both fall below these (defaults 1e-10, 1e-8). */
  readonly fTolerance?: number;
  readonly xTolerance?: number;
  /** Initial simplex step per coordinate (default 0.1, or 5 % of |x₀ᵢ| when that is larger). */
  readonly step?: number | readonly number[];
  /** Maps any point to the feasible set (e.g. clamp to a box); the objective only sees projected points. */
  readonly project?: (x: Float64Array) => Float64Array;
}

export interface NelderMeadResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly evaluations: number;
}

/** Minimises f from x0. Non-finite objective values count as +∞ (the simplex moves away from them). */
export function nelderMead(
  f: (x: Float64Array) => number, x0: ArrayLike<number>, options: NelderMeadOptions = {},
): NelderMeadResult {
  const d = x0.length;
  if (d === 0) throw new RangeError('nelderMead needs at least one dimension');
  const project = options.project ?? ((x: Float64Array) => x);
  const maxEvaluations = options.maxEvaluations ?? 200 * d;
  const fTol = options.fTolerance ?? 1e-10;
  const xTol = options.xTolerance ?? 1e-8;
  const alpha = 1;
  const beta = 1 + 2 / d; // expansion
  const gamma = 0.75 - 1 / (2 * d); // contraction
  const delta = 1 - 1 / d; // shrink
  let evaluations = 0;
  const evaluate = (x: Float64Array): { x: Float64Array; v: number } => {
    const p = project(x);
    evaluations++;
    const v = f(p);
    return { x: p, v: Number.isFinite(v) ? v : Infinity };
  };
  const stepOf = (i: number): number => {
    const s = options.step;
    if (typeof s === 'number') return s;
    if (s) return s[i];
    return max(0.1, 0.05 * abs(x0[i]));
  };
  const simplex = [evaluate(Float64Array.from(x0))];
  for (let i = 0; i < d; i++) {
    const x = Float64Array.from(x0);
    x[i] += stepOf(i);
    const vertex = evaluate(x);
    // A projection can collapse a vertex onto x0 at a bound: step the other way.
    if (vertex.x[i] === simplex[0].x[i]) {
      const y = Float64Array.from(x0);
      y[i] -= stepOf(i);
      simplex.push(evaluate(y));
    } else simplex.push(vertex);
  }
  const combine = (c: Float64Array, worst: Float64Array, t: number): Float64Array => {
    const x = new Float64Array(d);
    for (let i = 0; i < d; i++) x[i] = c[i] + t * (worst[i] - c[i]);
    return x;
  };
  while (evaluations < maxEvaluations) {
    simplex.sort((a, b) => a.v - b.v);
    const best = simplex[0];
    const worst = simplex[d];
    let size = 0;
    for (let k = 1; k <= d; k++) {
      for (let i = 0; i < d; i++) size = max(size, abs(simplex[k].x[i] - best.x[i]));
    }
    if (abs(worst.v - best.v) <= fTol * (1 + abs(best.v)) && size <= xTol) break;
    const centroid = new Float64Array(d);
    for (let k = 0; k < d; k++) for (let i = 0; i < d; i++) centroid[i] += simplex[k].x[i] / d;
    const reflected = evaluate(combine(centroid, worst.x, -alpha));
    if (reflected.v < best.v) {
      const expanded = evaluate(combine(centroid, worst.x, -alpha * beta));
      simplex[d] = expanded.v < reflected.v ? expanded : reflected;
    } else if (reflected.v < simplex[d - 1].v) {
      simplex[d] = reflected;
    } else {
      const outside = reflected.v < worst.v;
      const contracted = evaluate(combine(centroid, worst.x, outside ? -alpha * gamma : gamma));
      if (contracted.v < (outside ? reflected.v : worst.v)) simplex[d] = contracted;
      else {
        for (let k = 1; k <= d; k++) {
          const x = new Float64Array(d);
          for (let i = 0; i < d; i++) x[i] = best.x[i] + delta * (simplex[k].x[i] - best.x[i]);
          simplex[k] = evaluate(x);
        }
      }
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  return { x: simplex[0].x, value: simplex[0].v, evaluations };
}

/**
 * Special functions the decision layers need (normal, Student t and Beta distributions), written out so the
 * domain needs no numerical library. Accuracy ~1e-13 relative in the body of each distribution, which is far
 * beyond what the decisions built on them can resolve.
 */

// Bound once: hot loops then skip a global lookup per call (slow inside jest's vm realm, free elsewhere).
const { abs, exp, log, max, sin, sqrt } = Math;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; reflection below 0.5). */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) return log(Math.PI / sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * log(2 * Math.PI) + (z + 0.5) * log(t) - t + log(a);
}

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 1000;

/** Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a) (series below a + 1, continued fraction above). */
export function upperIncompleteGamma(a: number, x: number): number {
  if (!(a > 0) || x < 0) throw new RangeError('upperIncompleteGamma needs a > 0 and x ≥ 0');
  if (x === 0) return 1;
  const logPrefix = -x + a * log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (abs(term) < abs(sum) * EPS) break;
    }
    return 1 - sum * exp(logPrefix);
  }
  // Modified Lentz on the continued fraction for Γ(a, x).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (abs(delta - 1) < EPS) break;
  }
  return exp(logPrefix) * h;
}

/** Standard normal density. */
export function normalPdf(z: number): number {
  return exp(-0.5 * z * z) / sqrt(2 * Math.PI);
}

/** Standard normal CDF Φ(z), through erfc(|z|/√2) = Q(½, z²/2) so both tails keep their relative accuracy. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const tail = 0.5 * upperIncompleteGamma(0.5, 0.5 * z * z);
  return z >= 0 ? 1 - tail : tail;
}

/** Inverts a continuous increasing CDF on [lo, hi] by bisection (robust; these quantiles are never hot). */
function invert(cdf: (x: number) => number, p: number, lo: number, hi: number): number {
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
    if (hi - lo <= 1e-15 * max(1, abs(mid))) break;
  }
  return 0.5 * (lo + hi);
}

/** Standard normal quantile Φ⁻¹(p), p in (0, 1). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError(`normalQuantile needs p in [0, 1], got ${p}`);
  }
  return invert(normalCdf, p, -40, 40);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (abs(delta - 1) < EPS) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b): the CDF of Beta(a, b) at x. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError('regularizedBeta needs a, b > 0');
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * log(x) + b * log(1 - x));
  // The continued fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry above it.
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Quantile of Beta(a, b): the x with I_x(a, b) = p. */
export function betaQuantile(p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`betaQuantile needs p in [0, 1], got ${p}`);
  if (p === 0) return 0;
  if (p === 1) return 1;
  return invert((x) => regularizedBeta(x, a, b), p, 0, 1);
}

/** CDF of Student's t with ν > 0 degrees of freedom (ν need not be an integer). */
export function studentTCdf(t: number, nu: number): number {
  if (!(nu > 0)) throw new RangeError('studentTCdf needs ν > 0');
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * regularizedBeta(nu / (nu + t * t), nu / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Quantile of Student's t with ν degrees of freedom, p in (0, 1). */
export function studentTQuantile(p: number, nu: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile needs p in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  // Bracket: the t quantile is at most a few orders beyond the normal one even for ν → 0.
  let hi = max(1, abs(normalQuantile(p)));
  while (studentTCdf(hi, nu) < max(p, 1 - p)) hi *= 2;
  return invert((x) => studentTCdf(x, nu), p, -hi, hi);
}

/**
 * The small dense linear algebra the decision layers need (GP posteriors, ridge regression): symmetric positive
 * definite matrices as row-major Float64Array n×n, solved through Cholesky factors. Sizes here are tens to a few
 * hundreds, where a plain O(n³) factorisation is fast and exact enough.
 */

// Bound once: hot loops then skip a global lookup per call (slow inside jest's vm realm, free elsewhere).
const { abs, log, max, sqrt } = Math;

/** Lower-triangular L with A = L Lᵀ, or null when A is not (numerically) positive definite. */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  if (a.length !== n * n) throw new RangeError(`cholesky: expected ${n}×${n} values, got ${a.length}`);
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diag = a[j * n + j];
    for (let k = 0; k < j; k++) diag -= l[j * n + k] * l[j * n + k];
    if (!(diag > 0)) return null;
    const ljj = sqrt(diag);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/**
 * Cholesky of A + εI with the smallest ε from {0, 1e-10·s, 1e-9·s, …, 1e-2·s} (s = mean diagonal) that works:
 * near-duplicate inputs make kernel matrices singular in floating point, and a tiny jitter is the standard cure.
 */
export function choleskyWithJitter(a: Float64Array, n: number): { l: Float64Array; jitter: number } {
  const direct = cholesky(a, n);
  if (direct) return { l: direct, jitter: 0 };
  let scale = 0;
  for (let i = 0; i < n; i++) scale += abs(a[i * n + i]);
  scale = n > 0 ? max(scale / n, 1e-300) : 1;
  for (let e = -10; e <= -2; e++) {
    const jitter = scale * 10 ** e;
    const b = Float64Array.from(a);
    for (let i = 0; i < n; i++) b[i * n + i] += jitter;
    const l = cholesky(b, n);
    if (l) return { l, jitter };
  }
  throw new RangeError('matrix is not positive definite, even with jitter');
}

/** Solves L x = b (L lower triangular). */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** Solves Lᵀ x = b (L lower triangular). */
export function solveLowerTransposed(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** Solves A x = b from A's Cholesky factor. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  return solveLowerTransposed(l, n, solveLower(l, n, b));
}

/** ln det A = 2 Σ ln Lᵢᵢ. */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += log(l[i * n + i]);
  return 2 * s;
}

/** A⁻¹ of a symmetric positive definite A (column by column through its Cholesky factor). */
export function inverseSpd(a: Float64Array, n: number): Float64Array {
  const l = cholesky(a, n);
  if (!l) throw new RangeError('inverseSpd: matrix is not positive definite');
  const inv = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = choleskySolve(l, n, e);
    for (let i = 0; i < n; i++) inv[i * n + j] = col[i];
  }
  return inv;
}

/** Dot product of two equal-length vectors. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

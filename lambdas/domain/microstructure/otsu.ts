/**
 * Two-threshold (three-class) Otsu on a 256-bin histogram, refined by isodata iterations so each threshold sits
 * midway between the adjacent class means: with symmetric blur that keeps phase areas unbiased, where plain Otsu
 * leans toward the dominant class.
 */
export interface ThreeClassThresholds {
  readonly low: number;
  readonly high: number;
  /** Mean intensity of the dark, mid and bright classes. */
  readonly means: readonly [number, number, number];
}

const BINS = 256;

export function threeClassThresholds(values: Float32Array, min = 0, max = 1): ThreeClassThresholds {
  const span = max - min || 1;
  const hist = histogram(values, min, span);
  // Prefix sums of counts and intensity moments make each candidate pair O(1).
  const p = new Float64Array(BINS + 1);
  const m = new Float64Array(BINS + 1);
  for (let i = 0; i < BINS; i++) {
    p[i + 1] = p[i]! + hist[i]!;
    m[i + 1] = m[i]! + hist[i]! * i;
  }
  const total = p[BINS]!;
  const mean = m[BINS]! / total;
  let best = -1;
  let t1 = 85;
  let t2 = 170;
  for (let a = 1; a < BINS - 1; a++) {
    const w0 = p[a]!;
    if (w0 === 0) continue;
    const mu0 = m[a]! / w0;
    for (let b = a + 1; b < BINS; b++) {
      const w1 = p[b]! - w0;
      const w2 = total - p[b]!;
      if (w1 === 0 || w2 === 0) continue;
      const mu1 = (m[b]! - m[a]!) / w1;
      const mu2 = (m[BINS]! - m[b]!) / w2;
      const between = w0 * (mu0 - mean) ** 2 + w1 * (mu1 - mean) ** 2 + w2 * (mu2 - mean) ** 2;
      if (between > best) {
        best = between;
        t1 = a;
        t2 = b;
      }
    }
  }
  let means: [number, number, number] = [0, 0, 0];
  for (let iter = 0; iter < 20; iter++) {
    const classMean = (lo: number, hi: number): number => (p[hi]! - p[lo]! > 0 ? (m[hi]! - m[lo]!) / (p[hi]! - p[lo]!) : (lo + hi) / 2);
    means = [classMean(0, t1), classMean(t1, t2), classMean(t2, BINS)];
    const n1 = Math.min(BINS - 2, Math.max(1, Math.round((means[0] + means[1]) / 2 + 0.5)));
    const n2 = Math.min(BINS - 1, Math.max(n1 + 1, Math.round((means[1] + means[2]) / 2 + 0.5)));
    if (n1 === t1 && n2 === t2) break;
    t1 = n1;
    t2 = n2;
  }
  const toValue = (bin: number): number => min + (bin / BINS) * span;
  return { low: toValue(t1), high: toValue(t2), means: [toValue(means[0] + 0.5), toValue(means[1] + 0.5), toValue(means[2] + 0.5)] };
}

/**
 * Counts per bin of floor((v − min) / span · BINS), clamped to the bins; NaN values are not counted. Counted in
 * integers (exact; the same counts as adding 1.0 per value) and returned as doubles.
 */
function histogram(values: Float32Array, min: number, span: number): Float64Array {
  const counts = new Int32Array(BINS);
  for (let i = 0; i < values.length; i++) {
    const t = ((values[i]! - min) / span) * BINS;
    // floor then clamp: below 0 → 0, at or past BINS → BINS − 1; in between, t | 0 is floor (t < 2³¹).
    if (t >= 0) counts[t < BINS ? t | 0 : BINS - 1]!++;
    else if (t < 0) counts[0]!++;
  }
  return Float64Array.from(counts);
}

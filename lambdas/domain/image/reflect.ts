/**
 * Mirror an out-of-range index back into 0..n-1 without repeating the edge pixel (…2 1 | 0 1 2 … n-1 | n-2 …),
 * the border rule every filter and pad in this folder shares so results do not depend on which step padded.
 */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

import { betaQuantile } from '../decision/special.js';

/** A share counted on a few labelled images, with how far it could be off. */
export interface ShareEstimate {
  readonly hits: number;
  readonly of: number;
  readonly share: number;
  /** Exact (Clopper-Pearson) bounds on the true share at `confidence`. */
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
}

/**
 * `hits` of `of` and the exact binomial interval [Beta(δ/2; h, n − h + 1), Beta(1 − δ/2; h + 1, n − h)], δ = 1 −
 * confidence. Exact rather than Wald because the counts are small (a dozen confirmed defects) and often 0 or all,
 * where a normal approximation gives a zero-width interval.
 */
export function shareWithInterval(hits: number, of: number, confidence = 0.95): ShareEstimate {
  if (!(Number.isInteger(hits) && Number.isInteger(of) && of > 0 && hits >= 0 && hits <= of)) throw new RangeError(`a share needs 0 ≤ hits ≤ of, of > 0 (got ${hits} of ${of})`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError('confidence must be in (0, 1)');
  const tail = (1 - confidence) / 2;
  return {
    hits, of, share: hits / of,
    lower: hits === 0 ? 0 : betaQuantile(tail, hits, of - hits + 1),
    upper: hits === of ? 1 : betaQuantile(1 - tail, hits + 1, of - hits),
    confidence,
  };
}

import { ValidationError } from '../../domain/errors.js';

/** Number of vectors in a flat array; rejects empty or ragged input. */
export function checkVectors(vectors: Float32Array, dim: number): number {
  if (!Number.isInteger(dim) || dim <= 0) throw new ValidationError(`vector dimension must be a positive integer, got ${dim}`);
  if (vectors.length === 0 || vectors.length % dim !== 0) {
    throw new ValidationError(`expected a non-empty multiple of ${dim} values, got ${vectors.length}`, { dim, values: vectors.length });
  }
  return vectors.length / dim;
}

export function checkSearchArgs(queries: Float32Array, dim: number, k: number, size: number): number {
  if (!Number.isInteger(k) || k < 1 || k > size) throw new ValidationError(`k must be an integer in 1..${size}, got ${k}`, { k, size });
  if (queries.length % dim !== 0) throw new ValidationError(`queries must be a multiple of ${dim} values, got ${queries.length}`);
  return queries.length / dim;
}

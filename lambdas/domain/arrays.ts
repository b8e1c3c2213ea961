/**
 * A work array kept between calls, for the domain's hot loops (otherwise a 1024² image leaves megabytes of garbage
 * per pass): `take(length)` returns a view of exactly `length` elements of one buffer reused while `length` is at
 * most `limit`, and a fresh array above it (so one very large image does not pin a big buffer for good). The contents
 * are stale: callers write every element before they read it. For synchronous use only (each thread has its own).
 */
export function keptBuffer<T extends { readonly length: number; subarray(begin: number, end: number): T }>(
  make: (length: number) => T, limit = KEPT_BUFFER_LIMIT,
): (length: number) => T {
  let buffer = make(0);
  return (length) => {
    if (length > limit) return make(length);
    if (buffer.length < length) buffer = make(length);
    return buffer.subarray(0, length);
  };
}

/** Elements up to which keptBuffer reuses its buffer by default (2 Mi: a 1024² image with its border). */
export const KEPT_BUFFER_LIMIT = 1 << 21;

/** Joins float arrays end to end (patch grids of many tiles, embeddings of many images) into one row-major block. */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * The C allocator's setting for every process that inspects images: `npm start` (package.json), the cloud's
 * workflow functions (lib/stateless-stack.ts) and `mmdo bench --large`'s fresh process. glibc reads it only when a
 * process starts; elsewhere it is ignored.
 *
 * glibc serves an allocation of at least the "mmap threshold" with its own mapping, returned to the system when
 * freed; smaller ones come from heaps it seldom shrinks. Left alone, the threshold rises up to 32 MiB after large
 * frees, so a 64 MP image's thousands of 4–32 MB buffers (tiles, feature maps, encoder rows) end up in heaps and stay
 * there: its inspection peaked at 1.79–1.86 GB, and at 1.66–1.73 GB with the threshold fixed at 8 MiB, with 1024²
 * inspections as fast as before (1 MiB saved a little more but cost about 10 % more CPU per 1024² image). Measured
 * 2026-12-05, README "Benchmarks".
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: String(8 * 1024 * 1024) };

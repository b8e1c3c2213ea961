import { ValidationError } from '../../domain/errors.js';

/** Object keys that start an inspection (the formats the decoder reads); anything else in the bucket starts nothing. */
export const IMAGE_SUFFIXES = ['.png', '.jpg', '.jpeg', '.tif', '.tiff'] as const;

const UPLOAD_KEY = /^([A-Za-z0-9_][A-Za-z0-9._-]{0,127})\/([A-Za-z0-9_][A-Za-z0-9._-]{0,127}?)(?:@v?(\d+))?\/(.+)$/;

/**
 * Upload keys name tenant and profile: `<tenant>/<profile>[@<version>]/<any name>`, e.g.
 * `acme/cathode-sem/batch-7/img-001.tif` (latest version) or `acme/cathode-sem@3/img-001.tif`.
 */
export function parseUploadKey(key: string): { tenant: string; profile: string; version?: number; name: string } {
  const m = UPLOAD_KEY.exec(key);
  if (!m || m[1]!.includes('..') || m[2]!.includes('..')) {
    throw new ValidationError(`upload key '${key}' must be <tenant>/<profile>[@<version>]/<name>`, { key });
  }
  return { tenant: m[1]!, profile: m[2]!, ...(m[3] ? { version: Number(m[3]) } : {}), name: m[4]! };
}

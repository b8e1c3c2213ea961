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
  // The API's and instruments' own segment (`api/<upload id>/`, `instruments/<id>/`) is not part of the image's name.
  const name = /^(?:api|instruments)\/[A-Za-z0-9_-]+\/(.+)$/.exec(m[4]!)?.[1] ?? m[4]!;
  return { tenant: m[1]!, profile: m[2]!, ...(m[3] ? { version: Number(m[3]) } : {}), name };
}

/** Key segments under which uploads start an inspection: the API's slots and direct uploads, and instruments. */
export const UPLOAD_SOURCES = ['api', 'instruments'] as const;

/**
 * EventBridge wildcard patterns of the keys that start an inspection: an image suffix (either case) under an API or
 * instrument segment. Stray objects, sidecar sheets and keys outside those prefixes start nothing.
 */
export function uploadKeyWildcards(): string[] {
  return UPLOAD_SOURCES.flatMap((source) => IMAGE_SUFFIXES.flatMap((suffix) => [suffix, suffix.toUpperCase()].map((s) => `*/${source}/*${s}`)));
}

/**
 * Keys the partner API writes, always under the tenant of the credential that asked (never one the client names):
 * `<tenant>/<profile>[@<version>]/api/<upload id>/<name>` for an upload slot or a direct upload, and the prefix
 * `<tenant>/<profile>[@<version>]/instruments/<instrument id>/` an instrument's credentials are limited to.
 */
export function apiUploadKey(tenant: string, profile: string, version: number | undefined, uploadId: string, name: string): string {
  return `${profileSegment(tenant, profile, version)}/api/${uploadId}/${name}`;
}

export function instrumentKeyPrefix(tenant: string, profile: string, version: number | undefined, instrumentId: string): string {
  return `${profileSegment(tenant, profile, version)}/instruments/${instrumentId}/`;
}

function profileSegment(tenant: string, profile: string, version: number | undefined): string {
  return `${tenant}/${profile}${version !== undefined ? `@${version}` : ''}`;
}

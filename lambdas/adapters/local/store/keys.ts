import { ValidationError } from '../../../domain/errors.js';

/** A path segment we allow on disk: no separators, no dot-only names, nothing a shell or file system treats specially. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Throws unless `value` is one safe path segment (tenant, profile name, key part). */
export function assertSegment(value: string, what: string): string {
  if (!SEGMENT.test(value) || value.includes('..')) {
    throw new ValidationError(`${what} '${value}' may only contain letters, digits, '.', '_' and '-' (not starting with '.' or '-')`, { what, value });
  }
  return value;
}

/** Splits a slash-separated key into validated segments; the first one is the tenant. */
export function keySegments(key: string): string[] {
  const parts = key.split('/');
  if (parts.length < 2) throw new ValidationError(`artifact key '${key}' must begin with a tenant and have a name`, { key });
  parts.forEach((p) => assertSegment(p, 'artifact key segment'));
  return parts;
}

import { MmdoError } from '../domain/errors.js';

/** RFC 9457 problem details: every error of the API, on both runtimes, is one of these. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: string;
  readonly [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/** A problem with a stable code; `type` is a URN per code, so clients can switch on either. */
export function problem(status: number, code: string, detail: string, instance: string, extra: Record<string, unknown> = {}): Problem {
  return { ...extra, type: `urn:mmdo:problem:${code}`, title: TITLES[status] ?? 'Error', status, detail, instance, code };
}

/** Maps any thrown value: MmdoError keeps its code, status and details; anything else is a 500 without internals. */
export function problemFromError(error: unknown, instance: string): Problem {
  if (error instanceof MmdoError) return problem(error.status, error.code, error.message, instance, detailsOf(error));
  return problem(500, 'internal_error', 'The service failed unexpectedly; the error is in its log.', instance);
}

function detailsOf(error: MmdoError): Record<string, unknown> {
  return Object.keys(error.details).length > 0 ? { details: error.details } : {};
}

import type { MiddlewareHandler } from 'hono';
import { MmdoError } from '../domain/errors.js';

/**
 * Browser-facing protections of the API (the local service also serves a web page later):
 * - DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1 reaches the service with
 *   `Host: evil.example`; only the configured host names are answered.
 * - Cross-site writes: a page elsewhere can POST to the service (a "simple" request needs no CORS preflight).
 *   Browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`); unsafe methods from another site are
 *   refused unless that origin is configured. Clients that are not browsers send neither header and pass.
 * - No CORS headers at all unless origins are configured.
 */
export interface BrowserPolicy {
  /** Host names (without port) the service answers to; undefined: any (behind API Gateway, which has its own). */
  readonly allowedHosts?: readonly string[];
  /** Origins (scheme://host[:port]) allowed to make cross-site calls, with CORS; empty: none. */
  readonly corsOrigins: readonly string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function hostAllowList(policy: BrowserPolicy): MiddlewareHandler {
  const allowed = policy.allowedHosts && new Set(policy.allowedHosts.map((h) => h.toLowerCase()));
  return async (c, next) => {
    if (allowed) {
      const host = hostName(c.req.header('host') ?? new URL(c.req.url).host);
      if (!host || !allowed.has(host)) {
        throw new MmdoError('host_not_allowed', `This service does not answer to the host name '${escapeForLog(host ?? '')}'.`, 403);
      }
    }
    await next();
  };
}

export function crossSiteGuard(policy: BrowserPolicy): MiddlewareHandler {
  const origins = new Set(policy.corsOrigins);
  return async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header('origin');
      const site = c.req.header('sec-fetch-site')?.toLowerCase();
      const sameOrigin = origin === undefined || origin === new URL(c.req.url).origin || origins.has(origin);
      const sameSite = site === undefined || site === 'same-origin' || site === 'none' || (origin !== undefined && origins.has(origin));
      if (!sameOrigin || !sameSite) {
        throw new MmdoError('cross_site_request', 'Cross-site requests that change state are refused (configure the origin to allow it).', 403, { ...(origin ? { origin } : {}) });
      }
    }
    await next();
  };
}

/** `Host` without its port; IPv6 literals keep their brackets (`[::1]`). */
export function hostName(host: string): string | undefined {
  const trimmed = host.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d+)?$/.exec(trimmed);
  return m?.[1];
}

/**
 * User-controlled text in a log line: control characters (newlines that would forge lines, ANSI escapes) are
 * escaped, and long values cut, so a request can neither break nor flood the log.
 */
export function escapeForLog(value: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const escaped = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\\]/g, (ch) => (ch === '\\' ? '\\\\' : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

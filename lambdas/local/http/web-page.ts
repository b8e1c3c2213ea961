import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';

/**
 * The web page (web/, built into web/bundle and committed) served by the local service at `/`, same origin as the API,
 * so the API's Host allow-list and cross-site guards apply to it and its requests pass them. Only the files built
 * into web/bundle are served (read once, at start), with a strict Content-Security-Policy: scripts and styles from this
 * origin only, no inline code, images from this origin and blob: (the viewer decodes fetched images), fetches to
 * this origin only, no framing.
 */
export const WEB_DIST = fileURLToPath(new URL('../../../web/bundle/', import.meta.url));

export const WEB_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
};

interface StaticFile {
  readonly body: Uint8Array;
  readonly type: string;
  readonly etag: string;
}

function readDist(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(dir)) return files;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const ext = name.slice(name.lastIndexOf('.'));
        const type = TYPES[ext];
        if (!type) continue;
        const body = new Uint8Array(readFileSync(path));
        files.set(`/${relative(dir, path).split(sep).join('/')}`, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
      }
    }
  };
  walk(dir);
  return files;
}

/** Adds GET `/` (the page) and its assets to the service's app. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mountWebPage(app: Hono<any>, dir: string = WEB_DIST): void {
  const files = readDist(dir);
  const serve = (c: Context, path: string) => {
    const file = files.get(path);
    if (!file) {
      return c.text(path === '/index.html' ? 'The web page is not built: run `npm run web:build`.' : 'Not found.', path === '/index.html' ? 503 : 404, { 'Content-Security-Policy': WEB_PAGE_CSP });
    }
    const headers: Record<string, string> = {
      'Content-Type': file.type,
      'Content-Security-Policy': WEB_PAGE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-cache',
      ETag: file.etag,
    };
    if (c.req.header('if-none-match') === file.etag) return c.body(null, 304, headers);
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, headers);
  };
  app.get('/', (c) => serve(c, '/index.html'));
  app.get('/index.html', (c) => serve(c, '/index.html'));
  app.get('/assets/:file', (c) => serve(c, `/assets/${c.req.param('file')}`));
}

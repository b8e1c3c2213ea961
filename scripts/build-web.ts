/**
 * Builds the web page (web/): the API types generated from docs/openapi.json (web/src/api/openapi.d.ts) and the
 * bundle (web/bundle: index.html, assets/app.js, assets/app.css) with esbuild. Both are committed, so `npm ci &&
 * npm start` serves the page with no build step; test/web/bundle.test.ts fails when either is stale.
 *
 *   npm run web:build                                   # rewrite the types and web/bundle
 *   npx tsx scripts/build-web.ts --out DIR --api-base https://api.example.com/api   # a copy for S3 + CloudFront
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_DIR = join(ROOT, 'web');
export const WEB_DIST = join(WEB_DIR, 'bundle');
export const API_TYPES = join(WEB_DIR, 'src', 'api', 'openapi.d.ts');
const OPENAPI = join(ROOT, 'docs', 'openapi.json');

const TYPES_HEADER = '/* Generated from docs/openapi.json by scripts/build-web.ts (openapi-typescript). Do not edit: npm run web:build. */\n';

/** The TypeScript types of the API, from the committed OpenAPI document. */
export async function apiTypes(): Promise<string> {
  const document = JSON.parse(readFileSync(OPENAPI, 'utf8')) as Record<string, unknown>;
  const ast = await openapiTS(document as never, { alphabetize: false, exportType: false });
  return TYPES_HEADER + astToString(ast);
}

export interface WebBuildOptions {
  /** Base URL of the API the page talks to; empty (the default): the origin that serves the page. */
  readonly apiBase?: string;
}

/** The bundle as files (path relative to the output folder → bytes); nothing is written. Deterministic. */
export async function buildWeb(options: WebBuildOptions = {}): Promise<Map<string, Uint8Array>> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { app: 'web/src/main.ts', 'app-style': 'web/src/styles.css' },
    bundle: true,
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    write: false,
    outdir: 'web/bundle/assets',
    logLevel: 'silent',
  });
  const files = new Map<string, Uint8Array>();
  for (const file of result.outputFiles) {
    const name = file.path.split(/[\\/]/).pop()!.replace('app-style.css', 'app.css');
    files.set(`assets/${name}`, file.contents);
  }
  const html = readFileSync(join(WEB_DIR, 'index.html'), 'utf8').replace('content="" data-api-base', `content="${escapeAttribute(options.apiBase ?? '')}" data-api-base`);
  files.set('index.html', new TextEncoder().encode(html));
  files.set('assets/icon.svg', readFileSync(join(WEB_DIR, 'icon.svg')));
  return files;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function writeFiles(dir: string, files: Map<string, Uint8Array>): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [name, bytes] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = value('--out');
  const apiBase = value('--api-base');
  if (!out) writeFileSync(API_TYPES, await apiTypes());
  const files = await buildWeb(apiBase !== undefined ? { apiBase } : {});
  writeFiles(out ?? WEB_DIST, files);
  const total = [...files.values()].reduce((s, b) => s + b.length, 0);
  console.log(`web page: ${files.size} files, ${(total / 1024).toFixed(1)} kB in ${out ?? 'web/bundle'}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();

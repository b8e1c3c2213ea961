import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { API_TYPES, apiTypes, buildWeb, WEB_DIST } from '../../scripts/build-web.js';

/**
 * The web page is committed built (web/bundle) with its API types generated from docs/openapi.json, so `npm ci &&
 * npm start` serves it with no build step. These fail when either is stale: run `npm run web:build` and commit.
 */
describe('web page bundle', () => {
  test('web/src/api/openapi.d.ts is what openapi-typescript makes of docs/openapi.json', async () => {
    if (readFileSync(API_TYPES, 'utf8') !== (await apiTypes())) {
      throw new Error('web/src/api/openapi.d.ts is stale against docs/openapi.json: run `npm run web:build` (npm run openapi does it too) and commit it with web/bundle');
    }
  });

  test('web/bundle is what esbuild makes of web/ now', async () => {
    const built = await buildWeb();
    const committed = new Map<string, Buffer>();
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else committed.set(relative(WEB_DIST, path).split(sep).join('/'), readFileSync(path));
      }
    };
    walk(WEB_DIST);
    expect([...committed.keys()].sort()).toEqual([...built.keys()].sort());
    for (const [name, bytes] of built) {
      const same = Buffer.from(bytes).equals(committed.get(name)!);
      if (!same) throw new Error(`web/bundle/${name} is stale: run \`npm run web:build\` and commit web/bundle`);
    }
  });

  test('the page has no inline script or style (a strict CSP would block them)', () => {
    const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\sstyle=/i);
  });

  test('the bundle holds no key and no secret', () => {
    const js = readFileSync(join(WEB_DIST, 'assets', 'app.js'), 'utf8');
    expect(js).not.toMatch(/mmdo_[a-z0-9]{12}_/);
    expect(js).not.toMatch(/whsec_[A-Za-z0-9+/]{10,}/);
    expect(js).not.toMatch(/localStorage/);
  });
});

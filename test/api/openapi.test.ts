import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { openApiDocument } from '../../lambdas/api/app.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url);

/** docs/openapi.json is generated from the route definitions (`npm run openapi`) and linted with Redocly, offline. */
describe('the OpenAPI document', () => {
  test('the committed docs/openapi.json is the one the routes generate (run `npm run openapi` after changing a route)', () => {
    const committed = readFileSync(new URL('docs/openapi.json', ROOT), 'utf8');
    expect(committed).toBe(`${JSON.stringify(openApiDocument(), null, 2)}\n`);
  });

  test('it is OpenAPI 3.1 and `redocly lint` (recommended-strict) passes', async () => {
    expect(openApiDocument()).toMatchObject({ openapi: '3.1.0' });
    const { stdout, stderr } = await run(new URL('node_modules/.bin/redocly', ROOT).pathname, ['lint', 'docs/openapi.json'], {
      cwd: ROOT.pathname,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NODE_OPTIONS: '' },
    });
    expect(`${stdout}${stderr}`).toMatch(/valid/);
  }, 60_000);
});

/** Writes docs/openapi.json from the API's route definitions (`npm run openapi`); a test fails when it is stale. */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../lambdas/api/app.js';

writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(openApiDocument(), null, 2)}\n`);

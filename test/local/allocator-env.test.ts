import { readFileSync } from 'node:fs';
import { ALLOCATOR_ENV } from '../../lambdas/adapters/allocator.js';

// The cloud's functions are checked in test/cdk/stacks.test.ts; `npm start` cannot import the constant, so its
// script is checked here.
test('npm start runs the service with the allocator setting the cloud functions and the bench use', () => {
  const { scripts } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  const assignments = Object.entries(ALLOCATOR_ENV).map(([name, value]) => `${name}=${value}`);
  expect(assignments.length).toBeGreaterThan(0);
  expect(scripts.start).toBe(`${assignments.join(' ')} node bin/mmdo.mjs serve`);
});

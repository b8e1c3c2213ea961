import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalRuntime } from '../lambdas/adapters/local/runtime.js';
import { DEFAULT_DEMO, seedDemoProfile } from '../lambdas/local/demo-profile.js';
const home = await mkdtemp(join(tmpdir(), 'mmdo-demo-'));
const rt = await createLocalRuntime({ home, backboneOverride: process.argv[2] ?? 'builtin' });
const t = Date.now();
await seedDemoProfile(rt, { ...DEFAULT_DEMO, tenant: 'local', samplesDir: join(home, 'samples') }, (m) => console.log(m));
console.log('seeded', Date.now() - t);
for (const s of ['normal', 'void', 'agglomeration', 'crack']) {
  const r = await rt.inspections.inspect({ tenant: 'local', name: s, bytes: new Uint8Array(await readFile(join(home, 'samples', `sample-${s}.png`))), profile: 'demo' });
  console.log(s, r.status, r.scores?.verdict, r.scores?.score.toFixed(3), JSON.stringify(r.scores?.components?.map((c: any) => [c.name, +c.raw.toFixed(3), +c.calibrated.toFixed(3)])), r.regions.length);
}
await rt.close();
await rm(home, { recursive: true, force: true });

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalRuntime, type LocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { DEFAULT_DEMO, seedDemoProfile, type DemoProfileOptions } from '../../lambdas/local/demo-profile.js';
import { calibrationCount } from '../../lambdas/application/split.js';
import { DEFAULT_SCORING_SETTINGS } from '../../lambdas/domain/profile/settings.js';
import { tempHome } from './support.js';

/** The demo profile against a backbone change: re-enrolled with the running backbone instead of failing every inspection. */
describe('seedDemoProfile', () => {
  let home: string;
  let cleanup: () => void;
  let runtime: LocalRuntime;
  let options: DemoProfileOptions;

  beforeAll(async () => {
    ({ home, cleanup } = tempHome());
    runtime = await createLocalRuntime({ home, backboneOverride: 'builtin', env: {} });
    options = { tenant: 'local', name: 'demo', images: 6, size: 96, pixelSizeUm: 0.1, samplesDir: join(home, 'samples') };
  });
  afterAll(async () => {
    await runtime.close();
    cleanup();
  });

  test('enrols once, skips a profile made with the running backbone, re-enrols one made with another', async () => {
    const lines: string[] = [];
    const log = (line: string) => void lines.push(line);
    expect(await seedDemoProfile(runtime, options, log)).toBe(true);
    // Enrolment's warnings reach the log (the demo enrols too few images for a density component).
    expect(lines).toContainEqual(expect.stringMatching(/^demo profile: no density component: it needs at least 50 bank images/));
    expect(await seedDemoProfile(runtime, options, log)).toBe(false);

    // A later version that records another backbone, as after MMDO_BACKBONE changed or a new built-in shipped.
    const v1 = await runtime.profiles.load('local', 'demo');
    const { version: _version, ...rest } = v1;
    const other = await runtime.profiles.saveNewVersion('local', { ...rest, backbone: { id: 'other-backbone', sha256: 'f'.repeat(64) } });
    const sample = { tenant: 'local', name: 'sample-void.png', bytes: new Uint8Array(await readFile(join(home, 'samples', 'sample-void.png'))), profile: 'demo' };
    expect((await runtime.inspections.inspect(sample)).failure?.code).toBe('backbone_mismatch');

    expect(await seedDemoProfile(runtime, options, log)).toBe(true);
    expect(lines.join('\n')).toMatch(/enrolled with backbone other-backbone/);
    const latest = await runtime.profiles.load('local', 'demo');
    expect(latest.version).toBe(other + 1);
    expect(latest.backbone.sha256).toBe(runtime.backbone.descriptor.sha256);
    // The new version keeps the earlier images and adds its own.
    expect(latest.sources!.length).toBe(2 * options.images);
    expect((await runtime.inspections.inspect(sample)).status).toBe('completed');
  });
});

/** `npm start`'s demo has every component a product-default profile has: enough bank images for the density. */
test('the default demo enrols at least the density component\'s minimum of bank images', () => {
  const bank = DEFAULT_DEMO.images - calibrationCount(DEFAULT_DEMO.images, DEFAULT_DEMO.calibrationFraction!, false);
  const { density } = DEFAULT_SCORING_SETTINGS;
  expect(density.enabled).toBe(true);
  expect(bank).toBeGreaterThanOrEqual(Math.max(density.minBankImages, 2 * density.folds));
});

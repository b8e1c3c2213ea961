import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SharpImageEncoder } from '../../lambdas/adapters/image/sharp-image-encoder.js';
import { createLocalRuntime, type LocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { generateMicrograph, type AnomalyType } from '../../lambdas/domain/synth/index.js';

const SIZE = 256;
const PIXEL_UM = 0.1;
const encoder = new SharpImageEncoder();

async function micrograph(seed: number, anomaly?: AnomalyType) {
  const m = generateMicrograph({ seed, width: SIZE, height: SIZE, pixelSizeUm: PIXEL_UM, ...(anomaly ? { anomaly } : {}) });
  return { bytes: await encoder.encodePng(m.image), metadata: m.metadata as Record<string, unknown> };
}

/** The default pipeline on generated cathode micrographs: reports carry microstructure, findings and the phase overlay. */
describe('cathode inspection report with the microstructure stage', () => {
  let home: string;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'mmdo-cathode-'));
    runtime = await createLocalRuntime({ home, backboneOverride: 'builtin' });
    const normals = await Promise.all(Array.from({ length: 10 }, (_, i) => micrograph(500 + i)));
    await runtime.enrollment.enroll({
      tenant: 'local', profile: 'cathode', pixelSizeUm: PIXEL_UM,
      images: normals.map((n, i) => ({ name: `normal-${i}.png`, bytes: n.bytes })),
    });
  });
  afterAll(async () => {
    await runtime.close();
    await rm(home, { recursive: true, force: true });
  });

  test('a cracked micrograph gets the crack rule, a consistency component and a stored phase overlay', async () => {
    const cracked = await micrograph(900, 'crack');
    const report = await runtime.inspections.inspect({
      tenant: 'local', name: 'cracked.png', bytes: cracked.bytes, profile: 'cathode', metadata: cracked.metadata,
    });
    expect(report.status).toBe('completed');
    expect(report.microstructure).toMatchObject({ modality: 'sem', porosity: expect.anything() });
    expect(report.findings?.map((f) => f['rule'])).toContain('no-cracks');
    const consistency = report.scores!.components.find((c) => c.name === 'consistency');
    expect(consistency!.calibrated).toBeGreaterThanOrEqual(0.5);
    expect(report.scores!.verdict).not.toBe('normal');
    expect(report.artifacts.phases).toBeDefined();
    expect((await runtime.artifacts.get(report.artifacts.phases!))?.contentType).toBe('image/png');
  });

  test('a normal micrograph inspected with its own synthesis sheet raises no critical finding', async () => {
    const normal = await micrograph(901);
    const report = await runtime.inspections.inspect({
      tenant: 'local', name: 'normal.png', bytes: normal.bytes, profile: 'cathode', metadata: normal.metadata,
    });
    expect(report.status).toBe('completed');
    expect((report.findings ?? []).filter((f) => f['severity'] === 'critical')).toEqual([]);
    expect(report.scores!.components.map((c) => c.name)).toEqual(expect.arrayContaining(['patch', 'consistency']));
  });
});

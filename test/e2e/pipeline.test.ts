import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalRuntime, type LocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { drawCrack, drawVoid, grainTexture, toPng } from './textures.js';

const SIZE = 192;

/** Enrols a profile from generated normal textures, then inspects normal, defective and corrupt uploads. */
describe('end to end with the built-in backbone', () => {
  let home: string;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'mmdo-e2e-'));
    runtime = await createLocalRuntime({ home, backboneOverride: 'builtin' });
  });
  afterAll(async () => {
    await runtime.close();
    await rm(home, { recursive: true, force: true });
  });

  test('a defect scores above held-out normals and its top region overlaps it; a corrupt upload fails with its reason', async () => {
    const normals = await Promise.all(Array.from({ length: 12 }, (_, i) => toPng(grainTexture(SIZE, 100 + i))));
    const stages: string[] = [];
    const enrolled = await runtime.enrollment.enroll(
      { tenant: 'local', profile: 'grains', images: normals.map((bytes, i) => ({ name: `normal-${i}.png`, bytes })), pixelSizeUm: 0.5 },
      (stage) => stages.push(stage),
    );
    expect(enrolled).toMatchObject({ version: 1, bankImages: 10, calibrationImages: 2 });
    expect(stages).toContain('coreset');

    const heldOut = await Promise.all([200, 201, 202].map(async (seed) => runtime.inspections.inspect({
      tenant: 'local', name: `held-out-${seed}.png`, bytes: await toPng(grainTexture(SIZE, seed)), profile: 'grains',
    })));
    const defective = grainTexture(SIZE, 300);
    drawCrack(defective, 40, 60, 110, 90, 2);
    drawVoid(defective, 140, 140, 9);
    const defect = await runtime.inspections.inspect({ tenant: 'local', name: 'defect.png', bytes: await toPng(defective), profile: 'grains' });

    for (const r of heldOut) expect(r.status).toBe('completed');
    expect(defect.status).toBe('completed');
    const normalMax = Math.max(...heldOut.map((r) => r.scores!.score));
    expect(defect.scores!.score).toBeGreaterThan(normalMax);
    expect(defect.scores!.verdict).not.toBe('normal');
    expect(defect.profile).toEqual({ name: 'grains', version: 1 });
    expect(defect.backbone?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(defect.input.pixelSizeSource).toBe('profile');

    const top = defect.regions[0]!;
    const overlapsCrack = top.bbox.x < 110 && top.bbox.x + top.bbox.width > 40 && top.bbox.y < 92 && top.bbox.y + top.bbox.height > 58;
    const overlapsVoid = top.bbox.x < 149 && top.bbox.x + top.bbox.width > 131 && top.bbox.y < 149 && top.bbox.y + top.bbox.height > 131;
    expect(overlapsCrack || overlapsVoid).toBe(true);
    expect(top.areaUm2).toBeCloseTo(top.areaPx * 0.25, 5);

    for (const key of Object.values(defect.artifacts)) {
      const png = await runtime.artifacts.get(key);
      expect(png?.contentType).toBe('image/png');
    }
    expect((await runtime.reports.get('local', defect.id))?.scores?.score).toBe(defect.scores!.score);

    const corrupt = await runtime.inspections.inspect({ tenant: 'local', name: 'corrupt.png', bytes: (await toPng(defective)).slice(0, 200), profile: 'grains' });
    expect(corrupt.status).toBe('failed');
    expect(corrupt.failure).toMatchObject({ stage: 'decode', code: 'truncated_image' });
    expect((await runtime.reports.get('local', corrupt.id))?.status).toBe('failed');
  });
});

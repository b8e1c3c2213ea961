import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalRuntime, type LocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { DEFAULT_FUSION_WEIGHTS } from '../../lambdas/domain/profile/settings.js';
import { drawCrack, drawVoid, grainTexture, toPng } from './textures.js';

const SIZE = 192;

/** Enrols a profile from generated normal textures, then inspects normal, defective and corrupt uploads. */
describe('end to end with the built-in backbone', () => {
  let home: string;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'mmdo-e2e-'));
    // Grain textures are not cathode micrographs: the microstructure stage (tested in cathode-report.test.ts) would
    // rightly flag their large dark grains as voids, so the profile fuses the patch and novelty scores alone.
    runtime = await createLocalRuntime({
      home, backboneOverride: 'builtin',
      enrollment: { recipe: { settings: { fusion: { components: ['patch', 'novelty'], weights: { ...DEFAULT_FUSION_WEIGHTS } } } } },
    });
  });
  afterAll(async () => {
    await runtime.close();
    await rm(home, { recursive: true, force: true });
  });

  test('a crack and a void each score above held-out normals and are flagged, with the top region on the defect; a corrupt upload fails with its reason', async () => {
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
    for (const r of heldOut) expect(r.status).toBe('completed');
    const normalMax = Math.max(...heldOut.map((r) => r.scores!.score));

    const cracked = grainTexture(SIZE, 300);
    drawCrack(cracked, 40, 60, 110, 90, 2);
    const voided = grainTexture(SIZE, 301);
    drawVoid(voided, 140, 140, 9);
    const inspect = async (name: string, image: typeof cracked) =>
      runtime.inspections.inspect({ tenant: 'local', name, bytes: await toPng(image), profile: 'grains' });
    const crack = await inspect('crack.png', cracked);
    const defect = await inspect('void.png', voided);
    const boxes = { crack: { x0: 40, x1: 110, y0: 58, y1: 92 }, void: { x0: 131, x1: 149, y0: 131, y1: 149 } };
    for (const [report, box] of [[crack, boxes.crack], [defect, boxes.void]] as const) {
      expect(report.status).toBe('completed');
      expect({ name: report.input.name, above: report.scores!.score > normalMax, verdict: report.scores!.verdict })
        .toEqual({ name: report.input.name, above: true, verdict: expect.stringMatching(/^(suspect|anomalous)$/) });
      const top = report.regions[0]!;
      expect(top.bbox.x < box.x1 && top.bbox.x + top.bbox.width > box.x0 && top.bbox.y < box.y1 && top.bbox.y + top.bbox.height > box.y0).toBe(true);
    }
    expect(defect.scores!.components.map((c) => c.name)).toEqual(['patch', 'novelty']);
    expect(defect.profile).toEqual({ name: 'grains', version: 1 });
    expect(defect.backbone?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(defect.input.pixelSizeSource).toBe('profile');
    const top = defect.regions[0]!;
    expect(top.areaUm2).toBeCloseTo(top.areaPx * 0.25, 5);

    for (const key of Object.values(defect.artifacts)) {
      const png = await runtime.artifacts.get(key);
      expect(png?.contentType).toBe('image/png');
    }
    expect((await runtime.reports.get('local', defect.id))?.scores?.score).toBe(defect.scores!.score);

    const corrupt = await runtime.inspections.inspect({ tenant: 'local', name: 'corrupt.png', bytes: (await toPng(voided)).slice(0, 200), profile: 'grains' });
    expect(corrupt.status).toBe('failed');
    expect(corrupt.failure).toMatchObject({ stage: 'ingest', code: 'truncated_image' });
    expect((await runtime.reports.get('local', corrupt.id))?.status).toBe('failed');
  });
});

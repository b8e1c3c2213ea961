import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalRuntime, type LocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import type { InspectionStage } from '../../lambdas/application/contracts.js';
import { DEFAULT_BORDER_PAD } from '../../lambdas/application/features.js';
import { grainTexture, toPng } from '../e2e/textures.js';

const SIZE = 96;
const png = (seed: number) => toPng(grainTexture(SIZE, seed));

/** A real (tiny) extra stage: mean brightness as a "metric", flagged when far from mid-grey. */
const brightness: InspectionStage = {
  name: 'brightness',
  async run({ original, metadata }) {
    const mean = original.data.reduce((a, b) => a + b, 0) / original.data.length;
    const expected = typeof metadata?.expectedMean === 'number' ? metadata.expectedMean : 0.5;
    const raw = Math.abs(mean - expected);
    return { component: { raw, calibrated: Math.min(1, raw * 4), weight: 0.15 }, microstructure: { meanIntensity: mean }, findings: [{ rule: 'brightness', raw }] };
  },
};

describe('enrolment and inspection services (built-in backbone)', () => {
  let home: string;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'mmdo-app-'));
    runtime = await createLocalRuntime({ home, backboneOverride: 'builtin', stages: [brightness] });
  });
  afterAll(async () => {
    await runtime.close();
    await rm(home, { recursive: true, force: true });
  });

  test('enrolling more images makes a new version that keeps the earlier images in their roles', async () => {
    const first = await Promise.all([1, 2, 3, 4, 5, 6].map(async (s) => ({ name: `a${s}.png`, bytes: await png(s) })));
    const fractions: number[] = [];
    const v1 = await runtime.enrollment.enroll({ tenant: 'local', profile: 'grow', images: first, seed: 3 }, (_s, f) => fractions.push(f));
    expect(v1).toMatchObject({ version: 1, bankImages: 5, calibrationImages: 1 });
    expect(fractions.at(-1)).toBe(1);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);

    const p1 = await runtime.profiles.load('local', 'grow');
    expect(p1.enrolled.bank.filter((n) => p1.enrolled.calibration.includes(n))).toEqual([]);
    expect(p1.sources).toHaveLength(6);
    expect(p1.bank.count).toBeGreaterThan(0);
    expect(p1.embeddings.ids).toEqual(p1.enrolled.bank);
    expect(p1.features.borderPad).toBe(DEFAULT_BORDER_PAD);

    const more = [...(await Promise.all([7, 8, 9, 10, 11].map(async (s) => ({ name: `b${s}.png`, bytes: await png(s) })))), first[0]!];
    const v2 = await runtime.enrollment.enroll({ tenant: 'local', profile: 'grow', images: more, seed: 3 });
    expect(v2.version).toBe(2);
    expect(v2.bankImages + v2.calibrationImages).toBe(11); // the repeated image counts once
    const p2 = await runtime.profiles.load('local', 'grow');
    for (const name of p1.enrolled.bank) expect(p2.enrolled.bank).toContain(name);
    for (const name of p1.enrolled.calibration) expect(p2.enrolled.calibration).toContain(name);
    expect(p2.enrolled.bank.filter((n) => p2.enrolled.calibration.includes(n))).toEqual([]);
    expect((await runtime.profiles.load('local', 'grow', 1)).enrolled.bank).toEqual(p1.enrolled.bank);

    await expect(runtime.enrollment.enroll({ tenant: 'local', profile: 'grow', images: [first[1]!] })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(runtime.enrollment.enroll({ tenant: 'local', profile: 'lonely', images: [first[1]!] })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  test('inspection names the version, resamples to the profile pixel size, runs extra stages and fuses them', async () => {
    const images = await Promise.all([21, 22, 23, 24, 25].map(async (s) => ({ name: `n${s}.png`, bytes: await png(s) })));
    await runtime.enrollment.enroll({ tenant: 'local', profile: 'scaled', images, pixelSizeUm: 1 });
    const big = await toPng(grainTexture(SIZE * 2, 99));
    const report = await runtime.inspections.inspect({
      tenant: 'local', name: 'half-size-pixels.png', bytes: big, profile: 'scaled', profileVersion: 1, pixelSizeUm: 0.5, metadata: { batch: 'B7', expectedMean: 0.5 },
    });
    expect(report.status).toBe('completed');
    expect(report.profile).toEqual({ name: 'scaled', version: 1 });
    expect(report.input).toMatchObject({ width: SIZE * 2, height: SIZE * 2, pixelSizeUm: 0.5, pixelSizeSource: 'caller' });
    expect(report.microstructure?.meanIntensity).toEqual(expect.any(Number));
    expect(report.findings).toHaveLength(1);
    expect(report.scores!.components.map((c) => c.name).sort()).toEqual(['consistency', 'novelty', 'patch']);
    const contributions = report.scores!.components.reduce((n, c) => n + c.contribution, 0);
    expect(contributions).toBeCloseTo(1, 5);
    expect(report.novelty!.nearest[0]!.id).toMatch(/^n2\d\.png$/);
    for (const stage of ['decode', 'embed', 'score', 'regions', 'render', 'brightness']) expect(report.timingsMs[stage]).toBeGreaterThanOrEqual(0);
    expect((await runtime.reports.list('local', { batch: 'B7' })).items.map((r) => r.id)).toEqual([report.id]);
  });

  test('bad input and unknown profiles end in stored failed reports naming the stage', async () => {
    const empty = await runtime.inspections.inspect({ tenant: 'local', name: 'empty.png', bytes: new Uint8Array(0), profile: 'grow' });
    expect(empty).toMatchObject({ status: 'failed', failure: { stage: 'decode', code: 'empty_input' }, scores: null });
    const text = await runtime.inspections.inspect({ tenant: 'local', name: 'notes.txt', bytes: new TextEncoder().encode('hello, not an image'), profile: 'grow' });
    expect(text.failure).toMatchObject({ stage: 'decode', code: 'unsupported_format' });
    const missing = await runtime.inspections.inspect({ tenant: 'local', name: 'ok.png', bytes: await png(5), profile: 'nope', reportId: 'given-id' });
    expect(missing).toMatchObject({ id: 'given-id', status: 'failed', failure: { stage: 'profile', code: 'not_found' } });
    expect(missing.input.width).toBe(SIZE);
    for (const r of [empty, text, missing]) expect((await runtime.reports.get('local', r.id))?.failure?.code).toBe(r.failure!.code);
  });
});

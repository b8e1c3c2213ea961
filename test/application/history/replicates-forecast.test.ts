import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalRuntime, type LocalRuntime } from '../../../lambdas/adapters/local/runtime.js';
import { attachHistory } from '../../../lambdas/application/history/attach.js';
import { syntheticHistoryFromFeatures } from '../../../lambdas/application/history/synthetic.js';
import { expectedLogFadeRate } from '../../../lambdas/domain/decision/degradation.js';
import { retentionFromFadeRate } from '../../../lambdas/domain/decision/forecast.js';
import { forecastFeatures } from '../../../lambdas/domain/report/metrics.js';
import type { Report } from '../../../lambdas/domain/report/report.js';
import { generateMicrograph, type SynthParamsInput } from '../../../lambdas/domain/synth/micrograph.js';
import { encodeGreyPng } from '../../../lambdas/local/demo-profile.js';

const TENANT = 'lab';
const PIXEL_UM = 0.1;
const SIZE = 160;
let home: string;
let runtime: LocalRuntime;

const png = (seed: number, params: SynthParamsInput = {}) => encodeGreyPng(generateMicrograph({ seed, width: SIZE, height: SIZE, pixelSizeUm: PIXEL_UM, params }).image);
const inspect = async (name: string, bytes: Uint8Array, metadata?: Record<string, unknown>): Promise<Report> =>
  runtime.inspections.inspect({ tenant: TENANT, name, bytes, profile: 'cathode', pixelSizeUm: PIXEL_UM, ...(metadata ? { metadata } : {}) });

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mmdo-history-'));
  runtime = await createLocalRuntime({ home, backboneOverride: 'builtin', env: {} });
  const normals = await Promise.all(Array.from({ length: 6 }, (_, i) => png(10 + i)));
  await runtime.enrollment.enroll({ tenant: TENANT, profile: 'cathode', images: normals.map((bytes, i) => ({ name: `n${i}.png`, bytes })), pixelSizeUm: PIXEL_UM });
}, 60_000);

afterAll(async () => {
  await runtime?.close();
  await rm(home, { recursive: true, force: true });
});

describe('reproducibility across replicate fields of view', () => {
  test('a first field has no figure; later fields of the same batch and sample are compared with the earlier ones', async () => {
    const sheet = { 'Batch ID': 'B-1', 'Sample': 'S-1' };
    const first = await inspect('s1-a.png', await png(200), sheet);
    expect(first.reproducibility).toBeUndefined();
    expect(first.scores!.components.map((c) => c.name)).not.toContain('reproducibility');
    const second = await inspect('s1-b.png', await png(201), sheet);
    expect(second.reproducibility).toMatchObject({ fields: 2, batchId: 'B-1', sampleId: 'S-1', reportIds: [first.id] });
    const third = await inspect('s1-c.png', await png(202), sheet);
    expect(third.reproducibility!.fields).toBe(3);
    expect(third.reproducibility!.reportIds.sort()).toEqual([first.id, second.id].sort());
    const porosity = third.reproducibility!.metrics.find((m) => m.metric === 'porosity')!;
    expect(porosity.n).toBe(3);
    expect(porosity.cv).toBeGreaterThanOrEqual(0);
    const component = third.scores!.components.find((c) => c.name === 'reproducibility')!;
    expect(component.calibrated).toBeCloseTo(1 - third.reproducibility!.score, 10);
    // Another sample of the same batch is not a replicate.
    expect((await inspect('s2-a.png', await png(203), { 'Batch ID': 'B-1', Sample: 'S-2' })).reproducibility).toBeUndefined();
  }, 60_000);

  test('a field that disagrees with its replicates is named in the findings and scores worse', async () => {
    const sheet = { batch: 'B-2', sample: 'S-9' };
    await inspect('b2-a.png', await png(300), sheet);
    const same = await inspect('b2-b.png', await png(301), sheet);
    const odd = await inspect('b2-c.png', await png(302, { porosity: 0.28, sulfurAreaFraction: 0.05, particleD50Um: 6 }), sheet);
    expect(odd.reproducibility!.score).toBeLessThan(same.reproducibility!.score);
    expect(odd.reproducibility!.findings.map((f) => f.metric)).toEqual(expect.arrayContaining(['porosity']));
  }, 60_000);
});

describe('capacity-retention forecast', () => {
  test('without enough cycling history the report says why, and shows no number', async () => {
    const report = await inspect('lonely.png', await png(400));
    expect(report.forecast).toEqual({ available: false, reason: expect.stringMatching(/batches have capacity history up to cycle 100/) });
  });

  test('with synthetic histories of enough batches: a forecast with its interval, labelled synthetic, near the model', async () => {
    for (let b = 0; b < 12; b++) {
      const params: SynthParamsInput = { porosity: 0.04 + 0.02 * (b % 6), particleD50Um: 1 + 0.5 * (b % 4), sulfurAreaFraction: 0.12 + 0.02 * (b % 5) };
      const report = await inspect(`f${b}.png`, await png(500 + b, params), { batch: `F-${b}` });
      const features = forecastFeatures(report.microstructure, report.input)!;
      expect(features).toHaveLength(4);
      await attachHistory({ reports: runtime.reports, histories: runtime.histories }, {
        tenant: TENANT, batchId: `F-${b}`, points: syntheticHistoryFromFeatures(features, 900 + b), synthetic: true,
      });
    }
    const report = await inspect('new-batch.png', await png(600, { porosity: 0.1, particleD50Um: 2 }));
    const forecast = report.forecast!;
    expect(forecast.available).toBe(true);
    if (!forecast.available) return;
    expect(forecast).toMatchObject({ cycle: 100, confidence: 0.9, trainingBatches: 12, synthetic: true });
    expect(forecast.lower).toBeLessThan(forecast.retention);
    expect(forecast.retention).toBeLessThan(forecast.upper);
    // The model that generated the histories, at this image's features, lies inside the prediction interval.
    const [porosity, lnSulfur, lnD50, cracks] = Object.values(forecast.features) as [number, number, number, number];
    const truth = retentionFromFadeRate(expectedLogFadeRate({ porosity, sulfurLoading: 10 * Math.exp(lnSulfur), particleSize: Math.exp(lnD50), crackDensity: cracks }), 100);
    expect(truth).toBeGreaterThan(forecast.lower);
    expect(truth).toBeLessThan(forecast.upper);
  }, 120_000);
});

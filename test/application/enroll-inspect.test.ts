import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalRuntime, type LocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { STAGES } from '../../lambdas/application/pipeline/definition.js';
import { DEFAULT_BORDER_PAD, DEFAULT_SCORING_SETTINGS, DEFAULT_TILE_SIZE, tileOverlap } from '../../lambdas/domain/profile/settings.js';
import { createGreyImage } from '../../lambdas/domain/image/grey-image.js';
import { operatingPoint } from '../../lambdas/domain/scoring/operating.js';
import { calibrate, calibrateConsistency, leaveOneOut, thresholdsFromNormals } from '../../lambdas/domain/scoring/calibration.js';
import { fuse } from '../../lambdas/domain/scoring/fusion.js';
import { CROSS_FIT_MIN_NORMALS } from '../../lambdas/application/operating-point.js';
import { grainTexture, toPng } from '../e2e/textures.js';
import { makeTestImage, testSamples } from '../support/images.js';

const SIZE = 96;
const png = (seed: number) => toPng(grainTexture(SIZE, seed));

describe('enrolment and inspection services (built-in backbone)', () => {
  let home: string;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'mmdo-app-'));
    runtime = await createLocalRuntime({ home, backboneOverride: 'builtin' });
  });
  /** A runtime whose profiles fit their density on ten bank images (the product default needs 50), to keep tests short. */
  const denseRuntime = (density: Partial<typeof DEFAULT_SCORING_SETTINGS.density> = {}, noveltyFitCalibration = DEFAULT_SCORING_SETTINGS.noveltyFitCalibration) => createLocalRuntime({
    home, backboneOverride: 'builtin',
    enrollment: { recipe: { settings: { noveltyFitCalibration, density: { ...DEFAULT_SCORING_SETTINGS.density, minBankImages: 10, ...density } } } },
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
    // Too few bank images for the density component's five folds: the version has none and says so.
    expect(v1.warnings).toEqual([expect.stringMatching(/needs at least 50 bank images .*, this version has 5/)]);
    expect(fractions.at(-1)).toBe(1);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);

    const p1 = await runtime.profiles.load('local', 'grow');
    expect(p1.enrolled.bank.filter((n) => p1.enrolled.calibration.includes(n))).toEqual([]);
    expect(p1.sources).toHaveLength(6);
    expect(p1.bank.count).toBeGreaterThan(0);
    // New profiles join the calibration images' embeddings to the bank's once they have set the thresholds.
    expect(p1.embeddings.ids).toEqual([...p1.enrolled.bank, ...p1.enrolled.calibration]);
    // The version records every setting that changes a score: the defaults, the tiles' overlap from the backbone,
    // the heatmap floor from the calibration maps, the operating point from the calibration normals' fused scores.
    const d = runtime.backbone.descriptor;
    const strides = d.layers.filter((l) => p1.features.layers.includes(l.name)).map((l) => l.stride);
    expect(p1.settings).toEqual({
      ...DEFAULT_SCORING_SETTINGS,
      tiling: { tileSize: DEFAULT_TILE_SIZE, overlap: tileOverlap(DEFAULT_TILE_SIZE, d.sizeMultiple, strides) },
      heatmapLow: expect.any(Number),
      // The built-in embedding layer is stride 16: no map-only layer.
      density: { ...DEFAULT_SCORING_SETTINGS.density, layers: [d.embeddingLayer], mapLayers: [] },
      operating: { ...DEFAULT_SCORING_SETTINGS.operating, source: 'extrapolated', thresholds: expect.any(Object), calibrationSize: p1.enrolled.calibration.length, warning: expect.stringMatching(/needs 99 normals/) },
    });
    expect(p1.calibration.normalConsistencyScores).toHaveLength(p1.enrolled.calibration.length);
    expect(p1.density).toBeUndefined();
    expect(p1.settings.borderPad).toBe(DEFAULT_BORDER_PAD);
    expect(p1.settings.heatmapLow).toBeLessThan(p1.calibration.pixelThreshold);

    const more = [...(await Promise.all([7, 8, 9, 10, 11].map(async (s) => ({ name: `b${s}.png`, bytes: await png(s) })))), first[0]!];
    const v2 = await runtime.enrollment.enroll({ tenant: 'local', profile: 'grow', images: more, seed: 3 });
    expect(v2.version).toBe(2);
    expect(v2.bankImages + v2.calibrationImages).toBe(11); // the repeated image counts once
    const p2 = await runtime.profiles.load('local', 'grow');
    for (const name of p1.enrolled.bank) expect(p2.enrolled.bank).toContain(name);
    for (const name of p1.enrolled.calibration) expect(p2.enrolled.calibration).toContain(name);
    expect(p2.enrolled.bank.filter((n) => p2.enrolled.calibration.includes(n))).toEqual([]);
    expect((await runtime.profiles.load('local', 'grow', 1)).enrolled.bank).toEqual(p1.enrolled.bank);
    // The next version keeps the previous one's settings; only the heatmap floor and the operating point are recalibrated.
    expect(p2.settings).toEqual({ ...p1.settings, heatmapLow: p2.settings.heatmapLow, operating: { ...p1.settings.operating, thresholds: p2.settings.operating.thresholds, calibrationSize: p2.enrolled.calibration.length, warning: p2.settings.operating.warning } });

    await expect(runtime.enrollment.enroll({ tenant: 'local', profile: 'grow', images: [first[1]!] })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(runtime.enrollment.enroll({ tenant: 'local', profile: 'lonely', images: [first[1]!] })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  test('a working scale in the profile: the patch path sees the image resized, the maps come back at the image size', async () => {
    const scaledHome = await mkdtemp(join(tmpdir(), 'mmdo-scale-'));
    const scaled = await createLocalRuntime({ home: scaledHome, backboneOverride: 'builtin', enrollment: { recipe: { settings: { workingScale: 2 } } } });
    try {
      const images = await Promise.all([31, 32, 33, 34, 35].map(async (s) => ({ name: `w${s}.png`, bytes: await png(s) })));
      await scaled.enrollment.enroll({ tenant: 'local', profile: 'fine', images });
      const profile = await scaled.profiles.load('local', 'fine');
      expect(profile.settings.workingScale).toBe(2);
      const report = await scaled.inspections.inspect({ tenant: 'local', name: 'q.png', bytes: await png(36), profile: 'fine' });
      expect(report.status).toBe('completed');
      for (const name of ['heatmap', 'overlay'] as const) {
        const stored = await scaled.artifacts.get(report.artifacts[name]!);
        expect(await sharp(Buffer.from(stored!.bytes)).metadata()).toMatchObject({ width: SIZE, height: SIZE });
      }
      // The same upload against a profile at the native scale scores differently: the backbone saw other pixels.
      await runtime.enrollment.enroll({ tenant: 'local', profile: 'native', images });
      const native = await runtime.inspections.inspect({ tenant: 'local', name: 'q.png', bytes: await png(36), profile: 'native' });
      expect(native.scores!.components.find((c) => c.name === 'patch')!.raw).not.toBe(report.scores!.components.find((c) => c.name === 'patch')!.raw);
    } finally {
      await scaled.close();
      await rm(scaledHome, { recursive: true, force: true });
    }
  });

  test('inspection names the version, resamples to the profile pixel size, runs every stage and fuses the profile\'s components', async () => {
    const images = await Promise.all([21, 22, 23, 24, 25].map(async (s) => ({ name: `n${s}.png`, bytes: await png(s) })));
    await runtime.enrollment.enroll({ tenant: 'local', profile: 'scaled', images, pixelSizeUm: 1 });
    const big = await toPng(grainTexture(SIZE * 2, 99));
    const stages: string[] = [];
    const report = await runtime.inspections.inspect({
      tenant: 'local', name: 'half-size-pixels.png', bytes: big, profile: 'scaled', profileVersion: 1, pixelSizeUm: 0.5, metadata: { batch: 'B7' },
    }, (stage) => stages.push(stage));
    expect(report.status).toBe('completed');
    expect(report.profile).toEqual({ name: 'scaled', version: 1 });
    expect(report.input).toMatchObject({ width: SIZE * 2, height: SIZE * 2, pixelSizeUm: 0.5, pixelSizeSource: 'caller' });
    // The declared pixel size drives the resampling: 100 µm/px onto the profile's 1 µm/px would be 9600² pixels.
    const huge = await runtime.inspections.inspect({ tenant: 'local', name: 'coarse.png', bytes: await png(26), profile: 'scaled', pixelSizeUm: 100 });
    expect(huge).toMatchObject({ status: 'failed', failure: { stage: 'normalise', code: 'too_many_pixels' } });
    expect(report.metadata).toEqual({ batch: 'B7' });
    // The microstructure stage measures the original (at its own pixel size) and its consistency is fused.
    expect(report.microstructure).toEqual(expect.any(Object));
    expect(Object.keys(report.artifacts).sort()).toEqual(['heatmap', 'micrograph', 'overlay', 'phases']);
    expect(report.scores!.components.map((c) => c.name).sort()).toEqual(['consistency', 'novelty', 'patch']);
    const contributions = report.scores!.components.reduce((n, c) => n + c.contribution, 0);
    expect(contributions).toBeCloseTo(1, 5);
    expect(report.novelty!.nearest[0]!.id).toMatch(/^n2\d\.png$/);
    // Each neighbour names its enrolled image's content hash (its thumbnail's name): the hash of that image's bytes.
    const hashOf = new Map(images.map((i) => [i.name, createHash('sha256').update(i.bytes).digest('hex')]));
    expect(report.novelty!.nearest.length).toBeGreaterThan(0);
    for (const n of report.novelty!.nearest) expect(n.sha256).toBe(hashOf.get(n.id));
    // Every stage started once (independent ones overlap, so not strictly in list order), the write last; every stage
    // but write was timed (write stores the report that holds the timings).
    expect([...stages].sort()).toEqual([...STAGES.map((s) => s.name), 'done'].sort());
    expect(stages.slice(-2)).toEqual(['write', 'done']);
    for (const stage of STAGES.filter((s) => s.name !== 'write')) expect(report.timingsMs[stage.name]).toBeGreaterThanOrEqual(0);
    expect((await runtime.reports.list('local', { batch: 'B7' })).items.map((r) => r.id)).toEqual([report.id]);
  });

  test('the micrograph artifact is the image as ingested: full resolution, grey, 8 bit (a 16-bit TIFF too)', async () => {
    const texture = grainTexture(SIZE * 2, 98);
    // The file's own channels (sharp's raw output would be sRGB), and its first channel's bytes.
    const raw = async (bytes: Uint8Array) => ({ info: await sharp(bytes).metadata(), data: await sharp(bytes).extractChannel(0).raw().toBuffer() });
    const png8 = await runtime.inspections.inspect({ tenant: 'local', name: 'eight.png', bytes: await toPng(texture), profile: 'scaled' });
    const same = await raw((await runtime.artifacts.get(png8.artifacts.micrograph!))!.bytes);
    expect(same.info).toMatchObject({ format: 'png', width: SIZE * 2, height: SIZE * 2, channels: 1, depth: 'uchar' });
    expect(same.data.equals((await raw(await toPng(texture))).data)).toBe(true);

    const spec = { width: SIZE * 2, height: SIZE * 2, bitDepth: 16, value: (x: number, y: number) => texture.data[y * SIZE * 2 + x]! } as const;
    const words = testSamples(spec);
    const deep = await runtime.inspections.inspect({ tenant: 'local', name: 'deep.tif', bytes: await makeTestImage({ ...spec, format: 'tiff' }), profile: 'scaled' });
    expect(deep.input).toMatchObject({ format: 'tiff', bitDepth: 16 });
    const shown = await raw((await runtime.artifacts.get(deep.artifacts.micrograph!))!.bytes);
    expect(shown.info).toMatchObject({ format: 'png', width: SIZE * 2, height: SIZE * 2, channels: 1, depth: 'uchar' });
    expect([...shown.data].every((v, i) => Math.abs(v - words[i]! / 257) <= 0.5 + 1e-9)).toBe(true);
  });

  test('with enough bank images a version has a density component: stored, reported per block and fused', async () => {
    const images = await Promise.all(Array.from({ length: 13 }, (_, i) => 41 + i).map(async (s) => ({ name: `d${s}.png`, bytes: await png(s) })));
    const few = await runtime.enrollment.enroll({ tenant: 'local', profile: 'sparse', images, seed: 5 });
    expect(few.warnings).toEqual([expect.stringMatching(/^no density component: it needs at least 50 bank images .*, this version has 1\d$/)]);
    expect(few.timingsMs).not.toHaveProperty('density'); // the bank's count was known: no views were computed
    // With a map-only layer of another stride (stride 8 beside the stride-16 embedding layer); density and embeddings
    // from the bank only, so inspections of the calibration images reproduce their stored scores (the refits have
    // their own tests below).
    const dense = await denseRuntime({ mapLayers: ['stride8'], fitCalibration: false }, false);
    const enrolled = await dense.enrollment.enroll({ tenant: 'local', profile: 'dense', images, seed: 5 }).finally(() => dense.close());
    expect(enrolled.bankImages).toBeGreaterThanOrEqual(10);
    expect(enrolled.warnings).toBeUndefined();
    const profile = await runtime.profiles.load('local', 'dense');
    const layer = runtime.backbone.descriptor.embeddingLayer;
    const blocks = [`${layer}.mean`, `${layer}.std`, `${layer}.mean.log`, `${layer}.std.log`]; // product default: with log blocks
    // The map-only layer is fitted too, with weight 0 in the score (and not in the report's blocks).
    const mapOnly = ['stride8.mean', 'stride8.std', 'stride8.mean.log', 'stride8.std.log'];
    const stored = [blocks[0], blocks[1], mapOnly[0], mapOnly[1], blocks[2], blocks[3], mapOnly[2], mapOnly[3]];
    expect(profile.density!.blocks.map((b) => [b.name, b.model.count, b.weight, b.mapWeight]))
      .toEqual(stored.map((name) => [name, enrolled.bankImages, name!.startsWith('stride8') ? 0 : 0.25, 0.25]));
    expect(profile.calibration.normalDensityScores).toHaveLength(enrolled.calibrationImages);

    const normal = await runtime.inspections.inspect({ tenant: 'local', name: 'normal.png', bytes: await png(60), profile: 'dense' });
    expect(normal.density!.blocks.map((b) => b.name)).toEqual(blocks);
    expect(normal.density!.score).toBeCloseTo(normal.density!.blocks.reduce((s, b) => s + b.weight * b.z, 0), 6);
    expect(normal.scores!.components.map((c) => c.name)).toContain('density');
    // A smooth ramp, nothing like the enrolled grains, sits far from the normals' pooled statistics.
    const ramp = createGreyImage(SIZE, SIZE, Float32Array.from({ length: SIZE * SIZE }, (_, i) => (i % SIZE) / SIZE));
    const smooth = await runtime.inspections.inspect({ tenant: 'local', name: 'ramp.png', bytes: await toPng(ramp), profile: 'dense' });
    expect(smooth.density!.score).toBeGreaterThan(normal.density!.score + 3);

    // The operating thresholds come from the calibration normals' fused scores as an inspection fuses them,
    // density included (inspections of the same bytes reproduce those scores); so few normals stay in sample.
    const calibration = images.filter((i) => profile.enrolled.calibration.includes(i.name));
    expect(calibration).toHaveLength(enrolled.calibrationImages);
    expect(calibration.length).toBeLessThan(CROSS_FIT_MIN_NORMALS);
    const fused: number[] = [];
    for (const image of calibration) {
      const report = await runtime.inspections.inspect({ tenant: 'local', name: image.name, bytes: image.bytes, profile: 'dense' });
      expect(report.scores!.components.map((c) => c.name)).toContain('density');
      fused.push(report.scores!.score);
    }
    const expected = operatingPoint(fused, profile.settings.operating);
    expect(profile.settings.operating.thresholds.suspect).toBeCloseTo(expected.thresholds.suspect, 6);
    expect(profile.settings.operating.thresholds.anomalous).toBeCloseTo(expected.thresholds.anomalous, 6);
  });

  test('with density.fitCalibration the density is refitted on bank and calibration images after they set the thresholds', async () => {
    const images = await Promise.all(Array.from({ length: 13 }, (_, i) => 41 + i).map(async (s) => ({ name: `d${s}.png`, bytes: await png(s) })));
    const enrolWith = async (profile: string, fitCalibration: boolean) => {
      const dense = await denseRuntime({ views: 1, fitCalibration });
      const enrolled = await dense.enrollment.enroll({ tenant: 'local', profile, images, seed: 5 }).finally(() => dense.close());
      return { enrolled, profile: await runtime.profiles.load('local', profile) };
    };
    const bankOnly = await enrolWith('bank-only', false);
    const refit = await enrolWith('refit', true);
    const { bankImages, calibrationImages } = refit.enrolled;
    expect(refit.profile.settings.density.fitCalibration).toBe(true);
    expect(bankOnly.profile.density!.blocks.map((b) => b.model.count)).toEqual([bankImages, bankImages, bankImages, bankImages]);
    expect(refit.profile.density!.blocks.map((b) => b.model.count)).toEqual(Array(4).fill(bankImages + calibrationImages));
    // The calibration normals were scored by the bank's fit (out of sample): the same scores and operating point.
    expect(refit.profile.calibration.normalDensityScores).toEqual(bankOnly.profile.calibration.normalDensityScores);
    expect(refit.profile.settings.operating).toEqual(bankOnly.profile.settings.operating);
    // Inspected now, with the refit that holds them, they sit closer to the normals than they did out of sample.
    const calibration = images.filter((i) => refit.profile.enrolled.calibration.includes(i.name));
    let inSample = 0;
    for (const image of calibration) {
      const report = await runtime.inspections.inspect({ tenant: 'local', name: image.name, bytes: image.bytes, profile: 'refit' });
      inSample += report.density!.score;
    }
    const outOfSample = refit.profile.calibration.normalDensityScores!.reduce((a, b) => a + b, 0);
    expect(inSample).toBeLessThan(outOfSample);
  });

  test('with noveltyFitCalibration the calibration images join the enrolled embeddings after they set the thresholds', async () => {
    const images = await Promise.all(Array.from({ length: 8 }, (_, i) => 111 + i).map(async (s) => ({ name: `e${s}.png`, bytes: await png(s) })));
    const enrolWith = async (profile: string, noveltyFitCalibration: boolean) => {
      const plain = await createLocalRuntime({ home, backboneOverride: 'builtin', enrollment: { recipe: { settings: { noveltyFitCalibration } } } });
      await plain.enrollment.enroll({ tenant: 'local', profile, images, seed: 4, calibrationFraction: 0.4 }).finally(() => plain.close());
      return runtime.profiles.load('local', profile);
    };
    const bankOnly = await enrolWith('novelty-bank', false);
    const joined = await enrolWith('novelty-joined', true);
    expect(joined.settings.noveltyFitCalibration).toBe(true);
    expect(bankOnly.embeddings.ids).toEqual(bankOnly.enrolled.bank);
    expect(joined.embeddings.ids).toEqual([...joined.enrolled.bank, ...joined.enrolled.calibration]);
    expect(joined.embeddings.vectors.subarray(0, bankOnly.embeddings.vectors.length)).toEqual(bankOnly.embeddings.vectors);
    // The calibration normals' distances were measured to the bank alone (out of sample): the same scores and operating point.
    expect(joined.calibration.normalNoveltyScores).toEqual(bankOnly.calibration.normalNoveltyScores);
    expect(Math.min(...joined.calibration.normalNoveltyScores)).toBeGreaterThan(0);
    expect(joined.settings.operating).toEqual(bankOnly.settings.operating);
    // Inspected now, a calibration image finds itself: distance 0, named with its own thumbnail's hash.
    const [first] = images.filter((i) => joined.enrolled.calibration.includes(i.name));
    const report = await runtime.inspections.inspect({ tenant: 'local', name: first!.name, bytes: first!.bytes, profile: 'novelty-joined' });
    expect(report.novelty!.nearest[0]!.distance).toBeCloseTo(0, 4);
    expect(report.novelty!.nearest[0]).toMatchObject({ id: first!.name, sha256: createHash('sha256').update(first!.bytes).digest('hex') });
  });

  test('from 20 calibration normals on, each one\'s components are calibrated on the others before the operating point is set', async () => {
    const images = await Promise.all(Array.from({ length: 32 }, (_, i) => 71 + i).map(async (s) => ({ name: `x${s}.png`, bytes: await png(s) })));
    // With a density component (one view, to stay short), so every component is cross-fitted.
    const dense = await denseRuntime({ views: 1, fitCalibration: false }, false);
    const enrolled = await dense.enrollment.enroll({ tenant: 'local', profile: 'crossfit', images, seed: 2, calibrationFraction: 0.65 }).finally(() => dense.close());
    expect(enrolled.calibrationImages).toBeGreaterThanOrEqual(CROSS_FIT_MIN_NORMALS);
    const profile = await runtime.profiles.load('local', 'crossfit');
    const normalsOf: Record<string, readonly number[]> = {
      patch: profile.calibration.normalImageScores, novelty: profile.calibration.normalNoveltyScores, consistency: profile.calibration.normalConsistencyScores!,
      density: profile.calibration.normalDensityScores!,
    };
    const crossFitted: number[] = [];
    const inSample: number[] = [];
    for (const image of images.filter((i) => profile.enrolled.calibration.includes(i.name))) {
      const report = await runtime.inspections.inspect({ tenant: 'local', name: image.name, bytes: image.bytes, profile: 'crossfit' });
      inSample.push(report.scores!.score);
      expect(report.scores!.components.map((c) => c.name)).toContain('density');
      const parts = report.scores!.components.filter((c) => profile.settings.fusion.components.includes(c.name)).map(({ name, raw }) => {
        const others = leaveOneOut(normalsOf[name]!, raw);
        expect(others).toHaveLength(normalsOf[name]!.length - 1); // the inspection's raw score is the stored one
        return { name, raw, calibrated: name === 'consistency' ? calibrateConsistency(raw, others) : calibrate(raw, thresholdsFromNormals(others)) };
      });
      crossFitted.push(fuse(parts, profile.settings.fusion.weights).score);
    }
    // Each normal measured against the others looks less normal than against a set that holds its own score.
    expect(crossFitted.reduce((a, b) => a + b)).toBeGreaterThan(inSample.reduce((a, b) => a + b));
    const expected = operatingPoint(crossFitted, profile.settings.operating);
    expect(profile.settings.operating.thresholds.suspect).toBeCloseTo(expected.thresholds.suspect, 6);
    expect(profile.settings.operating.thresholds.anomalous).toBeCloseTo(expected.thresholds.anomalous, 6);
    expect(profile.settings.operating.thresholds.suspect).not.toBeCloseTo(operatingPoint(inSample, profile.settings.operating).thresholds.suspect, 3);
  });

  test('the profile\'s fusion settings decide which components are fused, with its weights', async () => {
    const images = await Promise.all([31, 32, 33, 34, 35].map(async (s) => ({ name: `f${s}.png`, bytes: await png(s) })));
    const local = await createLocalRuntime({
      home, backboneOverride: 'builtin',
      enrollment: { recipe: { settings: { fusion: { components: ['patch', 'novelty'], weights: { patch: 0.5, novelty: 0.5, consistency: 0, reproducibility: 0, density: 0 } } } } },
    });
    try {
      await local.enrollment.enroll({ tenant: 'local', profile: 'fused-two', images });
    } finally {
      await local.close();
    }
    // Inspected by the main runtime: the settings travel with the profile version, not with the runtime.
    const report = await runtime.inspections.inspect({ tenant: 'local', name: 'x.png', bytes: await png(36), profile: 'fused-two' });
    expect(report.status).toBe('completed');
    expect(report.scores!.components.map((c) => [c.name, c.weight])).toEqual([['patch', 0.5], ['novelty', 0.5]]);
    expect(report.microstructure).toEqual(expect.any(Object)); // still measured and reported, only not fused
  });

  test('bad input and unknown profiles end in stored failed reports naming the stage', async () => {
    const empty = await runtime.inspections.inspect({ tenant: 'local', name: 'empty.png', bytes: new Uint8Array(0), profile: 'grow' });
    expect(empty).toMatchObject({ status: 'failed', failure: { stage: 'ingest', code: 'empty_input' }, scores: null });
    const text = await runtime.inspections.inspect({ tenant: 'local', name: 'notes.txt', bytes: new TextEncoder().encode('hello, not an image'), profile: 'grow' });
    expect(text.failure).toMatchObject({ stage: 'ingest', code: 'unsupported_format' });
    expect(text.input).toMatchObject({ name: 'notes.txt', bytes: 19, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const bytes = await png(5);
    const missing = await runtime.inspections.inspect({ tenant: 'local', name: 'ok.png', bytes, profile: 'nope', reportId: 'given-id' });
    expect(missing).toMatchObject({ id: 'given-id', status: 'failed', failure: { stage: 'ingest', code: 'not_found' }, profile: null });
    // What arrived is still named: its hash and size.
    expect(missing.input).toMatchObject({ name: 'ok.png', bytes: bytes.byteLength, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    for (const r of [empty, text, missing]) expect((await runtime.reports.get('local', r.id))?.failure?.code).toBe(r.failure!.code);
  });
});

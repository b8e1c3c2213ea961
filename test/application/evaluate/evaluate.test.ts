import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { evaluate } from '../../../lambdas/application/evaluate/evaluate.js';
import { parseManifest } from '../../../lambdas/application/evaluate/manifest.js';
import { formatEvaluation, formatRepeats, scoresCsv } from '../../../lambdas/application/evaluate/table.js';
import { summariseRepeats } from '../../../lambdas/application/evaluate/repeats.js';
import { shareWithInterval } from '../../../lambdas/domain/evaluation/share.js';
import { csvManifestSource } from '../../../lambdas/adapters/local/evaluation/csv-manifest.js';
import { writeEvaluationPlots } from '../../../lambdas/adapters/local/evaluation/plot-writer.js';
import { evaluationWorkspace } from '../../../lambdas/adapters/local/evaluation/workspace.js';
import { SharpImageDecoder } from '../../../lambdas/adapters/image/sharp-image-decoder.js';
import { SharpImageEncoder } from '../../../lambdas/adapters/image/sharp-image-encoder.js';
import { loadBackbone } from '../../../lambdas/adapters/onnx/model-store.js';
import { LocalVectorIndexFactory } from '../../../lambdas/adapters/local/vector-index/index.js';
import type { Backbone } from '../../../lambdas/ports/backbone.js';
import { NotFoundError, ValidationError } from '../../../lambdas/domain/errors.js';
import { DEFAULT_SCORING_SETTINGS, DEFAULT_TILE_SIZE } from '../../../lambdas/domain/profile/settings.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

const SIZE = 96;

/** A smooth random texture (blurred noise, box-filtered twice) with fine grain on top. */
function texture(seed: number): Float32Array {
  const rng = createRandom(seed);
  let field = Float32Array.from({ length: SIZE * SIZE }, () => rng.normal());
  for (let pass = 0; pass < 2; pass++) {
    const next = new Float32Array(field.length);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        let sum = 0;
        let n = 0;
        for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
          const yy = y + dy, xx = x + dx;
          if (yy >= 0 && yy < SIZE && xx >= 0 && xx < SIZE) { sum += field[yy * SIZE + xx]!; n++; }
        }
        next[y * SIZE + x] = sum / n;
      }
    }
    field = next;
  }
  return field.map((v) => 0.5 + 0.4 * v + 0.02 * rng.normal());
}

/** Draws a disc of `tone` and returns its mask. */
function disc(image: Float32Array, cx: number, cy: number, r: number, tone: number): Uint8Array {
  const mask = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
    if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) { image[y * SIZE + x] = tone; mask[y * SIZE + x] = 1; }
  }
  return mask;
}

async function png(values: ArrayLike<number>, scale = 255): Promise<Buffer> {
  const bytes = Uint8Array.from(values, (v) => Math.max(0, Math.min(255, Math.round(v * scale))));
  return sharp(bytes, { raw: { width: SIZE, height: SIZE, channels: 1 } }).png().toBuffer();
}

describe('evaluate on a generated labelled set with the built-in backbone', () => {
  let dir: string;
  let backbone: Backbone;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmdo-evaluate-'));
    backbone = await loadBackbone({ model: 'builtin' });
    const lines = ['path,label,mask,class,group'];
    for (let i = 0; i < 16; i++) {
      await writeFile(join(dir, `normal-${i}.png`), await png(texture(10 + i)));
      // Two normal images share a group: they must land in the same split.
      lines.push(`normal-${i}.png,0,,,${i < 2 ? 'pair' : ''}`);
    }
    for (let i = 0; i < 6; i++) {
      const image = texture(100 + i);
      const kind = i % 2 === 0 ? 'dark-spot' : 'bright-spot';
      const mask = disc(image, 25 + 8 * i, 30 + 6 * i, 7, kind === 'dark-spot' ? 0.02 : 0.98);
      await writeFile(join(dir, `defect-${i}.png`), await png(image));
      await writeFile(join(dir, `defect-${i}-mask.png`), await png(mask, 255));
      lines.push(`defect-${i}.png,1,defect-${i}-mask.png,${kind},`);
    }
    await writeFile(join(dir, 'manifest.csv'), lines.join('\n') + '\n');
  });

  afterAll(async () => {
    await backbone.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  test('pixel metrics in bounded memory: maps remade from patch scores and the density map give the very same figures as maps kept whole', async () => {
    const run = (keptMapBytes: number) => evaluate(
      {
        source: csvManifestSource(join(dir, 'manifest.csv')), decoder: new SharpImageDecoder(), backbone, vectorIndexes: new LocalVectorIndexFactory(),
        workspace: () => evaluationWorkspace(backbone, 'exact'),
      },
      {
        methods: ['patch-knn', 'fused'], bankNormals: 10, calibrationNormals: 3, seed: 5, worstMisses: 2, keptMapBytes,
        // A density fitted on ten bank images, so its map joins the patch map.
        recipe: { coresetRatio: 0.25, seed: 5, settings: { density: { ...DEFAULT_SCORING_SETTINGS.density, minBankImages: 10 } } },
      },
    );
    const [whole, remade] = await Promise.all([run(Number.MAX_SAFE_INTEGER), run(0)]);
    expect(whole.result.profile.settings.density.map).toBe(true);
    const strip = (r: typeof whole.result) => JSON.stringify({ ...r, timingsMs: {} });
    expect(strip(remade.result)).toBe(strip(whole.result));
    expect(whole.result.methods[0]!.pixel!.regions).toBe(6);
    expect(remade.detail.misses.map((m) => Array.from(m.map!.data))).toEqual(whole.detail.misses.map((m) => Array.from(m.map!.data)));
    expect(remade.detail.misses.map((m) => Array.from(m.mask ?? []))).toEqual(whole.detail.misses.map((m) => Array.from(m.mask ?? [])));
  });

  test('all methods on one split: patch-knn finds the spots and localises them; table, JSON and plots come out', async () => {
    const stages = new Set<string>();
    const { result, detail } = await evaluate(
      {
        source: csvManifestSource(join(dir, 'manifest.csv')), decoder: new SharpImageDecoder(), backbone, vectorIndexes: new LocalVectorIndexFactory(),
        workspace: () => evaluationWorkspace(backbone, 'exact'),
      },
      {
        methods: ['patch-knn', 'fused', 'centroid'],
        bankNormals: 8,
        calibrationNormals: 3,
        seed: 5,
        recipe: { layers: [...backbone.descriptor.patchLayers], neighbourhood: 3, k: 1, coresetRatio: 0.25, projectionDim: null, seed: 5, maxBankSize: 20000 },
        worstMisses: 2,
      },
      (stage) => stages.add(stage),
    );
    expect(stages.has('score')).toBe(true);
    expect(result.split.source).toBe('seeded');
    expect(result.split.testAnomalous).toBe(6);
    expect(result.split.bank + result.split.calibration + result.split.testNormal).toBe(16);
    expect(result.split.testNormal).toBeGreaterThanOrEqual(3);
    expect(result.failures).toEqual([]);
    // The profile version it built and scored with: the recipe given over the product's defaults, as enrolment records it.
    expect(result.profile.features).toEqual({ layers: [...backbone.descriptor.patchLayers], neighbourhood: 3, k: 1, coresetRatio: 0.25, projectionDim: null, seed: 5, coresetMaxSize: 20000 });
    expect(result.profile.settings).toEqual({
      ...DEFAULT_SCORING_SETTINGS, tiling: { tileSize: DEFAULT_TILE_SIZE, overlap: expect.any(Number) }, heatmapLow: expect.any(Number),
      density: { ...DEFAULT_SCORING_SETTINGS.density, layers: [backbone.descriptor.embeddingLayer], mapLayers: [] },
      // As enrolment: the operating point from the calibration normals' fused scores (extrapolated: 3 normals cannot resolve 1 %).
      operating: { ...DEFAULT_SCORING_SETTINGS.operating, source: 'extrapolated', thresholds: expect.any(Object), calibrationSize: result.split.calibration, warning: expect.any(String) },
    });
    expect(result.profile.bankVectors).toBeGreaterThan(0);
    // Scored through the pipeline's stages (ingest to fuse), timed per stage.
    for (const stage of ['ingest', 'microstructure', 'normalise', 'embed', 'patch', 'novelty', 'fuse']) expect(result.timingsMs[`score.${stage}`]).toBeGreaterThanOrEqual(0);
    expect(result.timingsMs['score.render']).toBeUndefined();

    const [knn, fused, centroid] = result.methods;
    expect(knn!.method).toBe('patch-knn');
    expect(knn!.image.auroc).toBeGreaterThanOrEqual(0.95);
    expect(knn!.pixel!.auroc).toBeGreaterThan(0.9);
    expect(knn!.pixel!.aupro).toBeGreaterThan(0.5);
    expect(knn!.pixel!.regions).toBe(6);
    expect(knn!.thresholds.anomalous).toBeGreaterThan(knn!.thresholds.suspect);
    const c = knn!.image.operating.confusion;
    expect(c.tp + c.fp + c.tn + c.fn).toBe(result.split.testNormal + 6);
    expect(knn!.perClass.map((p) => p.className)).toEqual(['normal', 'bright-spot', 'dark-spot']);
    expect(knn!.perClass[1]!.images).toBe(3);
    expect(knn!.perClass[1]!.pixelAuroc).toBeGreaterThan(0.8);

    expect(fused!.method).toBe('fused');
    expect(fused!.thresholds).toEqual(result.profile.settings.operating.thresholds);
    expect(fused!.thresholds.anomalous).toBeGreaterThan(fused!.thresholds.suspect);
    // Eight bank images: too few for the density component (settings.density.minBankImages).
    expect(fused!.details).toEqual({ components: 'patch + novelty + consistency + reproducibility' });
    expect(fused!.image.auroc).toBeGreaterThan(0.8);
    expect(centroid!.method).toBe('centroid');
    expect(centroid!.pixel).toBeUndefined();
    expect(centroid!.image.auroc).toBeGreaterThanOrEqual(0);
    expect(detail.rocs['centroid']![0]).toEqual({ threshold: Number.POSITIVE_INFINITY, fpr: 0, tpr: 0 });
    expect(detail.misses.filter((m) => m.kind === 'missed anomaly')).toHaveLength(2);
    expect(detail.misses[0]!.map!.width).toBe(SIZE);

    const table = formatEvaluation(result);
    expect(table).toContain('patch-knn');
    expect(table).toMatch(/bright-spot\s+3/);
    // Recall and FPR at the operating threshold with their exact 95 % intervals, from the confusion counts.
    const { tp, fn } = fused!.image.operating.confusion;
    const recall = shareWithInterval(tp, tp + fn);
    const confusionRow = table.split('\n').filter((line) => line.startsWith('fused ')).at(-1)!;
    expect(confusionRow).toContain(`${recall.share.toFixed(3)} [${recall.lower.toFixed(3)}–${recall.upper.toFixed(3)}]`);
    expect(JSON.parse(JSON.stringify(result)).methods).toHaveLength(3);

    const out = join(dir, 'out');
    const files = await writeEvaluationPlots(out, result, detail, new SharpImageEncoder());
    expect(files).toEqual(['roc.png', 'histogram-patch-knn.png', 'histogram-fused.png', 'histogram-centroid.png', 'misses.png', 'scores.csv', 'result.json']);
    // One row per scored test image, with each method's score and the fused score's components as the report has them.
    const csv = (await readFile(join(out, 'scores.csv'), 'utf8')).trim().split('\n').map((line) => line.split(','));
    expect(csv[0]!.slice(0, 6)).toEqual(['path', 'label', 'class', 'patch-knn', 'fused', 'centroid']);
    expect(csv[0]).toContain('patch.calibrated');
    expect(csv).toHaveLength(1 + detail.images.length);
    expect(detail.images.length).toBe(result.split.testNormal + result.split.testAnomalous);
    const fusedColumn = csv[0]!.indexOf('fused');
    expect(csv.slice(1).map((r) => Number(r[fusedColumn]))).toEqual(detail.images.map((i) => i.scores['fused']));
    expect(csv.slice(1).filter((r) => r[1] === '1').map((r) => r[2])).toContain('bright-spot');
    const roc = await sharp(await readFile(join(out, 'roc.png'))).metadata();
    expect([roc.format, roc.width, roc.height]).toEqual(['png', 500, 500]);
    const misses = await sharp(await readFile(join(out, 'misses.png'))).metadata();
    expect(misses.height).toBeGreaterThan(4 * 180);
  });

  test('the density map joins the anomaly map: image scores stay, the pixel figures and the heatmap scale move', async () => {
    const run = (map: boolean) => evaluate(
      {
        source: csvManifestSource(join(dir, 'manifest.csv')), decoder: new SharpImageDecoder(), backbone, vectorIndexes: new LocalVectorIndexFactory(),
        workspace: () => evaluationWorkspace(backbone, 'exact'),
      },
      {
        methods: ['patch-knn', 'density', 'fused'], bankNormals: 10, calibrationNormals: 3, seed: 4, worstMisses: 0,
        recipe: { coresetRatio: 0.25, seed: 4, settings: { density: { ...DEFAULT_SCORING_SETTINGS.density, minBankImages: 10, map } } },
      },
    );
    const [on, off] = await Promise.all([run(true), run(false)]);
    expect(on.detail.images.map((i) => i.scores)).toEqual(off.detail.images.map((i) => i.scores));
    const pixel = (r: typeof on) => r.result.methods.find((m) => m.method === 'fused')!.pixel!;
    expect(pixel(on).auroc).not.toBeCloseTo(pixel(off).auroc, 4);
    // The heatmap's "normal" end (and the region threshold beside it) come from the calibration normals' joined maps.
    expect(on.result.profile.settings.heatmapLow).not.toBeCloseTo(off.result.profile.settings.heatmapLow, 3);
    expect(formatEvaluation(on.result)).toContain('its map joined to the patch map');
    const withMapLayer = (mapLayersSmoothingPx: number | null) => {
      const settings = on.result.profile.settings;
      return formatEvaluation({ ...on.result, profile: { ...on.result.profile, settings: { ...settings, density: { ...settings.density, mapLayers: ['stride8'], mapLayersSmoothingPx } } } });
    };
    expect(withMapLayer(64)).toContain('with stride8 in the map only (smoothed by σ 64 px)');
    expect(withMapLayer(null)).toMatch(/with stride8 in the map only$/m);
  });

  test('repeated splits: each seed its own split; mean, spread and worst split per metric; density measured on its own', async () => {
    const runs = [];
    for (const seed of [1, 2]) {
      const { result } = await evaluate(
        {
          source: csvManifestSource(join(dir, 'manifest.csv')), decoder: new SharpImageDecoder(), backbone, vectorIndexes: new LocalVectorIndexFactory(),
          workspace: () => evaluationWorkspace(backbone, 'exact'),
        },
        {
          methods: ['patch-knn', 'density', 'fused'], bankNormals: 10, calibrationNormals: 3, seed, worstMisses: 0,
          recipe: { coresetRatio: 0.25, seed, settings: { density: { ...DEFAULT_SCORING_SETTINGS.density, minBankImages: 10 } } },
        },
      );
      runs.push(result);
    }
    // Ten bank images, and a profile that fits its density on ten: measured as a method of its own and fused.
    expect(runs[0]!.methods.map((m) => m.method)).toEqual(['patch-knn', 'density', 'fused']);
    expect(runs[0]!.methods[2]!.details).toEqual({ components: 'patch + novelty + consistency + reproducibility + density' });
    const repeated = summariseRepeats(runs);
    expect(repeated.seeds).toEqual([1, 2]);
    const aurocs = runs.map((r) => r.methods.find((m) => m.method === 'fused')!.image.auroc);
    const fused = repeated.summary.find((m) => m.method === 'fused')!.metrics;
    expect(fused['auroc']!.mean).toBeCloseTo((aurocs[0]! + aurocs[1]!) / 2, 10);
    expect(fused['auroc']!.worst).toBe(Math.min(...aurocs));
    expect(fused['auroc']!.sd).toBeCloseTo(Math.abs(aurocs[0]! - aurocs[1]!) / Math.SQRT2, 10);
    const flagged = runs.map((r) => r.methods.find((m) => m.method === 'fused')!.image.operating.fpr);
    expect(fused['normalsFlagged']!.worst).toBe(Math.max(...flagged)); // the worst false-alarm rate is the highest
    expect(repeated.summary.find((m) => m.method === 'density')!.metrics['pixelAuroc']).toBeUndefined(); // no map
    const table = formatRepeats(repeated);
    expect(table).toContain('2 seeded splits (seeds 1, 2)');
    expect(table).toMatch(/dark-spot\s+\d\.\d{3} ± \d\.\d{3} \(\d\.\d{3}\)/);
  });

  test('a test image the pipeline cannot read is reported as a failure with its reason and counts in no metric', async () => {
    await writeFile(join(dir, 'broken.png'), new TextEncoder().encode('not an image at all'));
    const lines = ['path,label,split,class'];
    for (let i = 0; i < 4; i++) lines.push(`normal-${i}.png,0,train,`);
    for (let i = 4; i < 6; i++) lines.push(`normal-${i}.png,0,val,`);
    for (let i = 6; i < 9; i++) lines.push(`normal-${i}.png,0,test,`);
    for (let i = 0; i < 2; i++) lines.push(`defect-${i}.png,1,test,spot`);
    lines.push('broken.png,1,test,spot');
    await writeFile(join(dir, 'with-broken.csv'), lines.join('\n') + '\n');
    const { result } = await evaluate(
      {
        source: csvManifestSource(join(dir, 'with-broken.csv')), decoder: new SharpImageDecoder(), backbone, vectorIndexes: new LocalVectorIndexFactory(),
        workspace: () => evaluationWorkspace(backbone, 'exact'),
      },
      { methods: ['patch-knn'], bankNormals: 4, calibrationNormals: 2, seed: 1, recipe: { projectionDim: null } },
    );
    expect(result.split).toEqual({ source: 'manifest', bank: 4, calibration: 2, testNormal: 3, testAnomalous: 2 });
    expect(result.failures).toEqual([{ path: 'broken.png', code: 'unsupported_format', message: expect.any(String) }]);
    const c = result.methods[0]!.image.operating.confusion;
    expect(c.tp + c.fp + c.tn + c.fn).toBe(5);
  });

  test('a split column is honoured and an anomalous image in the bank is refused', async () => {
    const rows: Record<string, string>[] = [
      { path: 'a.png', label: '0', split: 'train' },
      { path: 'b.png', label: '0', split: 'val' },
      { path: 'c.png', label: '1', split: 'test', class: 'crack' },
    ];
    expect(parseManifest(rows).map((r) => [r.split, r.className])).toEqual([['bank', 'normal'], ['calibration', 'normal'], ['test', 'crack']]);
    expect(() => parseManifest([{ path: 'a.png', label: '0' }, { path: 'b.png', label: 'yes' }])).toThrow(/line 3: label/);
    expect(() => parseManifest([{ path: 'a.png', label: '0', split: 'later' }])).toThrow(ValidationError);
  });

  test('the CSV source reads headers case-insensitively, resolves paths beside the manifest and names missing files', async () => {
    await writeFile(join(dir, 'upper.csv'), 'Path,LABEL\nnormal-0.png,0\n');
    const source = csvManifestSource(join(dir, 'upper.csv'));
    expect(await source.readRows()).toEqual([{ path: 'normal-0.png', label: '0' }]);
    expect((await source.readFile('normal-0.png')).length).toBeGreaterThan(100);
    await expect(source.readFile('missing.png')).rejects.toThrow(NotFoundError);
    await expect(csvManifestSource(join(dir, 'absent.csv')).readRows()).rejects.toThrow(NotFoundError);
  });
});

describe('scores.csv', () => {
  test('quotes cells with commas or quotes (RFC 4180) and leaves a missing component empty', () => {
    const csv = scoresCsv([
      { path: 'a,b/"x".png', label: 1, className: 'crack', scores: { fused: 0.75 }, components: [{ name: 'patch', raw: 2, calibrated: 0.5 }] },
      { path: 'c.png', label: 0, className: 'normal', scores: { fused: Number.NaN }, components: [] },
    ]);
    expect(csv).toBe('path,label,class,fused,patch.raw,patch.calibrated\n"a,b/""x"".png",1,crack,0.75,2,0.5\nc.png,0,normal,,,\n');
  });
});

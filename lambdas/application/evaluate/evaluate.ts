import { MmdoError } from '../../domain/errors.js';
import { bestF1, confusionMatrix, scoresAt, type ConfusionMatrix, type ThresholdScores } from '../../domain/evaluation/classification.js';
import { PixelMetricsAccumulator, scoreRange } from '../../domain/evaluation/pixel-metrics.js';
import { auroc, averagePrecision, rocCurve, type RocPoint } from '../../domain/evaluation/ranking.js';
import { splitItems } from '../../domain/evaluation/split.js';
import type { GreyImage } from '../../domain/image/grey-image.js';
import { normalise, type NormaliseOptionsInput } from '../../domain/image/normalise.js';
import { resampleByScale, resize } from '../../domain/image/resample.js';
import type { PatchFeatureConfig } from '../../domain/profile/profile.js';
import type { Backbone } from '../../ports/backbone.js';
import type { ImageDecoder } from '../../ports/image-codec.js';
import type { VectorIndexFactory } from '../../ports/vector-index.js';
import type { ProgressListener } from '../contracts.js';
import { DEFAULT_BORDER_PAD, extractFeatures, type ImageFeatures, type TilingOptions } from '../features.js';
import { prepareImage } from '../prepare.js';
import { parseManifest, type EvaluationSource, type ManifestItem } from './manifest.js';
import { centroid, patchKnn, type EvaluationMethod, type FittedMethod, type MethodName, type PatchKnnSettings } from './methods.js';

export interface EvaluateOptions {
  readonly methods: readonly MethodName[];
  readonly bankNormals: number;
  readonly calibrationNormals: number;
  readonly seed: number;
  readonly patch: PatchKnnSettings;
  readonly tiling?: TilingOptions;
  /** Bins of the pixel-metric histograms (see PixelMetricsAccumulator). */
  readonly pixelBins?: number;
  /** Images decoded and embedded at a time (bounds memory). */
  readonly chunkSize?: number;
  /** Worst misses of each kind kept for the misses grid. */
  readonly worstMisses?: number;
  /**
   * Preprocessing: omitted = the product's (`prepareImage`: denoise, CLAHE, stretch; the features' reflected border
   * `patch.features.borderPad`, default the product's DEFAULT_BORDER_PAD); otherwise normalisation options (or false
   * for none), a resampling factor and the border pad in pixels (replacing the product's), for tuning.
   */
  readonly preprocess?: { readonly normalise: NormaliseOptionsInput | false; readonly scale: number; readonly pad: number };
}

export interface EvaluateDeps {
  readonly source: EvaluationSource;
  readonly decoder: ImageDecoder;
  readonly backbone: Backbone;
  readonly vectorIndexes: VectorIndexFactory;
}

export interface ClassMetrics {
  readonly className: string;
  readonly images: number;
  /** Anomalous images of this class against all normal test images; absent for the normal class. */
  readonly imageAuroc?: number;
  readonly imageAupr?: number;
  /** Share of this class's images flagged at the operating threshold (recall for defects, FPR for normals). */
  readonly flaggedAtOperating: number;
  readonly pixelAuroc?: number;
  readonly aupro?: number;
}

export interface MethodResult {
  readonly method: MethodName;
  readonly details: Record<string, number | string>;
  readonly thresholds: { readonly suspect: number; readonly anomalous: number };
  readonly image: {
    readonly auroc: number;
    readonly aupr: number;
    readonly bestF1: { readonly f1: number; readonly threshold: number };
    /** Operating point = the calibrated suspect threshold: anything not 'normal' is flagged. */
    readonly operating: ThresholdScores & { readonly confusion: ConfusionMatrix };
    readonly atAnomalous: ThresholdScores & { readonly confusion: ConfusionMatrix };
  };
  readonly pixel?: { readonly auroc: number; readonly aupro: number; readonly bins: number; readonly regions: number };
  readonly perClass: readonly ClassMetrics[];
  readonly timingsMs: { readonly fit: number; readonly score: number; readonly scorePerImage: number };
}

export interface EvaluationResult {
  readonly manifest: string;
  readonly backbone: { readonly id: string; readonly sha256: string };
  readonly seed: number;
  readonly split: { readonly source: 'manifest' | 'seeded'; readonly bank: number; readonly calibration: number; readonly testNormal: number; readonly testAnomalous: number };
  readonly settings: {
    readonly features: PatchFeatureConfig;
    readonly blurSigma: number | 'product';
    readonly index: string;
    readonly preprocess: { readonly normalise: NormaliseOptionsInput | false | 'product'; readonly scale: number; readonly pad: number };
  };
  readonly methods: readonly MethodResult[];
  /** Shared stages (decode, normalise, embed) over all images, and the whole run. */
  readonly timingsMs: Record<string, number>;
}

/** What the plots need beyond the JSON result. */
export interface EvaluationDetail {
  readonly rocs: Record<string, RocPoint[]>;
  readonly scores: Record<string, { readonly normal: number[]; readonly anomalous: number[] }>;
  readonly misses: readonly Miss[];
}

export interface Miss {
  readonly method: MethodName;
  readonly kind: 'missed anomaly' | 'false alarm';
  readonly path: string;
  readonly className: string;
  readonly score: number;
  readonly threshold: number;
  readonly image: GreyImage;
  readonly map?: GreyImage;
  readonly mask?: Uint8Array;
}

interface TestRecord {
  readonly item: ManifestItem;
  readonly scores: Partial<Record<MethodName, number>>;
  /** Anomaly map at the mask's (= the image's) resolution, for methods that make one. */
  map?: GreyImage;
  mask?: Uint8Array;
}

const MASK_THRESHOLD = 127.5 / 255; // "pixel > 127 is anomalous" on the decoder's 0..1 scale

/**
 * Evaluates the methods on one labelled image set: split (seeded, group-aware, or the manifest's), fit every
 * method on the same bank and calibration images, score every test image once per method with the features
 * computed once, then image metrics, pixel metrics where masks exist, per-class breakdown and timings.
 */
export async function evaluate(deps: EvaluateDeps, options: EvaluateOptions, progress: ProgressListener = () => {}): Promise<{ result: EvaluationResult; detail: EvaluationDetail }> {
  const started = performance.now();
  const timings: Record<string, number> = { decode: 0, normalise: 0, embed: 0 };
  const time = async <T>(stage: string, fn: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      timings[stage] = (timings[stage] ?? 0) + performance.now() - t;
    }
  };
  const items = parseManifest(await deps.source.readRows());
  const split = splitItems(items, { bankNormals: options.bankNormals, calibrationNormals: options.calibrationNormals, seed: options.seed });
  if (split.calibration.length === 0) throw new MmdoError('validation_failed', 'calibration needs at least one normal image');
  const testItems = split.test.map((i) => items[i]!);
  if (!testItems.some((t) => t.label === 1)) throw new MmdoError('validation_failed', 'the test set has no anomalous image: AUROC needs both classes');
  const chunkSize = Math.max(1, options.chunkSize ?? 16);
  // The border is applied once, by extractFeatures (as enrolment and inspection do), never to the prepared images.
  const borderPad = options.preprocess?.pad ?? options.patch.features.borderPad ?? DEFAULT_BORDER_PAD;
  const featureConfig = { ...options.patch.features, borderPad };

  const prepare = async (item: ManifestItem): Promise<GreyImage> => {
    const decoded = await time('decode', async () => {
      try {
        return await deps.decoder.decode(await deps.source.readFile(item.path));
      } catch (error) {
        throw error instanceof MmdoError ? new MmdoError(error.code, `${item.path}: ${error.message}`, error.status, error.details) : error;
      }
    });
    const p = options.preprocess;
    if (!p) return time('normalise', () => prepareImage(decoded, undefined, null));
    return time('normalise', () => {
      const scaled = p.scale === 1 ? decoded.image : resampleByScale(decoded.image, p.scale);
      return p.normalise === false ? scaled : normalise(scaled, p.normalise).image;
    });
  };
  const embed = async (list: readonly ManifestItem[]): Promise<ImageFeatures[]> => {
    const images: GreyImage[] = [];
    for (const item of list) images.push(await prepare(item));
    return time('embed', () => extractFeatures(deps.backbone, images, featureConfig, options.tiling));
  };
  const embedAll = async (indices: readonly number[], stage: string): Promise<ImageFeatures[]> => {
    const out: ImageFeatures[] = [];
    for (let s = 0; s < indices.length; s += chunkSize) {
      out.push(...(await embed(indices.slice(s, s + chunkSize).map((i) => items[i]!))));
      progress(stage, 0, `${Math.min(indices.length, s + chunkSize)}/${indices.length}`);
    }
    return out;
  };

  progress('embed bank', 0.02, `${split.bank.length} images`);
  const bankFeatures = await embedAll(split.bank, 'embed bank');
  const calibrationFeatures = await embedAll(split.calibration, 'embed calibration');
  // 'fused' is computed alongside 'patch-knn' (same bank, same search), so asking for it fits patch-knn.
  const toFit = [...new Set(options.methods.map((m) => (m === 'fused' ? 'patch-knn' : m)))] as Exclude<MethodName, 'fused'>[];
  const available: Record<Exclude<MethodName, 'fused'>, () => EvaluationMethod> = {
    'patch-knn': () => patchKnn(deps.vectorIndexes, { ...options.patch, features: featureConfig }),
    centroid: () => centroid(),
  };
  const fitted: { name: Exclude<MethodName, 'fused'>; method: FittedMethod; fitMs: number; scoreMs: number }[] = [];
  for (const name of toFit) {
    progress('fit', 0.1, name);
    const t = performance.now();
    const method = await available[name]().fit(bankFeatures, calibrationFeatures);
    fitted.push({ name, method, fitMs: performance.now() - t, scoreMs: 0 });
  }
  bankFeatures.length = 0;
  calibrationFeatures.length = 0;

  const records: TestRecord[] = [];
  try {
    for (let s = 0; s < testItems.length; s += chunkSize) {
      const chunk = testItems.slice(s, s + chunkSize);
      const features = await embed(chunk);
      for (let j = 0; j < chunk.length; j++) {
        const item = chunk[j]!;
        const record: TestRecord = { item, scores: {} };
        for (const f of fitted) {
          const t = performance.now();
          const scored = await f.method.score(features[j]!);
          f.scoreMs += performance.now() - t;
          record.scores[f.name] = scored.score;
          if (scored.fused !== undefined) record.scores.fused = scored.fused;
          if (scored.map && !record.map) record.map = scored.map;
        }
        if (item.mask && item.label === 1) record.mask = await readMask(deps, item);
        records.push(record);
      }
      progress('score', 0.15 + 0.8 * (records.length / testItems.length), `${records.length}/${testItems.length}`);
    }
  } finally {
    for (const f of fitted) await f.method.dispose();
  }

  const labels = records.map((r) => r.item.label);
  const classes = [...new Set(records.filter((r) => r.item.label === 1).map((r) => r.item.className))].sort();
  const methods: MethodResult[] = [];
  const detail: { rocs: Record<string, RocPoint[]>; scores: Record<string, { normal: number[]; anomalous: number[] }>; misses: Miss[] } = { rocs: {}, scores: {}, misses: [] };
  const mapOwner = fitted.find((f) => f.name === 'patch-knn')?.name;
  const outputs = options.methods.map((name) => {
    const source = fitted.find((f) => f.name === (name === 'fused' ? 'patch-knn' : name))!;
    const thresholds = name === 'fused' ? source.method.fusedThresholds! : source.method.thresholds;
    // fused shares patch-knn's fit and search; its own extra cost (novelty + fusion) is negligible.
    return { name, thresholds, details: name === 'fused' ? { components: 'patch + novelty' } : source.method.details, fitMs: name === 'fused' ? 0 : source.fitMs, scoreMs: name === 'fused' ? 0 : source.scoreMs };
  });
  for (const f of outputs) {
    const scores = records.map((r) => r.scores[f.name]!);
    const { suspect, anomalous } = f.thresholds;
    const at = (threshold: number) => {
      const confusion = confusionMatrix(scores, labels, threshold);
      return { ...scoresAt(confusion), confusion };
    };
    const operating = at(suspect);
    const pixel = f.name === mapOwner ? pixelMetrics(records, classes, options.pixelBins) : undefined;
    const perClass: ClassMetrics[] = [];
    const normalIdx = records.flatMap((r, i) => (r.item.label === 0 ? [i] : []));
    perClass.push({ className: 'normal', images: normalIdx.length, flaggedAtOperating: normalIdx.filter((i) => scores[i]! >= suspect).length / Math.max(1, normalIdx.length) });
    for (const c of classes) {
      const idx = records.flatMap((r, i) => (r.item.label === 0 || r.item.className === c ? [i] : []));
      const own = idx.filter((i) => labels[i] === 1);
      perClass.push({
        className: c,
        images: own.length,
        imageAuroc: auroc(idx.map((i) => scores[i]!), idx.map((i) => labels[i]!)),
        imageAupr: averagePrecision(idx.map((i) => scores[i]!), idx.map((i) => labels[i]!)),
        flaggedAtOperating: own.filter((i) => scores[i]! >= suspect).length / own.length,
        ...(pixel?.perClass[c] ?? {}),
      });
    }
    methods.push({
      method: f.name,
      details: f.details,
      thresholds: { suspect, anomalous },
      image: { auroc: auroc(scores, labels), aupr: averagePrecision(scores, labels), bestF1: bestF1(scores, labels), operating, atAnomalous: at(anomalous) },
      ...(pixel ? { pixel: pixel.overall } : {}),
      perClass,
      timingsMs: { fit: Math.round(f.fitMs), score: Math.round(f.scoreMs), scorePerImage: round(f.scoreMs / records.length, 3) },
    });
    detail.rocs[f.name] = rocCurve(scores, labels);
    detail.scores[f.name] = { normal: scores.filter((_, i) => labels[i] === 0), anomalous: scores.filter((_, i) => labels[i] === 1) };
  }

  // Worst misses of the product's method (or the first method): the lowest-scored anomalies, the highest-scored normals.
  const missMethod = outputs.find((f) => f.name === mapOwner) ?? outputs[0]!;
  const count = options.worstMisses ?? 4;
  const byScore = records.map((r) => ({ r, score: r.scores[missMethod.name]! }));
  const threshold = missMethod.thresholds.suspect;
  const worst = [
    ...byScore.filter((x) => x.r.item.label === 1).sort((a, b) => a.score - b.score).slice(0, count).map((x) => ({ ...x, kind: 'missed anomaly' as const })),
    ...byScore.filter((x) => x.r.item.label === 0).sort((a, b) => b.score - a.score).slice(0, count).map((x) => ({ ...x, kind: 'false alarm' as const })),
  ];
  for (const w of worst) {
    detail.misses.push({
      method: missMethod.name,
      kind: w.kind,
      path: w.r.item.path,
      className: w.r.item.className,
      score: w.score,
      threshold,
      image: await prepare(w.r.item),
      ...(w.r.map ? { map: w.r.map } : {}),
      ...(w.r.mask ? { mask: w.r.mask } : {}),
    });
  }

  timings.total = performance.now() - started;
  return {
    result: {
      manifest: deps.source.description,
      backbone: { id: deps.backbone.descriptor.id, sha256: deps.backbone.descriptor.sha256 },
      seed: options.seed,
      split: {
        source: split.source,
        bank: split.bank.length,
        calibration: split.calibration.length,
        testNormal: labels.filter((l) => l === 0).length,
        testAnomalous: labels.filter((l) => l === 1).length,
      },
      settings: {
        features: featureConfig,
        blurSigma: options.patch.blurSigma ?? 'product',
        index: options.patch.index,
        preprocess: options.preprocess ?? { normalise: 'product', scale: 1, pad: borderPad },
      },
      methods,
      timingsMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])),
    },
    detail,
  };
}

async function readMask(deps: EvaluateDeps, item: ManifestItem): Promise<Uint8Array> {
  const decoded = await deps.decoder.decode(await deps.source.readFile(item.mask!));
  const { data } = decoded.image;
  const mask = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) mask[i] = data[i]! > MASK_THRESHOLD ? 1 : 0;
  return Object.assign(mask, { width: decoded.image.width, height: decoded.image.height });
}

function atSize(map: GreyImage, width: number, height: number): GreyImage {
  return map.width === width && map.height === height ? map : resize(map, width, height);
}

function pixelMetrics(records: readonly TestRecord[], classes: readonly string[], bins = 4096) {
  const withMaps = records.filter((r) => r.map);
  if (!withMaps.some((r) => r.mask)) return undefined;
  const { min, max } = scoreRange(withMaps.map((r) => r.map!.data));
  const overall = new PixelMetricsAccumulator(min, max, bins);
  const perClass = new Map(classes.map((c) => [c, new PixelMetricsAccumulator(min, max, bins)]));
  for (const r of withMaps) {
    if (r.item.label === 1 && !r.mask) continue; // an anomalous image without a mask says nothing about its pixels
    const mask = r.mask as (Uint8Array & { width: number; height: number }) | undefined;
    const map = mask ? atSize(r.map!, mask.width, mask.height) : r.map!;
    overall.add(map.data, mask ?? null, map.width, map.height);
    if (mask) perClass.get(r.item.className)?.add(map.data, mask, map.width, map.height);
    else for (const acc of perClass.values()) acc.add(map.data, null, map.width, map.height);
  }
  const summarise = (acc: PixelMetricsAccumulator) => (acc.regionCount > 0 ? { pixelAuroc: acc.auroc(), aupro: acc.aupro(0.3) } : {});
  return {
    overall: { auroc: overall.auroc(), aupro: overall.aupro(0.3), bins, regions: overall.regionCount },
    perClass: Object.fromEntries([...perClass].map(([c, acc]) => [c, summarise(acc)])) as Record<string, { pixelAuroc?: number; aupro?: number }>,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

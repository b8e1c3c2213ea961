import { MmdoError } from '../../domain/errors.js';
import { defaultCalibrationNormals, splitItems } from '../../domain/evaluation/split.js';
import type { GreyImage } from '../../domain/image/grey-image.js';
import type { PatchFeatureConfig } from '../../domain/profile/profile.js';
import type { ScoringSettings } from '../../domain/profile/settings.js';
import type { RocPoint } from '../../domain/evaluation/ranking.js';
import type { Backbone } from '../../ports/backbone.js';
import { DEFAULT_INGEST_LIMITS, type ImageDecoder } from '../../ports/image-codec.js';
import type { VectorIndexFactory } from '../../ports/vector-index.js';
import type { ProgressListener } from '../contracts.js';
import { scoringDeps, type ScoringWorkspace } from '../scoring-workspace.js';
import { SCORING_STAGES } from '../pipeline/definition.js';
import { reasonOf, StageFailure } from '../pipeline/failure.js';
import { runStages } from '../pipeline/run-stages.js';
import type { InspectionState } from '../pipeline/state.js';
import { prepareForProfile, type PreparedImage } from '../prepare.js';
import { calibrateOperatingPoint } from '../operating-point.js';
import { buildProfile, resolveRecipe, withCalibrationImages, type RecipeOverrides } from '../profile-builder.js';
import { parseManifest, type EvaluationSource, type ManifestItem } from './manifest.js';
import { MAP_METHODS, methodScorers, type MethodName, type MethodScorer } from './methods.js';
import { MapKeeper, methodResult, missesOf, pixelMetrics, type ClassMetrics, type ImageComponent, type KeptMap, type TestRecord } from './results.js';
import type { ConfusionMatrix, ThresholdScores } from '../../domain/evaluation/classification.js';

export interface EvaluateOptions {
  readonly methods: readonly MethodName[];
  readonly bankNormals: number;
  /** Absent: enough to resolve the profile's suspect rate where the set allows (defaultCalibrationNormals). */
  readonly calibrationNormals?: number;
  readonly seed: number;
  /** The profile recipe (features, bank size, scoring settings) over the product's defaults, as `mmdo enroll` takes it. */
  readonly recipe: RecipeOverrides;
  /** Bins of the pixel-metric histograms (see PixelMetricsAccumulator). */
  readonly pixelBins?: number;
  /** Worst misses of each kind kept for the misses grid. */
  readonly worstMisses?: number;
  /** Anomaly maps kept whole for the pixel metrics, in bytes; beyond, they are remade from patch scores (MapKeeper). */
  readonly keptMapBytes?: number;
}

/** The profile an evaluation builds, and the pipeline ports that score against it (in memory). */
export type EvaluationWorkspace = ScoringWorkspace;

export interface EvaluateDeps {
  readonly source: EvaluationSource;
  readonly decoder: ImageDecoder;
  readonly backbone: Backbone;
  readonly vectorIndexes: VectorIndexFactory;
  readonly workspace: () => EvaluationWorkspace;
}

export type { ClassMetrics };

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
}

export interface EvaluationResult {
  readonly manifest: string;
  readonly backbone: { readonly id: string; readonly sha256: string };
  readonly seed: number;
  readonly split: { readonly source: 'manifest' | 'seeded'; readonly bank: number; readonly calibration: number; readonly testNormal: number; readonly testAnomalous: number };
  /** The profile version the evaluation built and scored with: every setting that changes a score. */
  readonly profile: { readonly features: PatchFeatureConfig; readonly settings: ScoringSettings; readonly bankVectors: number };
  readonly methods: readonly MethodResult[];
  /** Images the pipeline could not score (their reason); they count in no metric. */
  readonly failures: readonly { readonly path: string; readonly code: string; readonly message: string }[];
  /** Building the profile (embed, coreset, calibrate), scoring per stage over all test images, and the whole run. */
  readonly timingsMs: Record<string, number>;
}

/** What the plots need beyond the JSON result. */
export interface EvaluationDetail {
  readonly rocs: Record<string, RocPoint[]>;
  readonly scores: Record<string, { readonly normal: number[]; readonly anomalous: number[] }>;
  readonly misses: readonly Miss[];
  /** Every scored test image: its label, each method's score and the fused score's components. */
  readonly images: readonly ScoredImage[];
}

export interface ScoredImage {
  readonly path: string;
  readonly label: 0 | 1;
  readonly className: string;
  readonly scores: Readonly<Record<string, number>>;
  readonly components: readonly ImageComponent[];
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

const MASK_THRESHOLD = 127.5 / 255; // "pixel > 127 is anomalous" on the decoder's 0..1 scale
const TENANT = 'evaluation';
const PROFILE = 'evaluation';

/**
 * Evaluates the product on one labelled image set exactly as it inspects: split (seeded, group-aware, or the
 * manifest's), build a profile version from the bank and calibration normals as enrolment does, then run every
 * test image through the pipeline's scoring stages (ingest to fuse) against it, and measure each method's scores
 * (image metrics, pixel metrics from the anomaly map where masks exist, per class).
 */
export async function evaluate(deps: EvaluateDeps, options: EvaluateOptions, progress: ProgressListener = () => {}): Promise<{ result: EvaluationResult; detail: EvaluationDetail }> {
  const started = performance.now();
  const items = parseManifest(await deps.source.readRows());
  const recipe = resolveRecipe(deps.backbone, undefined, { seed: options.seed, ...options.recipe });
  const calibrationNormals = options.calibrationNormals ?? defaultCalibrationNormals(items, options.bankNormals, recipe.settings.operating.suspectRate);
  const split = splitItems(items, { bankNormals: options.bankNormals, calibrationNormals, seed: options.seed });
  if (split.calibration.length === 0) throw new MmdoError('validation_failed', 'calibration needs at least one normal image');
  const testItems = split.test.map((i) => items[i]!);
  if (!testItems.some((t) => t.label === 1)) throw new MmdoError('validation_failed', 'the test set has no anomalous image: AUROC needs both classes');

  const prepare = async (item: ManifestItem): Promise<PreparedImage> => {
    const decoded = await decodeItem(deps, item.path);
    return prepareForProfile(decoded.image, undefined, null, recipe.settings, DEFAULT_INGEST_LIMITS);
  };
  async function* images(indices: readonly number[], stage: string) {
    for (const [n, i] of indices.entries()) {
      progress(stage, 0.02 + 0.1 * (n / indices.length), `${n + 1}/${indices.length}`);
      yield prepare(items[i]!);
    }
  }
  const buildStarted = performance.now();
  const built = await buildProfile(deps, recipe, mapIds(images(split.bank, 'embed bank'), 'bank'), mapIds(images(split.calibration, 'embed calibration'), 'calibration'), { bankImageCount: split.bank.length });
  // As enrolment does: the calibration normals through the scoring stages set the consistency baseline and the operating point.
  const operatingStarted = performance.now();
  const { profile: calibrated } = await calibrateOperatingPoint(
    { decoder: deps.decoder, workspace: deps.workspace },
    { ...built.profile, name: PROFILE, createdAt: new Date().toISOString(), pixelSizeUm: null, enrolled: { bank: [], calibration: [] } },
    mapAsyncItems(split.calibration.map((i) => items[i]!), async (item) => ({ name: item.path, bytes: await deps.source.readFile(item.path) })),
  );
  const workspace = deps.workspace();
  const timings: Record<string, number> = {
    ...prefixKeys('profile.', built.timingsMs), 'profile.operatingPoint': performance.now() - operatingStarted, profile: performance.now() - buildStarted,
  };
  const records: TestRecord[] = [];
  const failures: EvaluationResult['failures'][number][] = [];
  let scorers: Partial<Record<MethodName, MethodScorer>>;
  let measured: MethodName[] = [];
  try {
    const version = await workspace.profiles.saveNewVersion(TENANT, withCalibrationImages(calibrated, built));
    const profile = await workspace.profiles.load(TENANT, PROFILE, version);
    scorers = methodScorers(profile, built.calibrationEmbeddings);
    // A method the profile lacks (e.g. density with too few bank images) is left out, not scored as zero.
    measured = options.methods.filter((m) => scorers[m]);
    // Test images' maps and masks for the pixel metrics, in bounded memory (results.ts).
    const keeper = new MapKeeper(profile, options.keptMapBytes);
    // Two images in flight: the next image's decode and stages start while this one's finish, so the cores stay busy
    // (one after another, the backbone of a small image left one core mostly idle). Results are taken in order.
    const score = (i: number) => scoreItem(deps, workspace, testItems[i]!, version, timings, keeper);
    let next = testItems.length > 0 ? score(0) : undefined;
    for (const [n, item] of testItems.entries()) {
      const current = next!;
      next = n + 1 < testItems.length ? score(n + 1) : undefined;
      // A throw below leaves `next` unawaited: its failure must not become an unhandled rejection.
      next?.catch(() => {});
      const scored = await current;
      if ('failure' in scored) failures.push({ path: item.path, ...scored.failure });
      else {
        const { state, map, embedding } = scored;
        const scores = Object.fromEntries(measured.map((m) => [m, scorers[m]!.score(state, embedding)])) as Record<MethodName, number>;
        const components = state.fuse!.components.map(({ name, raw, calibrated }) => ({ name, raw, calibrated }));
        records.push({ item, scores, components, map, ...(item.mask && item.label === 1 ? { mask: keeper.mask(await readMask(deps, item)) } : {}) });
      }
      progress('score', 0.15 + 0.8 * ((n + 1) / testItems.length), `${n + 1}/${testItems.length}`);
    }
  } finally {
    await workspace.dispose();
  }
  const labels = records.map((r) => r.item.label);
  const classes = [...new Set(records.filter((r) => r.item.label === 1).map((r) => r.item.className))].sort();
  const pixel = pixelMetrics(records, classes, options.pixelBins);
  const methods = measured.map((m) => methodResult(scorers[m]!, records, classes, MAP_METHODS.includes(m) ? pixel : undefined));
  const missMethod = scorers[measured.includes('fused') ? 'fused' : measured[0]!]!;
  const detail: EvaluationDetail = {
    rocs: Object.fromEntries(methods.map((m) => [m.method, m.roc])),
    scores: Object.fromEntries(measured.map((m) => [m, {
      normal: records.filter((r) => r.item.label === 0).map((r) => r.scores[m]),
      anomalous: records.filter((r) => r.item.label === 1).map((r) => r.scores[m]),
    }])),
    misses: await missesOf(records, missMethod, options.worstMisses ?? 4, async (item) => (await prepare(item)).image),
    images: records.map((r) => ({ path: r.item.path, label: r.item.label, className: r.item.className, scores: r.scores, components: r.components })),
  };
  timings.total = performance.now() - started;
  return {
    result: {
      manifest: deps.source.description,
      backbone: { id: deps.backbone.descriptor.id, sha256: deps.backbone.descriptor.sha256 },
      seed: options.seed,
      split: { source: split.source, bank: split.bank.length, calibration: split.calibration.length, testNormal: labels.filter((l) => l === 0).length, testAnomalous: labels.filter((l) => l === 1).length },
      profile: { features: calibrated.features, settings: calibrated.settings, bankVectors: calibrated.bank.count },
      methods: methods.map(({ roc: _roc, ...rest }) => rest),
      failures,
      timingsMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])),
    },
    detail,
  };
}

/** One test image through the pipeline's scoring stages; its anomaly map and embedding are kept for the metrics. */
async function scoreItem(
  deps: EvaluateDeps, workspace: EvaluationWorkspace, item: ManifestItem, version: number, timings: Record<string, number>, keeper: MapKeeper,
): Promise<{ state: InspectionState; map: KeptMap; embedding: Float32Array } | { failure: { code: string; message: string } }> {
  const bytes = await deps.source.readFile(item.path);
  const pipeline = scoringDeps(workspace, deps.decoder, bytes);
  const { scratch } = pipeline;
  const job = {
    tenant: TENANT, reportId: item.path, createdAt: new Date().toISOString(), name: item.path,
    profile: { name: PROFILE, version }, input: { bucket: 'manifest', key: item.path, size: bytes.byteLength },
  };
  try {
    const state = await runStages({ job, timingsMs: {} }, SCORING_STAGES, pipeline);
    for (const [stage, ms] of Object.entries(state.timingsMs)) timings[`score.${stage}`] = (timings[`score.${stage}`] ?? 0) + ms;
    return { state, map: await keeper.keep(scratch, state), embedding: (await scratch.getFloats(state.embed!.embedding)).data };
  } catch (error) {
    if (!(error instanceof StageFailure)) throw error;
    const { code, message } = reasonOf(error.cause, error.stage);
    return { failure: { code, message } };
  }
}

async function decodeItem(deps: EvaluateDeps, path: string) {
  try {
    return await deps.decoder.decode(await deps.source.readFile(path), DEFAULT_INGEST_LIMITS);
  } catch (error) {
    throw error instanceof MmdoError ? new MmdoError(error.code, `${path}: ${error.message}`, error.status, error.details) : error;
  }
}

async function readMask(deps: EvaluateDeps, item: ManifestItem): Promise<Uint8Array & { width: number; height: number }> {
  const decoded = await decodeItem(deps, item.mask!);
  const { data } = decoded.image;
  const mask = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) mask[i] = data[i]! > MASK_THRESHOLD ? 1 : 0;
  return Object.assign(mask, { width: decoded.image.width, height: decoded.image.height });
}

async function* mapAsyncItems<T, U>(list: readonly T[], fn: (item: T) => Promise<U>): AsyncGenerator<U> {
  for (const item of list) yield await fn(item);
}

async function* mapIds(images: AsyncIterable<PreparedImage>, role: string): AsyncGenerator<PreparedImage & { id: string }> {
  let n = 0;
  for await (const image of images) yield { id: `${role}-${n++}`, ...image };
}

function prefixKeys(prefix: string, values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}${k}`, v]));
}

import { z } from 'zod';
import { bestF1, confusionMatrix, scoresAt } from '../../domain/evaluation/classification.js';
import { PixelMetricsAccumulator } from '../../domain/evaluation/pixel-metrics.js';
import { auroc, averagePrecision, rocCurve, type RocPoint } from '../../domain/evaluation/ranking.js';
import type { GreyImage } from '../../domain/image/grey-image.js';
import type { ScoreComponent } from '../../domain/report/report.js';
import { resize } from '../../domain/image/resample.js';
import type { ScoringSettings } from '../../domain/profile/settings.js';
import type { ProfileVersion } from '../../domain/profile/profile.js';
import { fuseDensityIntoMap, mapFusionOf, type MapFusion } from '../../domain/scoring/density-map.js';
import type { Scratch } from '../../ports/scratch.js';
import { LayoutSchema, tileScores } from '../pipeline/stages/patch.js';
import type { InspectionState } from '../pipeline/state.js';
import { patchScoring } from '../scoring.js';
import type { Miss, MethodResult } from './evaluate.js';
import type { ManifestItem } from './manifest.js';
import type { MethodName, MethodScorer } from './methods.js';

export interface TestRecord {
  readonly item: ManifestItem;
  readonly scores: Readonly<Record<MethodName, number>>;
  /** The fused score's components as the report carries them (raw and calibrated). */
  readonly components: readonly ImageComponent[];
  /** The pipeline's anomaly map at the image's (= the mask's) resolution, as kept by a MapKeeper. */
  readonly map: KeptMap;
  readonly mask?: KeptMask;
}

/** A fused score's component as the report carries it, without its weight and shares. */
export type ImageComponent = Pick<ScoreComponent, 'name' | 'raw' | 'calibrated'>;

/** An anomaly map kept for the pixel metrics: whole, or as the tile scores it is remade from; its exact range. */
export interface KeptMap {
  readonly width: number;
  readonly height: number;
  readonly min: number;
  readonly max: number;
  get(): GreyImage;
}

/** A ground-truth mask kept run-length encoded (masks are mostly background: a few hundred bytes, not a megabyte). */
export interface KeptMask {
  readonly width: number;
  readonly height: number;
  get(): Uint8Array & { width: number; height: number };
}

/** Full-resolution maps kept as they are, all test images together (beyond this they are remade when needed). */
export const DEFAULT_KEPT_MAP_BYTES = 512 * 1024 * 1024;

/**
 * Keeps every test image's anomaly map for the pixel metrics in bounded memory. Maps are kept whole while they fit
 * `budgetBytes` (so a usual evaluation is unchanged); past it, a map is kept as its tiles' patch scores (tens of
 * kilobytes) and its coarse density map, and remade when the metrics read it, with the same `patchScoring` and map
 * fusion the patch stage ran, so it is the same map to the last bit. Each map's exact range is kept either way, so
 * the metrics' bins are those of all maps.
 */
export class MapKeeper {
  private kept = 0;
  private readonly settings: Pick<ScoringSettings, 'smoothingSigmaPx' | 'imageScoreTopFraction'>;
  private readonly fusion: MapFusion | undefined;

  constructor(profile: Pick<ProfileVersion, 'settings' | 'calibration'>, private readonly budgetBytes = DEFAULT_KEPT_MAP_BYTES) {
    this.settings = profile.settings;
    this.fusion = mapFusionOf(profile);
  }

  /** The map of a state the scoring stages produced, read from (and then independent of) its scratch. */
  async keep(scratch: Scratch, state: InspectionState): Promise<KeptMap> {
    const map = await scratch.getGrey(state.patch!.map);
    const { min, max } = rangeOf(map.data);
    if (this.kept + map.data.byteLength <= this.budgetBytes) {
      this.kept += map.data.byteLength;
      return wholeMap(map, min, max);
    }
    const embed = state.embed!;
    const density = state.density?.present && state.density.map && this.fusion ? { map: await scratch.getGrey(state.density.map), fusion: this.fusion } : undefined;
    const [scores, layout] = await Promise.all([scratch.getFloats(embed.scores), scratch.getJson(embed.plan).then((j) => LayoutSchema.parse(j))]);
    return remadeMap(scores.data.slice(), scores.shape as [number, number, number], layout, embed.stride, map.width, map.height, min, max, this.settings, density);
  }

  mask(mask: Uint8Array & { width: number; height: number }): KeptMask {
    return packMask(mask);
  }
}

// The two kinds of kept map are made in functions of their own: closures made in one function share its context,
// so a remade map's closure would otherwise keep the full-resolution map alive too.
function wholeMap(map: GreyImage, min: number, max: number): KeptMap {
  return { width: map.width, height: map.height, min, max, get: () => map };
}

function remadeMap(
  data: Float32Array, shape: [number, number, number], layout: z.infer<typeof LayoutSchema>, stride: number,
  width: number, height: number, min: number, max: number, settings: Pick<ScoringSettings, 'smoothingSigmaPx' | 'imageScoreTopFraction'>,
  density: { map: GreyImage; fusion: MapFusion } | undefined,
): KeptMap {
  return {
    width, height, min, max,
    get() {
      // As the patch stage scores its tiles and joins the density map (pipeline/stages/patch.ts).
      const { map } = patchScoring(tileScores(data, shape, layout, stride), layout, settings, { width, height });
      if (density) fuseDensityIntoMap(map, density.map, density.fusion);
      return map;
    },
  };
}

function rangeOf(data: Float32Array): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Run lengths of alternating 0 and 1 pixels, starting with 0 (a mask is 0/1 per pixel). */
export function packMask(mask: Uint8Array & { width: number; height: number }): KeptMask {
  const runs: number[] = [];
  let value = 0;
  let run = 0;
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i] ? 1 : 0;
    if (v === value) run++;
    else {
      runs.push(run);
      value = v;
      run = 1;
    }
  }
  runs.push(run);
  const packed = Uint32Array.from(runs);
  const { width, height } = mask;
  return {
    width, height,
    get() {
      const out = Object.assign(new Uint8Array(width * height), { width, height });
      let at = 0;
      for (let r = 0; r < packed.length; r++) {
        if (r % 2 === 1) out.fill(1, at, at + packed[r]!);
        at += packed[r]!;
      }
      return out;
    },
  };
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

type PixelSummary = NonNullable<ReturnType<typeof pixelMetrics>>;

/** Image metrics of one method over the test records (operating point = its suspect threshold), per class too. */
export function methodResult(scorer: MethodScorer, records: readonly TestRecord[], classes: readonly string[], pixel?: PixelSummary): MethodResult & { roc: RocPoint[] } {
  const scores = records.map((r) => r.scores[scorer.name]);
  const labels = records.map((r) => r.item.label);
  const { suspect, anomalous } = scorer.thresholds;
  const at = (threshold: number) => {
    const confusion = confusionMatrix(scores, labels, threshold);
    return { ...scoresAt(confusion), confusion };
  };
  const normalIdx = records.flatMap((r, i) => (r.item.label === 0 ? [i] : []));
  const perClass: ClassMetrics[] = [{ className: 'normal', images: normalIdx.length, flaggedAtOperating: normalIdx.filter((i) => scores[i]! >= suspect).length / Math.max(1, normalIdx.length) }];
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
  return {
    method: scorer.name,
    details: scorer.details,
    thresholds: { suspect, anomalous },
    image: { auroc: auroc(scores, labels), aupr: averagePrecision(scores, labels), bestF1: bestF1(scores, labels), operating: at(suspect), atAnomalous: at(anomalous) },
    ...(pixel ? { pixel: pixel.overall } : {}),
    perClass,
    roc: rocCurve(scores, labels),
  };
}

/**
 * Pixel AUROC and AUPRO (30 % FPR) of the anomaly maps against the masks, in bounded memory (binned), per class. The
 * bins span every map's exact range; maps and masks are read one image at a time.
 */
export function pixelMetrics(records: readonly TestRecord[], classes: readonly string[], bins = 4096) {
  if (!records.some((r) => r.mask)) return undefined;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    if (r.map.min < min) min = r.map.min;
    if (r.map.max > max) max = r.map.max;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError('no finite scores to take a range from');
  const overall = new PixelMetricsAccumulator(min, max, bins);
  const perClass = new Map(classes.map((c) => [c, new PixelMetricsAccumulator(min, max, bins)]));
  for (const r of records) {
    if (r.item.label === 1 && !r.mask) continue; // an anomalous image without a mask says nothing about its pixels
    const mask = r.mask?.get();
    const full = r.map.get();
    const map = mask && (mask.width !== full.width || mask.height !== full.height) ? resize(full, mask.width, mask.height) : full;
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

/** The worst misses of one method: its lowest-scored anomalies and highest-scored normals, with maps and masks. */
export async function missesOf(records: readonly TestRecord[], scorer: MethodScorer, count: number, prepare: (item: ManifestItem) => Promise<GreyImage>): Promise<Miss[]> {
  const byScore = records.map((r) => ({ r, score: r.scores[scorer.name] }));
  const worst = [
    ...byScore.filter((x) => x.r.item.label === 1).sort((a, b) => a.score - b.score).slice(0, count).map((x) => ({ ...x, kind: 'missed anomaly' as const })),
    ...byScore.filter((x) => x.r.item.label === 0).sort((a, b) => b.score - a.score).slice(0, count).map((x) => ({ ...x, kind: 'false alarm' as const })),
  ];
  const out: Miss[] = [];
  for (const w of worst) {
    out.push({
      method: scorer.name, kind: w.kind, path: w.r.item.path, className: w.r.item.className, score: w.score, threshold: scorer.thresholds.suspect,
      image: await prepare(w.r.item), map: w.r.map.get(), ...(w.r.mask ? { mask: w.r.mask.get() } : {}),
    });
  }
  return out;
}

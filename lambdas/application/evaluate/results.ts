import { bestF1, confusionMatrix, scoresAt } from '../../domain/evaluation/classification.js';
import { PixelMetricsAccumulator, scoreRange } from '../../domain/evaluation/pixel-metrics.js';
import { auroc, averagePrecision, rocCurve, type RocPoint } from '../../domain/evaluation/ranking.js';
import type { GreyImage } from '../../domain/image/grey-image.js';
import { resize } from '../../domain/image/resample.js';
import type { Miss, MethodResult } from './evaluate.js';
import type { ManifestItem } from './manifest.js';
import type { MethodName, MethodScorer } from './methods.js';

export interface TestRecord {
  readonly item: ManifestItem;
  readonly scores: Readonly<Record<MethodName, number>>;
  /** The pipeline's anomaly map at the image's (= the mask's) resolution. */
  readonly map: GreyImage;
  readonly mask?: Uint8Array;
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

/** Pixel AUROC and AUPRO (30 % FPR) of the anomaly maps against the masks, in bounded memory (binned), per class. */
export function pixelMetrics(records: readonly TestRecord[], classes: readonly string[], bins = 4096) {
  if (!records.some((r) => r.mask)) return undefined;
  const { min, max } = scoreRange(records.map((r) => r.map.data));
  const overall = new PixelMetricsAccumulator(min, max, bins);
  const perClass = new Map(classes.map((c) => [c, new PixelMetricsAccumulator(min, max, bins)]));
  for (const r of records) {
    if (r.item.label === 1 && !r.mask) continue; // an anomalous image without a mask says nothing about its pixels
    const mask = r.mask as (Uint8Array & { width: number; height: number }) | undefined;
    const map = mask && (mask.width !== r.map.width || mask.height !== r.map.height) ? resize(r.map, mask.width, mask.height) : r.map;
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
      image: await prepare(w.r.item), map: w.r.map, ...(w.r.mask ? { mask: w.r.mask } : {}),
    });
  }
  return out;
}

import { createHash, randomUUID } from 'node:crypto';
import { MmdoError } from '../domain/errors.js';
import { findRegions } from '../domain/regions/regions.js';
import { heatmapBounds, renderHeatmap, renderOverlay } from '../domain/render/heatmap.js';
import { REPORT_SCHEMA_VERSION, ReportSchema, type Report } from '../domain/report/report.js';
import { ANOMALOUS_CALIBRATED, SUSPECT_CALIBRATED, calibrate, thresholdsFromNormals } from '../domain/scoring/calibration.js';
import { fuse, type ComponentInput, type ComponentName } from '../domain/scoring/fusion.js';
import type { Backbone } from '../ports/backbone.js';
import { DEFAULT_INGEST_LIMITS, type DecodedImage, type ImageDecoder, type ImageEncoder, type IngestLimits } from '../ports/image-codec.js';
import type { ArtifactStore, ReportStore } from '../ports/stores.js';
import type { BankIndexCache } from './bank-index-cache.js';
import type { InspectionService, InspectionStage, InspectionStageOutput, InspectRequest, ProgressListener } from './contracts.js';
import { extractFeatures, type TilingOptions } from './features.js';
import { prepareImage, resolvePixelSize } from './prepare.js';
import { novelty, scorePatches } from './scoring.js';

export interface InspectionDeps {
  readonly decoder: ImageDecoder;
  readonly encoder: ImageEncoder;
  readonly backbone: Backbone;
  readonly bank: BankIndexCache;
  readonly reports: ReportStore;
  readonly artifacts: ArtifactStore;
  /** Optional extra stages (microstructure, consistency with metadata), run after patch scoring. */
  readonly stages?: readonly InspectionStage[];
}

export interface InspectionSettings {
  readonly limits: IngestLimits;
  readonly tiling: TilingOptions;
  /** Weights of the fused score's components (default: the scoring domain's). */
  readonly weights: Partial<Record<ComponentName, number>>;
  /** Nearest enrolled images listed in the report. */
  readonly nearest: number;
}

export const DEFAULT_INSPECTION_SETTINGS: InspectionSettings = {
  limits: DEFAULT_INGEST_LIMITS,
  tiling: {},
  weights: {},
  nearest: 3,
};

/** Marks which stage an error came from, for the failed report. */
class StageError extends Error {
  constructor(readonly stage: string, readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * The inspection pipeline for one image. Every stage is timed; any error becomes a stored 'failed' report that
 * names the stage, its code and a message, so nothing accepted is lost silently.
 */
export class Inspection implements InspectionService {
  private readonly settings: InspectionSettings;

  constructor(private readonly deps: InspectionDeps, settings: Partial<InspectionSettings> = {}) {
    this.settings = { ...DEFAULT_INSPECTION_SETTINGS, ...settings };
  }

  async inspect(request: InspectRequest, progress: ProgressListener = () => {}): Promise<Report> {
    const id = request.reportId ?? randomUUID();
    const createdAt = new Date().toISOString();
    const timings: Record<string, number> = {};
    const base = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      id,
      tenant: request.tenant,
      createdAt,
      input: {
        name: request.name,
        sha256: createHash('sha256').update(request.bytes).digest('hex'),
        bytes: request.bytes.length,
        warnings: [] as string[],
      },
      metadata: request.metadata ?? null,
    };
    let partial: Partial<Report> = {};
    let report: Report;
    try {
      report = await this.run(request, base, timings, progress, (p) => { partial = { ...partial, ...p }; });
    } catch (error) {
      const stage = error instanceof StageError ? error.stage : 'inspect';
      const cause = error instanceof StageError ? error.cause : error;
      report = {
        ...base,
        input: { ...base.input, ...(partial.input ?? {}) },
        status: 'failed',
        backbone: partial.backbone ?? null,
        profile: partial.profile ?? null,
        scores: null,
        regions: [],
        artifacts: {},
        timingsMs: roundTimings(timings),
        failure: {
          code: cause instanceof MmdoError ? cause.code : 'internal_error',
          message: cause instanceof Error ? cause.message : String(cause),
          stage,
        },
      };
    }
    await this.deps.reports.put(report);
    progress('done', 1);
    return report;
  }

  private async run(
    request: InspectRequest,
    base: Pick<Report, 'schemaVersion' | 'id' | 'tenant' | 'createdAt' | 'input' | 'metadata'>,
    timings: Record<string, number>,
    progress: ProgressListener,
    remember: (p: Partial<Report>) => void,
  ): Promise<Report> {
    const stage = async <T>(name: string, fraction: number, fn: () => Promise<T> | T): Promise<T> => {
      progress(name, fraction);
      const start = performance.now();
      try {
        return await fn();
      } catch (error) {
        throw new StageError(name, error);
      } finally {
        timings[name] = (timings[name] ?? 0) + performance.now() - start;
      }
    };
    const { backbone } = this.deps;
    const backboneRef = { id: backbone.descriptor.id, sha256: backbone.descriptor.sha256 };
    remember({ backbone: backboneRef });

    const decoded: DecodedImage = await stage('decode', 0.02, () => this.deps.decoder.decode(request.bytes, this.settings.limits));
    const input = {
      ...base.input,
      format: decoded.format,
      bitDepth: decoded.bitDepth,
      channels: decoded.channels,
      width: decoded.image.width,
      height: decoded.image.height,
      pages: decoded.pages,
      warnings: [...decoded.warnings],
    };
    remember({ input });
    const { profile, index } = await stage('profile', 0.08, () => this.deps.bank.get(request.tenant, request.profile, request.profileVersion));
    const profileRef = { name: profile.name, version: profile.version };
    remember({ profile: profileRef });
    if (profile.backbone.sha256 !== backboneRef.sha256) {
      throw new StageError('profile', new MmdoError('backbone_mismatch',
        `profile '${profile.name}' v${profile.version} was enrolled with backbone ${profile.backbone.id}, but this service runs ${backboneRef.id}; ` +
        `re-enrol the profile or set MMDO_BACKBONE to the backbone it was built with`, 409, { profileBackbone: profile.backbone, backbone: backboneRef }));
    }

    const pixel = resolvePixelSize({
      caller: request.pixelSizeUm,
      file: decoded.pixelSizeUm,
      metadata: metadataPixelSize(request.metadata),
      profile: profile.pixelSizeUm,
    });
    const inputWithPixel = { ...input, ...(pixel.pixelSizeUm ? { pixelSizeUm: pixel.pixelSizeUm } : {}), pixelSizeSource: pixel.source };
    remember({ input: inputWithPixel });

    const prepared = await stage('normalise', 0.12, () => prepareImage(decoded, pixel.pixelSizeUm, profile.pixelSizeUm));
    const [features] = await stage('embed', 0.2, () => extractFeatures(backbone, [prepared], profile.features, this.settings.tiling));
    const scored = await stage('score', 0.6, () =>
      scorePatches(features!, index, profile.features.k, { width: decoded.image.width, height: decoded.image.height }, profile.features.imageScoreTopFraction),
    );
    const scoreMap = scored.map;

    const cal = profile.calibration;
    const bounds = heatmapBounds(cal.pixelThreshold, cal.pixelScoreLow ?? median(cal.normalImageScores));
    // The heatmap needs only the score map: its PNG encodes (sharp, off the JS thread) while regions are found.
    const heatmapPng = await stage('render', 0.7, () => {
      const encoding = this.deps.encoder.encodePng(renderHeatmap(scoreMap, bounds));
      encoding.catch(() => {}); // awaited below; this only keeps an early failure from being reported as unhandled
      return { encoding };
    });
    const found = await stage('regions', 0.75, () => findRegions(scoreMap, { threshold: cal.pixelThreshold, pixelSizeUm: pixel.pixelSizeUm ?? null }));
    const near = await stage('novelty', 0.78, () => novelty(features!.embedding, profile.embeddings, this.settings.nearest));

    const extra: { name: string; output: InspectionStageOutput }[] = [];
    for (const s of this.deps.stages ?? []) {
      const output = await stage(s.name, 0.8, () =>
        s.run({
          original: decoded.image,
          normalised: prepared,
          ...(pixel.pixelSizeUm ? { pixelSizeUm: pixel.pixelSizeUm } : {}),
          ...(profile.pixelSizeUm ? { normalisedPixelSizeUm: profile.pixelSizeUm } : {}),
          ...(request.metadata ? { metadata: request.metadata } : {}),
          profile: profileRef,
        }),
      );
      extra.push({ name: s.name, output });
    }

    const scores = await stage('fuse', 0.85, () => {
      const parts: ComponentInput[] = [
        { name: 'patch', raw: scored.imageScore, calibrated: calibrate(scored.imageScore, cal) },
      ];
      if (cal.normalNoveltyScores.length > 0 && near.nearest.length > 0) {
        parts.push({ name: 'novelty', raw: near.distance, calibrated: calibrate(near.distance, thresholdsFromNormals(cal.normalNoveltyScores)) });
      }
      for (const e of extra) if (e.output.component) parts.push({ name: 'consistency', raw: e.output.component.raw, calibrated: e.output.component.calibrated });
      const fused = fuse(parts, this.settings.weights);
      return { ...fused, thresholds: { suspect: SUSPECT_CALIBRATED, anomalous: ANOMALOUS_CALIBRATED } };
    });

    const artifacts = await stage('render', 0.9, async () => {
      const overlay = await this.deps.encoder.encodePng(renderOverlay(decoded.image, scoreMap, { bounds, labels: found.labels }));
      const heatmap = await heatmapPng.encoding;
      const keyOf = (name: string) => `${request.tenant}/reports/${base.id}/${name}.png`;
      const keys: Record<string, string> = { heatmap: keyOf('heatmap'), overlay: keyOf('overlay') };
      const writes = [this.deps.artifacts.put(keys.heatmap!, heatmap, 'image/png'), this.deps.artifacts.put(keys.overlay!, overlay, 'image/png')];
      for (const [name, image] of extra.flatMap((e) => Object.entries(e.output.images ?? {}))) {
        keys[name] = keyOf(name);
        writes.push(this.deps.encoder.encodePng(image).then((png) => this.deps.artifacts.put(keyOf(name), png, 'image/png')));
      }
      await Promise.all(writes);
      return keys;
    });
    const regions = found.regions;

    const microstructure = Object.assign({}, ...extra.map((e) => e.output.microstructure ?? {})) as Record<string, unknown>;
    const findings = extra.flatMap((e) => e.output.findings ?? []);
    const report: Report = {
      ...base,
      status: 'completed',
      input: inputWithPixel,
      backbone: backboneRef,
      profile: profileRef,
      scores,
      regions,
      novelty: { score: near.distance, nearest: near.nearest },
      ...(Object.keys(microstructure).length ? { microstructure } : {}),
      ...(findings.length ? { findings } : {}),
      artifacts,
      timingsMs: roundTimings(timings),
    };
    return stage('report', 0.98, () => ReportSchema.parse(report));
  }
}

function metadataPixelSize(metadata?: Record<string, unknown>): number | undefined {
  const value = metadata?.pixelSizeUm ?? metadata?.pixel_size_um;
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0;
}

function roundTimings(t: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v * 10) / 10]));
}

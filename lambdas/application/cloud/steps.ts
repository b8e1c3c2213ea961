import { createHash } from 'node:crypto';
import { z } from 'zod';
import { encodeFrame, requireTensor, TENSOR_CONTENT_TYPE } from '../../domain/wire/tensor-frame.js';
import { MmdoError, ValidationError } from '../../domain/errors.js';
import { createGreyImage } from '../../domain/image/grey-image.js';
import { resize } from '../../domain/image/resample.js';
import { planTiles, stitchTiles, type TileMap } from '../../domain/image/tiling.js';
import { analyseMicrostructure } from '../../domain/microstructure/index.js';
import { findRegions } from '../../domain/regions/regions.js';
import { heatmapBounds, renderHeatmap, renderOverlay } from '../../domain/render/heatmap.js';
import { REPORT_SCHEMA_VERSION, ReportSchema, type Report } from '../../domain/report/report.js';
import { imageScore } from '../../domain/scoring/anomaly-map.js';
import { calibrate, quantile, SUSPECT_CALIBRATED, ANOMALOUS_CALIBRATED, thresholdsFromNormals } from '../../domain/scoring/calibration.js';
import { fuse, type ComponentInput } from '../../domain/scoring/fusion.js';
import type { Backbone } from '../../ports/backbone.js';
import type { EmbeddingIndex } from '../../ports/embedding-index.js';
import { DEFAULT_INGEST_LIMITS, type ImageDecoder, type ImageEncoder, type IngestLimits } from '../../ports/image-codec.js';
import type { InspectionClaims, OnceReportStore, ProfileCatalog, UploadedObject, UploadSource } from '../../ports/cloud.js';
import type { PatchScorer } from '../../ports/patch-scorer.js';
import type { ArtifactStore } from '../../ports/stores.js';
import { cropBorder, defaultOverlap, extractPaddedTile } from '../features.js';
import { scoresInside } from '../scoring.js';
import { prepareImage, resolvePixelSize } from '../prepare.js';
import { getFrame, getGrey, getJson, getRgba, putGrey, putJson, putRgba } from './rasters.js';
import {
  EmbedResultSchema, FuseResultSchema, MicrostructureResultSchema, parseUploadKey, reportArtifactKey, reportIdFor,
  requireState, ScoreResultSchema, StepErrorSchema, uploadIdempotencyKey, workKey, WorkflowStateSchema,
  type IngestResult, type ResultDetail,
} from './state.js';

/** The adapters the steps use; each handler wires only what its step needs. */
export interface CloudDeps {
  readonly uploads: UploadSource;
  readonly artifacts: ArtifactStore;
  readonly profiles: ProfileCatalog;
  readonly decoder: ImageDecoder;
  readonly encoder: ImageEncoder;
  readonly scorer: () => Promise<PatchScorer>;
  /** The image-embedding index of a backbone (OpenSearch keeps one index per backbone: dimensions differ). */
  readonly embeddings: (backbone: { readonly id: string; readonly sha256: string }, dim: number) => EmbeddingIndex;
  readonly reports: OnceReportStore;
  readonly claims: InspectionClaims;
  readonly limits?: IngestLimits;
  /** Nearest enrolled images listed in a report. */
  readonly nearest?: number;
}

const ms = (start: number) => Math.round((performance.now() - start) * 10) / 10;

/** What starts an inspection (parsed from its event by the ingest handler). */
export interface InspectionTrigger {
  readonly upload: UploadedObject;
  /** The triggering event's id: it owns the inspection's claim, so a retry of the same event stays the owner. */
  readonly eventId: string;
  /** ISO 8601: when the object was created. */
  readonly time: string;
}

/** Ingest and normalise: claim the object version, read and decode it, bring it to the profile's scale. */
export async function ingestStep(trigger: InspectionTrigger, deps: Pick<CloudDeps, 'uploads' | 'artifacts' | 'profiles' | 'decoder' | 'reports' | 'claims' | 'limits'>): Promise<IngestResult> {
  const started = performance.now();
  const { upload, eventId, time } = trigger;
  const idempotencyKey = uploadIdempotencyKey(upload);
  const target = parseUploadKey(upload.key);
  const reportId = reportIdFor(idempotencyKey);
  const tenant = target.tenant;

  const existing = await deps.reports.get(tenant, reportId);
  if (existing?.status === 'completed') return { duplicate: true, tenant, reportId };
  if ((await deps.claims.claim(idempotencyKey, eventId, reportId)) === 'duplicate') return { duplicate: true, tenant, reportId };

  const limits = deps.limits ?? DEFAULT_INGEST_LIMITS;
  if (upload.size > limits.maxBytes) {
    throw new MmdoError('input_too_large', `the upload has ${upload.size} bytes; the limit is ${limits.maxBytes}`, 413);
  }
  const { bytes, metadata: objectMetadata } = await deps.uploads.get(upload);
  const baseInput = { name: target.name, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength, warnings: [] as string[] };
  // Kept for record-failure, which cannot read the upload bucket, in case decoding fails below.
  await putJson(deps.artifacts, workKey(tenant, reportId, 'input.json'), baseInput);

  const decoded = await deps.decoder.decode(bytes, limits);
  const profile = await deps.profiles.describe(tenant, target.profile, target.version);
  const callerPixel = Number(objectMetadata['pixel-size-um']);
  const pixel = resolvePixelSize({ ...(callerPixel > 0 ? { caller: callerPixel } : {}), file: decoded.pixelSizeUm, profile: profile.pixelSizeUm });
  const prepared = prepareImage(decoded, pixel.pixelSizeUm, profile.pixelSizeUm);
  const keys = { original: workKey(tenant, reportId, 'original.mmdt'), normalised: workKey(tenant, reportId, 'normalised.mmdt') };
  await putGrey(deps.artifacts, keys.original, decoded.image);
  await putGrey(deps.artifacts, keys.normalised, prepared);
  return {
    duplicate: false,
    job: {
      tenant, reportId, idempotencyKey, createdAt: new Date(time).toISOString(), upload: uploadOf(upload), name: target.name,
      profile: { name: target.profile, ...(target.version ? { version: target.version } : {}) },
    },
    profile: { name: profile.name, version: profile.version },
    input: {
      ...baseInput,
      format: decoded.format, bitDepth: decoded.bitDepth, channels: decoded.channels,
      width: decoded.image.width, height: decoded.image.height, pages: decoded.pages,
      ...(pixel.pixelSizeUm ? { pixelSizeUm: pixel.pixelSizeUm } : {}), pixelSizeSource: pixel.source,
      warnings: [...decoded.warnings],
    },
    metadata: null,
    ...(pixel.pixelSizeUm ? { pixelSizeUm: pixel.pixelSizeUm } : {}),
    ...(profile.pixelSizeUm ? { normalisedPixelSizeUm: profile.pixelSizeUm } : {}),
    keys,
    timingsMs: { ingest: ms(started) },
  };
}

function uploadOf(u: UploadedObject) {
  return { bucket: u.bucket, key: u.key, size: u.size, ...(u.etag ? { etag: u.etag } : {}), ...(u.versionId ? { versionId: u.versionId } : {}) };
}

const PatchScoresHeaderSchema = z.object({
  kind: z.literal('patch-scores'),
  /** The normalised image's own size; tiles are in the padded image's pixels. */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Reflected border around the image (absent: none), as the profile's `features.borderPad`. */
  pad: z.number().int().nonnegative().optional(),
  /** Score grid stride in tile pixels (absent: tile width / columns). */
  stride: z.number().positive().optional(),
  overlap: z.number().int().nonnegative(),
  tiles: z.array(z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int().positive(), height: z.number().int().positive() })),
});

/**
 * Embed: pad the normalised image by the profile's reflected border (as local inspection does), tile it and have the
 * endpoint embed and score every tile against the memory bank. The endpoint pools each tile's embedding over the
 * whole tile, mirrored border included (local pools only the cells inside the image).
 */
export async function embedStep(raw: unknown, deps: Pick<CloudDeps, 'artifacts' | 'profiles' | 'scorer'>): Promise<z.infer<typeof EmbedResultSchema>> {
  const started = performance.now();
  const { ingest } = requireState(raw);
  const { job } = ingest;
  const scorer = await deps.scorer();
  const profile = await deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version);
  const d = scorer.descriptor;
  if (profile.backbone.sha256 !== d.sha256) {
    throw new MmdoError('backbone_mismatch', `profile '${profile.name}' v${profile.version} was enrolled with backbone ${profile.backbone.id}, but the endpoint serves ${d.id}`, 409);
  }
  const image = await getGrey(deps.artifacts, ingest.keys.normalised);
  // defaultOverlap reads only the descriptor.
  const overlap = defaultOverlap({ descriptor: d } as Backbone, profile.features, d.tileSize);
  const pad = profile.features.borderPad ?? 0;
  // Tiles grow by the border, as in extractFeatures, so an image that fitted one tile still does.
  const plan = planTiles(image.width + 2 * pad, image.height + 2 * pad, d.tileSize + 2 * pad, overlap, d.sizeMultiple);
  const scored = await scorer.scoreTiles(plan.tiles.map((t) => extractPaddedTile(image, pad, t)), { tenant: job.tenant, ...ingest.profile });
  const scoresKey = workKey(job.tenant, job.reportId, 'patch-scores.mmdt');
  await deps.artifacts.put(scoresKey, encodeFrame(
    { kind: 'patch-scores', width: image.width, height: image.height, pad, stride: scored.stride, overlap: plan.overlap, tiles: plan.tiles },
    [
      { name: 'scores', shape: [plan.tiles.length, scored.rows, scored.cols], data: scored.scores },
      { name: 'embedding', shape: [plan.tiles.length, scored.embeddingDim], data: scored.embeddings },
    ],
  ), TENSOR_CONTENT_TYPE);
  return { scoresKey, tiles: plan.tiles.length, backbone: { id: d.id, sha256: d.sha256 }, timingsMs: { embed: ms(started) } };
}

/** Score: stitch the tiles' patch scores into one map, find regions, and ask the embedding index for novelty. */
export async function scoreStep(raw: unknown, deps: Pick<CloudDeps, 'artifacts' | 'profiles' | 'embeddings' | 'nearest'>): Promise<z.infer<typeof ScoreResultSchema>> {
  const started = performance.now();
  const { ingest, embed } = requireState(raw, 'embed');
  const { job } = ingest;
  const profile = await deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version);
  const frame = await getFrame(deps.artifacts, embed.scoresKey, PatchScoresHeaderSchema);
  const h = frame.header;
  const scores = requireTensor(frame, 'scores', 'float32');
  const [count, rows, cols] = scores.shape as [number, number, number];
  const pad = h.pad ?? 0;
  const maps: (TileMap & { stride: number })[] = [];
  for (let t = 0; t < count; t++) {
    const tile = h.tiles[t]!;
    maps.push({ tile, stride: h.stride ?? tile.width / cols, map: createGreyImage(cols, rows, (scores.data as Float32Array).slice(t * rows * cols, (t + 1) * rows * cols)) });
  }
  const prepared = cropBorder(stitchTiles(maps, h.width + 2 * pad, h.height + 2 * pad, h.overlap), pad);
  const { width, height } = ingest.input as { width: number; height: number };
  const map = prepared.width === width && prepared.height === height ? prepared : resize(prepared, width, height);
  const cal = profile.calibration;
  // As local scorePatches (whose scores calibrated the profile): the top patch scores, with a border only those of
  // patches centred inside the image.
  const patchRaw = imageScore(pad > 0 ? scoresInside(maps, pad, h.width, h.height) : (scores.data as Float32Array), profile.features.imageScoreTopFraction);
  const regions = findRegions(map, { threshold: cal.pixelThreshold, pixelSizeUm: ingest.pixelSizeUm ?? null }).regions;

  const embedding = meanNormalised(requireTensor(frame, 'embedding', 'float32'));
  let novelty: z.infer<typeof ScoreResultSchema>['novelty'];
  if (profile.embeddings.ids.length > 0) {
    const nearest = await deps.embeddings(embed.backbone, embedding.length).nearest(embedding, deps.nearest ?? 3, { tenant: job.tenant, profile: profile.name, profileVersion: profile.version });
    if (nearest.length > 0) {
      const distance = nearest[0]!.distance;
      const calibrated = cal.normalNoveltyScores.length ? calibrate(distance, thresholdsFromNormals(cal.normalNoveltyScores)) : 0;
      novelty = { raw: distance, calibrated, nearest: nearest.map((n) => ({ id: n.id, distance: n.distance, ...(n.label ? { label: n.label } : {}) })) };
    }
  }
  const scoreMapKey = workKey(job.tenant, job.reportId, 'score-map.mmdt');
  await putGrey(deps.artifacts, scoreMapKey, map);
  const low = cal.pixelScoreLow ?? quantile(prepared.data, 0.5);
  return {
    patch: { raw: patchRaw, calibrated: calibrate(patchRaw, cal) },
    ...(novelty ? { novelty } : {}),
    regions,
    scoreMapKey,
    heatmapBounds: heatmapBounds(cal.pixelThreshold, low),
    pixelThreshold: cal.pixelThreshold,
    timingsMs: { score: ms(started) },
  };
}

function meanNormalised(t: { shape: readonly number[]; data: ArrayLike<number> }): Float32Array {
  const [count, dim] = t.shape as [number, number];
  const out = new Float32Array(dim);
  for (let i = 0; i < count; i++) for (let c = 0; c < dim; c++) out[c] += t.data[i * dim + c]! / count;
  const norm = Math.hypot(...out);
  if (norm > 0) for (let c = 0; c < dim; c++) out[c] /= norm;
  return out;
}

/** Microstructure and consistency: phases, metrics, graph and rule checks on the original image. */
export async function microstructureStep(raw: unknown, deps: Pick<CloudDeps, 'artifacts'>): Promise<z.infer<typeof MicrostructureResultSchema>> {
  const started = performance.now();
  const { ingest } = requireState(raw);
  const { job } = ingest;
  const original = await getGrey(deps.artifacts, ingest.keys.original);
  const analysis = analyseMicrostructure(original, { ...(ingest.pixelSizeUm ? { pixelSizeUm: ingest.pixelSizeUm } : {}), metadata: ingest.metadata });
  const detailKey = workKey(job.tenant, job.reportId, 'microstructure.json');
  const phaseOverlayKey = workKey(job.tenant, job.reportId, 'phases.mmdt');
  await putJson(deps.artifacts, detailKey, { microstructure: analysis.microstructure, findings: analysis.findings });
  await putRgba(deps.artifacts, phaseOverlayKey, analysis.phaseOverlay);
  return { consistency: analysis.consistency, detailKey, phaseOverlayKey, findings: analysis.findings.length, timingsMs: { microstructure: ms(started) } };
}

/** Fuse the calibrated components into the score and verdict. */
export function fuseStep(raw: unknown): z.infer<typeof FuseResultSchema> {
  const { score, microstructure } = requireState(raw, 'score', 'microstructure');
  const inputs: ComponentInput[] = [{ name: 'patch', ...score.patch }];
  if (score.novelty) inputs.push({ name: 'novelty', raw: score.novelty.raw, calibrated: score.novelty.calibrated });
  inputs.push({ name: 'consistency', ...microstructure.consistency });
  const fused = fuse(inputs);
  return { ...fused, thresholds: { suspect: SUSPECT_CALIBRATED, anomalous: ANOMALOUS_CALIBRATED } };
}

const DetailSchema = z.object({ microstructure: z.record(z.string(), z.unknown()), findings: z.array(z.record(z.string(), z.unknown())) });

/** Write the report: render heatmap and overlays, store them, put the report once. */
export async function writeReportStep(raw: unknown, deps: Pick<CloudDeps, 'artifacts' | 'encoder' | 'reports'>): Promise<ResultDetail> {
  const started = performance.now();
  const { ingest, embed, score, microstructure, fuse: fused } = requireState(raw, 'embed', 'score', 'microstructure', 'fuse');
  const { job } = ingest;
  const [original, map, phases] = await Promise.all([
    getGrey(deps.artifacts, ingest.keys.original),
    getGrey(deps.artifacts, score.scoreMapKey),
    getRgba(deps.artifacts, microstructure.phaseOverlayKey),
  ]);
  const detail = DetailSchema.parse(await getJson(deps.artifacts, microstructure.detailKey));
  const { labels } = findRegions(map, { threshold: score.pixelThreshold });
  const artifacts = {
    heatmap: reportArtifactKey(job.tenant, job.reportId, 'heatmap.png'),
    overlay: reportArtifactKey(job.tenant, job.reportId, 'overlay.png'),
    phases: reportArtifactKey(job.tenant, job.reportId, 'phases.png'),
  };
  const pngs = await Promise.all([
    deps.encoder.encodePng(renderHeatmap(map, score.heatmapBounds)),
    deps.encoder.encodePng(renderOverlay(original, map, { bounds: score.heatmapBounds, labels })),
    deps.encoder.encodePng(phases),
  ]);
  await Promise.all([
    deps.artifacts.put(artifacts.heatmap, pngs[0], 'image/png'),
    deps.artifacts.put(artifacts.overlay, pngs[1], 'image/png'),
    deps.artifacts.put(artifacts.phases, pngs[2], 'image/png'),
  ]);
  const timingsMs = { ...ingest.timingsMs, ...embed.timingsMs, ...score.timingsMs, ...microstructure.timingsMs, report: ms(started) };
  const report: Report = ReportSchema.parse({
    schemaVersion: REPORT_SCHEMA_VERSION,
    id: job.reportId,
    tenant: job.tenant,
    createdAt: job.createdAt,
    status: 'completed',
    input: ingest.input,
    metadata: ingest.metadata,
    backbone: embed.backbone,
    profile: ingest.profile,
    scores: fused,
    regions: score.regions,
    ...(score.novelty ? { novelty: { score: score.novelty.raw, nearest: score.novelty.nearest } } : {}),
    microstructure: detail.microstructure,
    ...(detail.findings.length ? { findings: detail.findings } : {}),
    artifacts,
    timingsMs,
  });
  const outcome = await deps.reports.putOnce(report);
  return {
    tenant: job.tenant, reportId: job.reportId, status: 'completed', upload: { bucket: job.upload.bucket, key: job.upload.key },
    verdict: fused.verdict, score: fused.score, written: outcome === 'written',
  };
}

/** A step's permanent failure, as handlers throw it: the message carries code and stage for record-failure. */
export interface FailureReason {
  readonly code: string;
  readonly message: string;
  readonly stage: string;
}

const FailureReasonSchema = z.object({ code: z.string(), message: z.string(), stage: z.string() });
const LambdaCauseSchema = z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() }).passthrough();

/** Reads the reason back from Step Functions' `$.error` ({ Error, Cause: JSON of the Lambda error }). */
export function failureReasonOf(error: z.infer<typeof StepErrorSchema>): FailureReason {
  let message = error.Cause ?? error.Error;
  try {
    const cause = LambdaCauseSchema.parse(JSON.parse(error.Cause ?? ''));
    message = cause.errorMessage ?? message;
    const reason = FailureReasonSchema.safeParse(JSON.parse(message));
    if (reason.success) return reason.data;
  } catch {
    // Not JSON: a runtime or service error (timeout, out of memory) rather than one of ours.
  }
  return { code: error.Error, message, stage: 'workflow' };
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

/**
 * Record failure: a failed report with its reason (never replacing a completed one). Works from whatever the state
 * holds: the ingested job, or only the triggering event when ingest itself failed.
 */
export async function recordFailureStep(raw: unknown, deps: Pick<CloudDeps, 'artifacts' | 'reports'>, triggering?: UploadedObject): Promise<ResultDetail> {
  const state = WorkflowStateSchema.parse(raw);
  const reason = failureReasonOf(state.error ?? { Error: 'unknown_error', Cause: 'the workflow recorded no error' });
  const ingested = state.ingest && !state.ingest.duplicate ? state.ingest : undefined;
  let tenant: string;
  let reportId: string;
  let upload: { bucket: string; key: string } | undefined;
  let name: string;
  let createdAt = ingested?.job.createdAt ?? (state.time ? new Date(state.time).toISOString() : new Date().toISOString());
  if (ingested) {
    ({ tenant, reportId, name } = ingested.job);
    upload = { bucket: ingested.job.upload.bucket, key: ingested.job.upload.key };
  } else {
    const object = triggering;
    if (!object) throw new ValidationError('the workflow state has neither an ingested job nor its triggering S3 event');
    upload = { bucket: object.bucket, key: object.key };
    let target: ReturnType<typeof parseUploadKey> | undefined;
    try {
      target = parseUploadKey(object.key);
    } catch {
      target = undefined;
    }
    // A key outside the layout has no tenant: its failure is filed under the first key segment.
    tenant = target?.tenant ?? (object.key.split('/')[0]!.replace(/[^A-Za-z0-9._-]/g, '_') || 'unknown');
    name = target?.name ?? object.key;
    let key: string;
    try {
      key = uploadIdempotencyKey(object);
    } catch {
      key = `${object.bucket}/${object.key}#event:${state.id ?? createdAt}`;
    }
    reportId = reportIdFor(key);
    createdAt = state.time ? new Date(state.time).toISOString() : createdAt;
  }
  const stored = ingested
    ? ingested.input
    : z.object({ name: z.string(), sha256: z.string(), bytes: z.number() }).optional().parse(await getJson(deps.artifacts, workKey(tenant, reportId, 'input.json')).catch(() => undefined));
  const input = stored
    ? { ...stored, warnings: 'warnings' in stored ? stored.warnings : [] }
    : { name, sha256: EMPTY_SHA256, bytes: 0, warnings: ['the upload was never read; sha256 and size are those of no bytes'] };
  const report: Report = ReportSchema.parse({
    schemaVersion: REPORT_SCHEMA_VERSION,
    id: reportId,
    tenant,
    createdAt,
    status: 'failed',
    input,
    metadata: ingested?.metadata ?? null,
    backbone: state.embed?.backbone ?? null,
    profile: ingested?.profile ?? null,
    scores: null,
    regions: [],
    artifacts: {},
    timingsMs: {},
    failure: reason,
  });
  const outcome = await deps.reports.putOnce(report);
  return { tenant, reportId, status: 'failed', ...(upload ? { upload } : {}), failure: reason, written: outcome === 'written' };
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../../domain/errors.js';
import { InputSchema, RegionSchema, ScoreComponentSchema, VerdictSchema } from '../../domain/report/report.js';
import type { UploadedObject } from '../../ports/cloud.js';

/**
 * The workflow state (lib/constructs/inspection-workflow.ts): the triggering EventBridge event, plus each step's
 * result under its key. Every handler receives the whole state and validates only the parts it reads.
 */
const ProfileRefSchema = z.object({ name: z.string(), version: z.number().int().positive() });

export const JobSchema = z.object({
  tenant: z.string(),
  reportId: z.string(),
  idempotencyKey: z.string(),
  /** The event's time: a redelivered event yields the same report. */
  createdAt: z.iso.datetime(),
  upload: z.object({ bucket: z.string(), key: z.string(), size: z.number(), etag: z.string().optional(), versionId: z.string().optional() }),
  name: z.string(),
  profile: z.object({ name: z.string(), version: z.number().int().positive().optional() }),
});
export type Job = z.infer<typeof JobSchema>;

export const IngestResultSchema = z.discriminatedUnion('duplicate', [
  z.object({ duplicate: z.literal(true), tenant: z.string(), reportId: z.string() }),
  z.object({
    duplicate: z.literal(false),
    job: JobSchema,
    profile: ProfileRefSchema,
    input: InputSchema,
    metadata: z.record(z.string(), z.unknown()).nullable(),
    /** µm/px of the original image (when known) and of the normalised one (the profile's). */
    pixelSizeUm: z.number().positive().optional(),
    normalisedPixelSizeUm: z.number().positive().optional(),
    keys: z.object({ original: z.string(), normalised: z.string() }),
    timingsMs: z.record(z.string(), z.number()),
  }),
]);
export type IngestResult = z.infer<typeof IngestResultSchema>;
export type IngestedJob = Extract<IngestResult, { duplicate: false }>;

export const EmbedResultSchema = z.object({
  scoresKey: z.string(),
  tiles: z.number().int().positive(),
  backbone: z.object({ id: z.string(), sha256: z.string() }),
  timingsMs: z.record(z.string(), z.number()),
});

const CalibratedSchema = z.object({ raw: z.number(), calibrated: z.number().min(0).max(1) });

export const ScoreResultSchema = z.object({
  patch: CalibratedSchema,
  novelty: CalibratedSchema.extend({ nearest: z.array(z.object({ id: z.string(), distance: z.number(), label: z.string().optional() })) }).optional(),
  regions: z.array(RegionSchema),
  scoreMapKey: z.string(),
  heatmapBounds: z.object({ low: z.number(), high: z.number() }),
  pixelThreshold: z.number(),
  timingsMs: z.record(z.string(), z.number()),
});

export const MicrostructureResultSchema = z.object({
  consistency: CalibratedSchema,
  detailKey: z.string(),
  phaseOverlayKey: z.string(),
  findings: z.number().int().nonnegative(),
  timingsMs: z.record(z.string(), z.number()),
});

export const FuseResultSchema = z.object({
  score: z.number().min(0).max(1),
  verdict: VerdictSchema,
  thresholds: z.object({ suspect: z.number(), anomalous: z.number() }),
  components: z.array(ScoreComponentSchema),
});

/** The detail of the result events (completed and failed alike). */
export const ResultDetailSchema = z.object({
  tenant: z.string(),
  reportId: z.string(),
  status: z.enum(['completed', 'failed']),
  upload: z.object({ bucket: z.string(), key: z.string() }).optional(),
  verdict: VerdictSchema.optional(),
  score: z.number().optional(),
  failure: z.object({ code: z.string(), message: z.string(), stage: z.string() }).optional(),
  /** False when this run found the report already written (an overlapping duplicate). */
  written: z.boolean(),
});
export type ResultDetail = z.infer<typeof ResultDetailSchema>;

/** What Step Functions puts under `$.error` when a step fails. */
export const StepErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() });

export const WorkflowStateSchema = z.object({
  id: z.string().optional(),
  time: z.string().optional(),
  detail: z.unknown().optional(),
  ingest: IngestResultSchema.optional(),
  embed: EmbedResultSchema.optional(),
  score: ScoreResultSchema.optional(),
  microstructure: MicrostructureResultSchema.optional(),
  fuse: FuseResultSchema.optional(),
  error: StepErrorSchema.optional(),
}).passthrough();
export type WorkflowState = z.infer<typeof WorkflowStateSchema>;

/** Parses the state and insists that the named earlier results are there. */
export function requireState<K extends 'embed' | 'score' | 'microstructure' | 'fuse'>(
  raw: unknown, ...keys: K[]
): WorkflowState & { ingest: IngestedJob } & { [P in K]-?: NonNullable<WorkflowState[P]> } {
  const state = WorkflowStateSchema.parse(raw);
  if (!state.ingest || state.ingest.duplicate) throw new ValidationError('the workflow state has no ingested job');
  for (const key of keys) if (!state[key]) throw new ValidationError(`the workflow state has no '${key}' result`);
  return state as never;
}

/** Same object version → same report id, so a duplicate run can never make a second report. */
export function reportIdFor(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
}

/**
 * The idempotency key of an inspection: one object version. Without versioning the ETag stands in for the
 * version, so re-uploading identical bytes is the same inspection and different bytes are a new one.
 */
export function uploadIdempotencyKey(upload: UploadedObject): string {
  const version = upload.versionId ?? (upload.etag ? `etag:${upload.etag.replace(/"/g, '')}` : undefined);
  if (!version) throw new ValidationError('an upload needs a version id or an ETag to be processed once', { key: upload.key });
  return `${upload.bucket}/${upload.key}#${version}`;
}

/** Intermediate files of one inspection (the artifact bucket expires `work/` after 7 days). */
export function workKey(tenant: string, reportId: string, file: string): string {
  return `work/${tenant}/${reportId}/${file}`;
}

export function reportArtifactKey(tenant: string, reportId: string, file: string): string {
  return `${tenant}/reports/${reportId}/${file}`;
}

const UPLOAD_KEY = /^([A-Za-z0-9_][A-Za-z0-9._-]{0,127})\/([A-Za-z0-9_][A-Za-z0-9._-]{0,127}?)(?:@v?(\d+))?\/(.+)$/;

/**
 * Upload keys name tenant and profile: `<tenant>/<profile>[@<version>]/<any name>`, e.g.
 * `acme/cathode-sem/batch-7/img-001.tif` (latest version) or `acme/cathode-sem@3/img-001.tif`.
 */
export function parseUploadKey(key: string): { tenant: string; profile: string; version?: number; name: string } {
  const m = UPLOAD_KEY.exec(key);
  if (!m || m[1]!.includes('..') || m[2]!.includes('..')) {
    throw new ValidationError(`upload key '${key}' must be <tenant>/<profile>[@<version>]/<name>`, { key });
  }
  return { tenant: m[1]!, profile: m[2]!, ...(m[3] ? { version: Number(m[3]) } : {}), name: m[4]! };
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../../domain/errors.js';
import { MODALITIES } from '../../domain/profile/settings.js';
import { ForecastSchema, InputSchema, NearestImageSchema, RegionSchema, ReproducibilitySchema, ScoresSchema, VerdictSchema } from '../../domain/report/report.js';
import type { UploadedObject } from '../../ports/inspection.js';
import type { StageName } from './definition.js';

/**
 * The inspection state: the job, then each stage's result under the stage's name. JSON only (rasters and large
 * records live in the Scratch port and are referred to by the refs it returns), so the same state is a local
 * object and a cloud workflow payload. Every stage validates what it reads.
 */
const RefSchema = z.string().min(1);
const ProfileRefSchema = z.object({ name: z.string(), version: z.number().int().positive() });
const BackboneRefSchema = z.object({ id: z.string(), sha256: z.string() });
const CalibratedSchema = z.object({ raw: z.number(), calibrated: z.number().min(0).max(1) });

export const JobSchema = z.object({
  tenant: z.string().min(1),
  reportId: z.string().min(1),
  /** ISO 8601: when the input arrived (a redelivered cloud event yields the same report). */
  createdAt: z.iso.datetime({ offset: true }),
  name: z.string().min(1),
  profile: z.object({ name: z.string().min(1), version: z.number().int().positive().optional() }),
  /** The object to inspect (locally its bytes come with the request and this only names it). */
  input: z.object({ bucket: z.string(), key: z.string(), size: z.number().int().nonnegative(), etag: z.string().optional(), versionId: z.string().optional() }),
  /** Caller-declared µm per pixel (HTTP, CLI or object metadata): overrides the file's tags. */
  pixelSizeUm: z.number().positive().optional(),
  /** The synthesis sheet as submitted (validated by the ingest stage). */
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type Job = z.infer<typeof JobSchema>;

export const IngestResultSchema = z.object({
  input: InputSchema,
  profile: ProfileRefSchema,
  /** µm/px of the original image when known, and of the normalised one (the profile's). */
  pixelSizeUm: z.number().positive().optional(),
  normalisedPixelSizeUm: z.number().positive().optional(),
  /** The sheet after validation (as submitted, or from the source), or null. */
  metadata: z.record(z.string(), z.unknown()).nullable(),
  modality: z.enum(MODALITIES),
  original: RefSchema,
});

export const NormaliseResultSchema = z.object({ normalised: RefSchema });

export const MicrostructureResultSchema = z.object({
  consistency: CalibratedSchema,
  /** { microstructure, findings } for the report. */
  detail: RefSchema,
  phases: RefSchema,
});

export const EmbedResultSchema = z.object({
  backbone: BackboneRefSchema,
  /** Per-tile patch scores [tiles, rows, cols] (floats) and where the tiles lie (JSON). */
  scores: RefSchema,
  plan: RefSchema,
  stride: z.number().positive(),
  /** The image embedding (L2-normalised floats). */
  embedding: RefSchema,
});

export const PatchResultSchema = CalibratedSchema.extend({
  regions: z.array(RegionSchema),
  /** The smoothed anomaly map at the original image's size (with the profile's density map fused in, where it has one). */
  map: RefSchema,
});

export const NoveltyResultSchema = z.discriminatedUnion('present', [
  CalibratedSchema.extend({
    present: z.literal(true),
    nearest: z.array(NearestImageSchema),
  }),
  /** Nothing to compare with (no enrolled embeddings, or no calibration of novelty): no component. */
  z.object({ present: z.literal(false), reason: z.string() }),
]);

export const DensityResultSchema = z.discriminatedUnion('present', [
  CalibratedSchema.extend({
    present: z.literal(true),
    /** Each pooled block's z against the enrolled normals and its weight in the raw score (Σ weight·z). */
    blocks: z.array(z.object({ name: z.string(), z: z.number(), weight: z.number() })),
    /** Where the raw score comes from (domain/scoring/density-map.ts), coarse, when the profile fuses it into the anomaly map. */
    map: RefSchema.optional(),
  }),
  /** Off in the profile's settings, or the version was enrolled with too few images to fit one. */
  z.object({ present: z.literal(false), reason: z.string() }),
]);

export const ReplicatesResultSchema = z.discriminatedUnion('present', [
  ReproducibilitySchema.extend({ present: z.literal(true), raw: z.number(), calibrated: z.number().min(0).max(1) }),
  z.object({ present: z.literal(false), reason: z.string() }),
]);

export const ForecastResultSchema = ForecastSchema;

export const FuseResultSchema = ScoresSchema;

export const RenderResultSchema = z.object({ artifacts: z.record(z.string(), z.string()) });

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

export const WriteResultSchema = ResultDetailSchema;

export const STAGE_RESULT_SCHEMAS = {
  ingest: IngestResultSchema,
  microstructure: MicrostructureResultSchema,
  normalise: NormaliseResultSchema,
  density: DensityResultSchema,
  embed: EmbedResultSchema,
  patch: PatchResultSchema,
  novelty: NoveltyResultSchema,
  replicates: ReplicatesResultSchema,
  forecast: ForecastResultSchema,
  fuse: FuseResultSchema,
  render: RenderResultSchema,
  write: WriteResultSchema,
} as const satisfies Record<StageName, z.ZodType>;

export type StageResults = { [K in StageName]: z.infer<(typeof STAGE_RESULT_SCHEMAS)[K]> };

/** What Step Functions puts under `$.error` when a step fails. */
export const StepErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() });

export const InspectionStateSchema = z.object({
  job: JobSchema,
  ingest: IngestResultSchema.optional(),
  microstructure: MicrostructureResultSchema.optional(),
  normalise: NormaliseResultSchema.optional(),
  density: DensityResultSchema.optional(),
  embed: EmbedResultSchema.optional(),
  patch: PatchResultSchema.optional(),
  novelty: NoveltyResultSchema.optional(),
  replicates: ReplicatesResultSchema.optional(),
  forecast: ForecastResultSchema.optional(),
  fuse: FuseResultSchema.optional(),
  render: RenderResultSchema.optional(),
  write: WriteResultSchema.optional(),
  timingsMs: z.record(z.string(), z.number()),
  /** The object version was already inspected (or claimed by another run): the workflow ends here. */
  duplicate: z.boolean().optional(),
  error: StepErrorSchema.optional(),
  /** The failed event's detail, once the failure path has recorded the failed report. */
  failure: ResultDetailSchema.optional(),
});
export type InspectionState = z.infer<typeof InspectionStateSchema>;

/** The state with the named stages' results present. */
export type StateWith<K extends StageName> = InspectionState & { [P in K]-?: StageResults[P] };

/** Parses a state and insists that the named stages' results are there. */
export function requireResults<K extends StageName>(state: InspectionState, ...stages: K[]): StateWith<K> {
  for (const stage of stages) if (!state[stage]) throw new ValidationError(`the inspection state has no '${stage}' result`);
  return state as StateWith<K>;
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

export function reportArtifactKey(tenant: string, reportId: string, file: string): string {
  return `${tenant}/reports/${reportId}/${file}`;
}

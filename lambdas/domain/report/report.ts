import { z } from 'zod';
import { COMPONENT_NAMES } from '../profile/settings.js';

/**
 * The inspection report: the product's main output, stored locally (SQLite + files) and in the cloud (DynamoDB + S3).
 * Versioned: a breaking change bumps REPORT_SCHEMA_VERSION and keeps readers of older versions working.
 */
export const REPORT_SCHEMA_VERSION = '1.0' as const;

export const VerdictSchema = z.enum(['normal', 'suspect', 'anomalous']);
export type Verdict = z.infer<typeof VerdictSchema>;

export const BoundingBoxSchema = z.object({
  x: z.number().int().nonnegative(),
  y: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

export const RegionSchema = z.object({
  id: z.number().int().nonnegative(),
  bbox: BoundingBoxSchema,
  areaPx: z.number().int().positive(),
  areaUm2: z.number().nonnegative().optional(),
  peakScore: z.number(),
  meanScore: z.number(),
  centroid: z.object({ x: z.number(), y: z.number() }),
});
export type Region = z.infer<typeof RegionSchema>;

export const ScoreComponentSchema = z.object({
  name: z.enum(COMPONENT_NAMES),
  /** The component's own raw score (distance, rule severity...). */
  raw: z.number(),
  /** 0..1, calibrated on held-out normal images (0.5 = suspect threshold). */
  calibrated: z.number().min(0).max(1),
  weight: z.number().nonnegative(),
  /** Share of the fused score this component accounts for (sums to 1 over components with weight). */
  contribution: z.number().min(0).max(1),
  /** Exact Shapley value (baseline: calibrated 0): the components' values sum to the fused score. */
  shapley: z.number().optional(),
  /** Conformal p-value of the raw score among the profile's calibration normals, and how many there were. */
  pValue: z.number().min(0).max(1).optional(),
  calibrationSize: z.number().int().nonnegative().optional(),
});
export type ScoreComponent = z.infer<typeof ScoreComponentSchema>;

export const ScoresSchema = z.object({
  score: z.number().min(0).max(1),
  verdict: VerdictSchema,
  thresholds: z.object({ suspect: z.number(), anomalous: z.number() }),
  components: z.array(ScoreComponentSchema),
  /** One sentence that explains the verdict from the components' Shapley values. */
  explanation: z.string().optional(),
  /** How sure the score is: an interval over calibration resamples, and whether the components agree. */
  uncertainty: z.object({
    lower: z.number(), upper: z.number(), confidence: z.number(), componentsAgree: z.boolean(), disagreement: z.string().optional(),
  }).optional(),
  /** Outside what the profile has seen (not the same as anomalous). */
  outOfDistribution: z.object({ flagged: z.boolean(), reason: z.string().optional() }).optional(),
});

export const InputSchema = z.object({
  name: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  format: z.enum(['png', 'jpeg', 'tiff']).optional(),
  bitDepth: z.union([z.literal(8), z.literal(16)]).optional(),
  channels: z.number().int().positive().optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  pages: z.number().int().positive().optional(),
  pixelSizeUm: z.number().positive().optional(),
  pixelSizeSource: z.enum(['file', 'caller', 'metadata', 'profile', 'unknown']).optional(),
  warnings: z.array(z.string()).default([]),
});

/** One of the nearest enrolled images: its name, distance and, in reports written since they carry it, its content hash. */
export const NearestImageSchema = z.object({
  id: z.string(),
  distance: z.number(),
  label: z.string().optional(),
  /** The enrolled image's content hash: names its thumbnail (GET /v1/profiles/{name}/versions/{version}/images/{sha256}/thumbnail.png). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});

export const NoveltySchema = z.object({
  score: z.number(),
  nearest: z.array(NearestImageSchema),
});

/**
 * The density component's evidence: its raw score (Σ weight·z, about 0 on a typical normal image) and each pooled
 * block's z against the enrolled normals (e.g. `out_relu.std` high: texture contrast unlike the normals').
 */
export const DensitySchema = z.object({
  score: z.number(),
  blocks: z.array(z.object({ name: z.string(), z: z.number(), weight: z.number() })),
});

/** Spread of the metrics over replicate fields of view of one sample (present only when replicates exist). */
export const ReproducibilitySchema = z.object({
  /** Fields of view compared, this one included. */
  fields: z.number().int().min(2),
  batchId: z.string(),
  sampleId: z.string(),
  reportIds: z.array(z.string()),
  /** 2^(−mean CV / tolerance): 1 identical fields, 0.5 at the tolerance. */
  score: z.number().min(0).max(1),
  meanCv: z.number().nonnegative(),
  metrics: z.array(z.object({ metric: z.string(), n: z.number().int(), mean: z.number(), std: z.number().nullable(), cv: z.number().nullable(), tolerance: z.number() })),
  findings: z.array(z.object({ metric: z.string(), cv: z.number(), tolerance: z.number(), message: z.string() })),
});

/** Capacity-retention forecast, or why there is none. */
export const ForecastSchema = z.discriminatedUnion('available', [
  z.object({
    available: z.literal(true),
    cycle: z.number().int().positive(),
    confidence: z.number(),
    /** Predicted retention (median) and its prediction interval, fractions of initial capacity. */
    retention: z.number(),
    lower: z.number(),
    upper: z.number(),
    trainingBatches: z.number().int().positive(),
    /** True when any training history was generated rather than measured. */
    synthetic: z.boolean(),
    features: z.record(z.string(), z.number()),
    coefficients: z.record(z.string(), z.number()),
    lambda: z.number(),
  }),
  z.object({ available: z.literal(false), reason: z.string() }),
]);

export const FailureSchema = z.object({
  code: z.string(),
  message: z.string(),
  stage: z.string(),
});

export const ReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  id: z.string().min(1),
  tenant: z.string().min(1),
  createdAt: z.iso.datetime(),
  status: z.enum(['completed', 'failed']),
  input: InputSchema,
  /** Declared synthesis metadata (batch, sulfur loading...), validated elsewhere; unknown keys kept. */
  metadata: z.record(z.string(), z.unknown()).nullable(),
  backbone: z.object({ id: z.string(), sha256: z.string() }).nullable(),
  profile: z.object({ name: z.string(), version: z.number().int().positive() }).nullable(),
  scores: ScoresSchema.nullable(),
  regions: z.array(RegionSchema),
  novelty: NoveltySchema.optional(),
  density: DensitySchema.optional(),
  /** Microstructure metrics, graph and consistency findings (filled by the microstructure stage). */
  microstructure: z.record(z.string(), z.unknown()).optional(),
  findings: z.array(z.record(z.string(), z.unknown())).optional(),
  reproducibility: ReproducibilitySchema.optional(),
  forecast: ForecastSchema.optional(),
  /** Keys of stored images (heatmap, overlay, phases, micrograph) in the artifact store. */
  artifacts: z.record(z.string(), z.string()),
  timingsMs: z.record(z.string(), z.number().nonnegative()),
  failure: FailureSchema.optional(),
});
export type Report = z.infer<typeof ReportSchema>;

import { z } from 'zod';

/**
 * The /invocations contract between the SageMaker adapter (sagemaker-backbone.ts) and the model container
 * (model-container/). Bodies are tensor frames (lambdas/domain/wire/tensor-frame.ts).
 */

/** SageMaker real-time endpoints reject request and response bodies above 6 MB. */
export const PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

const ProfileRefSchema = z.object({
  tenant: z.string().min(1).max(128),
  name: z.string().min(1).max(128),
  version: z.number().int().positive(),
});

/**
 * A request: `describe` returns the backbone's descriptor; `extract` runs the backbone on the `tiles` tensor
 * (float32 [N,H,W], grey 0..1, normalised) and returns the feature maps of `layers` and/or, with `profile`, the
 * patch scores against that profile version's memory bank plus each tile's pooled embedding. Images larger than
 * one payload are split by the caller into several requests of whole tiles (see sagemaker-backbone.ts).
 */
export const InvocationRequestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('describe') }),
  z.object({
    op: z.literal('extract'),
    /** Feature maps to return (default none when `profile` is given, else the descriptor's patch + embedding layers). */
    layers: z.array(z.string().min(1)).max(32).optional(),
    profile: ProfileRefSchema.optional(),
    /** Per tile, the pixel rectangle [x0, y0, x1, y1) that shows the image: its embedding pools only those cells. */
    inside: z.array(z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()])).max(4096).optional(),
  }),
]);
export type InvocationRequest = z.infer<typeof InvocationRequestSchema>;

export const BackboneDescriptorSchema = z.object({
  id: z.string(),
  sha256: z.string(),
  sizeMultiple: z.number().int().positive(),
  tileSize: z.number().int().positive(),
  layers: z.array(z.object({ name: z.string(), stride: z.number().int().positive(), channels: z.number().int().positive() })),
  patchLayers: z.array(z.string()),
  embeddingLayer: z.string(),
});

/**
 * The response: tensors `features/<layer>` float32 [N,C,h,w]; with a profile, `scores` float32 [N,rows,cols]
 * (mean distance of each patch to its k nearest bank patches) and `embedding` float32 [N,C] (per tile, the mean
 * of the embedding layer over the cells inside `inside`, or the whole tile without it; not normalised). `device` says where ORT ran (cuda or cpu).
 */
export const InvocationResponseSchema = z.object({
  op: z.enum(['describe', 'extract']),
  backbone: BackboneDescriptorSchema,
  device: z.string(),
  /** Grid stride of `scores` in tile pixels. */
  scoreStride: z.number().int().positive().optional(),
  timingsMs: z.record(z.string(), z.number()).optional(),
});
export type InvocationResponse = z.infer<typeof InvocationResponseSchema>;

/** Problem details the container answers errors with (RFC 9457). */
export const ProblemSchema = z.object({ type: z.string().optional(), title: z.string(), status: z.number().int(), detail: z.string().optional(), code: z.string().optional() });

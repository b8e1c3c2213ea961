import { z } from 'zod';

/**
 * A batch's synthesis sheet as the product understands it. Every known field is optional (sheets differ), unknown
 * keys are kept as they are, and a known field with a bad value is rejected with the field named.
 */
export const SynthesisMetadataSchema = z.looseObject({
  batchId: z.string().trim().min(1).optional(),
  /** The sample within the batch: fields of view with the same batch and sample are replicates. */
  sampleId: z.string().trim().min(1).optional(),
  /** Sulfur share of the solid cathode (sulfur + carbon host), wt%. */
  sulfurLoadingWtPct: z.number().min(0).max(100).optional(),
  carbonHost: z.string().trim().min(1).optional(),
  /** Target porosity as a fraction 0..1 (sheets writing "45 %" are converted by the parsers). */
  targetPorosity: z.number().min(0).max(1).optional(),
  /** Declared median sulfur particle size, µm. */
  particleSizeUm: z.number().positive().max(10000).optional(),
  processNotes: z.string().optional(),
  /** Micrometres per pixel of the micrographs of this batch. */
  pixelSizeUm: z.number().positive().max(1000).optional(),
});
export type SynthesisMetadata = z.infer<typeof SynthesisMetadataSchema>;

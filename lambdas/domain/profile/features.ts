import { z } from 'zod';

/**
 * A profile's patch-feature settings (profile.ts `PatchFeatureConfig`) as data: checked where they are read back,
 * in a stored profile version and in a tuning run's saved recipe.
 */
export const PatchFeatureConfigSchema = z.object({
  layers: z.array(z.string()),
  neighbourhood: z.number().int().positive(),
  k: z.number().int().positive(),
  coresetRatio: z.number().positive().max(1),
  projectionDim: z.number().int().positive().nullable(),
  seed: z.number().int(),
  coresetMaxSize: z.number().int().positive().optional(),
});

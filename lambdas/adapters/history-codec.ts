import { z } from 'zod';

/**
 * The stored form of a cycling history (ports/history.ts `CyclingHistory`), shared by every CyclingHistoryStore
 * (SQLite, DynamoDB): what is written is checked against it, and so is what is read back.
 */
export const StoredCyclingHistorySchema = z.object({
  batchId: z.string(),
  points: z.array(z.object({ cycle: z.number(), retention: z.number() })),
  synthetic: z.boolean(),
  features: z.array(z.number()).optional(),
  reports: z.number().int().nonnegative(),
  attachedAt: z.string(),
});

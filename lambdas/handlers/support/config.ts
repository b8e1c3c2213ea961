import { z } from 'zod';
import { DEFAULT_EMBEDDING_INDEX_PREFIX } from '../../adapters/aws/opensearch-embedding-index.js';

/**
 * Handler settings from the environment the stack sets (lib/stateless-stack.ts). The *_ENDPOINT_URL overrides point
 * the SDK clients at local stand-ins (s3rver, dynalite, the model container on loopback) for local runs and tests.
 */
export const HandlerEnvSchema = z.object({
  AWS_REGION: z.string().default('us-east-1'),
  MMDO_UPLOAD_BUCKET: z.string().min(1),
  MMDO_ARTIFACT_BUCKET: z.string().min(1),
  MMDO_REPORTS_TABLE: z.string().min(1),
  MMDO_IDEMPOTENCY_TABLE: z.string().min(1),
  /** The profile registry (S3ProfileStore: which versions of a profile exist and are complete). */
  MMDO_PROFILES_TABLE: z.string().min(1),
  /** The usage ledger (lambdas/adapters/aws/dynamodb-usage-ledger.ts): completed reports are billed where written. */
  MMDO_USAGE_TABLE: z.string().min(1).optional(),
  MMDO_OPENSEARCH_ENDPOINT: z.string().url().optional(),
  MMDO_EMBEDDING_INDEX_PREFIX: z.string().default(DEFAULT_EMBEDDING_INDEX_PREFIX),
  MMDO_SAGEMAKER_ENDPOINT: z.string().min(1),
  /** Days a claim on an object version is kept (it only has to outlive event redelivery). */
  MMDO_CLAIM_TTL_DAYS: z.coerce.number().positive().default(7),
  MMDO_S3_ENDPOINT_URL: z.string().url().optional(),
  MMDO_DYNAMODB_ENDPOINT_URL: z.string().url().optional(),
  MMDO_SAGEMAKER_ENDPOINT_URL: z.string().url().optional(),
});
export type HandlerEnv = z.infer<typeof HandlerEnvSchema>;

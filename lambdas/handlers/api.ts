import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'hono';
import { handle } from 'hono/aws-lambda';
import { z } from 'zod';
import { createApiApp } from '../api/app.js';
import type { ApiBackend } from '../api/backend.js';
import { UnauthorizedError } from '../application/tenancy/api-keys.js';
import { createS3Client } from '../adapters/aws/s3-artifact-store.js';
import { createEventBridgeClient, EventBridgeProfileEvents } from '../adapters/aws/eventbridge-profile-events.js';
import { SCOPES, type Principal } from '../ports/partner-api.js';
import { DEFAULT_INGEST_LIMITS } from '../ports/image-codec.js';
import { cloudApiBackend } from './support/api-backend.js';
import { CLOUD_ENROLMENT_LIMITS } from './support/profile-job-limits.js';
import { cloudRuntimeFromEnv } from './support/cloud-runtime.js';

const logger = new Logger({ serviceName: 'mmdo-api' });

/** The API function's settings beyond the pipeline's (lib/constructs/partner-api.ts sets them). */
const ApiEnvSchema = z.object({
  AWS_REGION: z.string().default('us-east-1'),
  MMDO_UPLOAD_BUCKET: z.string().min(1),
  MMDO_ARTIFACT_BUCKET: z.string().min(1),
  MMDO_REPORTS_TABLE: z.string().min(1),
  MMDO_PROFILES_TABLE: z.string().min(1),
  MMDO_API_TABLE: z.string().min(1),
  MMDO_USAGE_TABLE: z.string().min(1),
  MMDO_WEBHOOKS_TABLE: z.string().min(1),
  /** API Gateway takes at most 10 MB per request (and Lambda 6 MB); larger images go through the upload bucket. */
  MMDO_API_MAX_IMAGE_BYTES: z.coerce.number().int().positive().default(4 * 1024 * 1024),
  /** Sized so /v1/detect answers inside API Gateway's 29 s. */
  MMDO_DETECT_MAX_PIXELS: z.coerce.number().int().positive().default(4 * 1024 * 1024),
  /** The profile-jobs function's queue (enrolments and recalibrations run there). */
  MMDO_PROFILE_JOBS_QUEUE_URL: z.string().url().optional(),
  MMDO_SQS_ENDPOINT_URL: z.string().url().optional(),
  MMDO_EVENTS_ENDPOINT_URL: z.string().url().optional(),
  MMDO_S3_ENDPOINT_URL: z.string().url().optional(),
  MMDO_DYNAMODB_ENDPOINT_URL: z.string().url().optional(),
});

/** What the REQUEST authorizer (./authorizer.ts) puts in the request context: the only source of the tenant. */
const AuthorizerContextSchema = z.object({
  tenant: z.string().min(1),
  scopes: z.string().transform((s) => s.split(',').filter(Boolean)).pipe(z.array(z.enum(SCOPES))),
  keyId: z.string().min(1),
});

export function principalFromAuthorizer(c: Context): Principal {
  const event = (c.env as { event?: { requestContext?: { authorizer?: unknown } } } | undefined)?.event;
  const parsed = AuthorizerContextSchema.safeParse(event?.requestContext?.authorizer);
  if (!parsed.success) throw new UnauthorizedError();
  return { tenant: parsed.data.tenant, scopes: parsed.data.scopes, keyId: parsed.data.keyId };
}

/** The cloud composition of the API: its own S3 and DynamoDB clients, the pipeline's ports for /v1/detect. */
export function apiBackendFromEnv(env: NodeJS.ProcessEnv = process.env): ApiBackend {
  const config = ApiEnvSchema.parse(env);
  const region = config.AWS_REGION;
  const s3 = createS3Client({ region, ...(config.MMDO_S3_ENDPOINT_URL ? { endpoint: config.MMDO_S3_ENDPOINT_URL } : {}) });
  const dynamo = new DynamoDBClient({ region, ...(config.MMDO_DYNAMODB_ENDPOINT_URL ? { endpoint: config.MMDO_DYNAMODB_ENDPOINT_URL } : {}) });
  const sqs = new SQSClient({ region, ...(config.MMDO_SQS_ENDPOINT_URL ? { endpoint: config.MMDO_SQS_ENDPOINT_URL } : {}) });
  const events = new EventBridgeProfileEvents(createEventBridgeClient({ region, ...(config.MMDO_EVENTS_ENDPOINT_URL ? { endpoint: config.MMDO_EVENTS_ENDPOINT_URL } : {}) }));
  return cloudApiBackend(cloudRuntimeFromEnv(env), { s3, dynamo }, {
    uploadBucket: config.MMDO_UPLOAD_BUCKET,
    artifactBucket: config.MMDO_ARTIFACT_BUCKET,
    reportsTable: config.MMDO_REPORTS_TABLE,
    profilesTable: config.MMDO_PROFILES_TABLE,
    apiTable: config.MMDO_API_TABLE,
    usageTable: config.MMDO_USAGE_TABLE,
    webhooksTable: config.MMDO_WEBHOOKS_TABLE,
    limits: {
      maxImageBytes: config.MMDO_API_MAX_IMAGE_BYTES, maxUploadBytes: DEFAULT_INGEST_LIMITS.maxBytes, maxPixels: DEFAULT_INGEST_LIMITS.maxPixels, detectMaxPixels: config.MMDO_DETECT_MAX_PIXELS,
      enrolment: CLOUD_ENROLMENT_LIMITS,
    },
    linkSeconds: 900,
    ...(config.MMDO_PROFILE_JOBS_QUEUE_URL ? { profileJobQueueUrl: config.MMDO_PROFILE_JOBS_QUEUE_URL } : {}),
  }, { sqs, profileEvents: events });
}

/**
 * The partner API behind API Gateway (REST, Lambda proxy): the same Hono app as the local service, with the cloud
 * backend; the principal comes from the authorizer's context. The backend is built on first use and kept.
 */
export function createApiHandler(backend: () => ApiBackend = lazy(apiBackendFromEnv)) {
  let app: ReturnType<typeof createApiApp> | undefined;
  const lambda = (event: unknown, context: unknown) => {
    app ??= createApiApp({
      backend: backend(),
      authenticate: async (c) => principalFromAuthorizer(c),
      // API Gateway fixes the host; browsers reach this API only through configured CORS origins (none by default).
      browser: { corsOrigins: [] },
      log: (line) => logger.info(line),
    });
    return handle(app)(event as never, context as never);
  };
  return lambda;
}

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

export const handler = createApiHandler();

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z, ZodError } from 'zod';
import { RESULT_DETAIL_TYPES, RESULT_EVENT_SOURCE } from '../application/pipeline/definition.js';
import { DynamoDbReportStore } from '../adapters/aws/dynamodb-report-store.js';
import { DynamoDbWebhookSubscriptions } from '../adapters/aws/dynamodb-webhook-subscriptions.js';
import { createWebhookSender } from '../adapters/webhooks/http-sender.js';
import {
  dispatchProfileEvent, dispatchResultEvent, PROFILE_EVENT_DETAIL_TYPE, PROFILE_EVENT_SOURCE, retryDelivery, RetryMessageSchema, type CloudDispatchDeps,
} from '../application/webhooks/cloud-dispatch.js';
import { DEFAULT_RETRY_POLICY } from '../domain/webhooks/retry.js';

const logger = new Logger({ serviceName: 'mmdo' });

/** Settings the stack sets (lib/constructs/webhook-dispatch.ts); *_ENDPOINT_URL point the SDKs at local stand-ins. */
const EnvSchema = z.object({
  AWS_REGION: z.string().default('us-east-1'),
  MMDO_WEBHOOKS_TABLE: z.string().min(1),
  MMDO_REPORTS_TABLE: z.string().min(1),
  MMDO_WEBHOOK_QUEUE_URL: z.string().url(),
  MMDO_WEBHOOK_DEAD_LETTER_QUEUE_URL: z.string().url(),
  MMDO_WEBHOOK_API_BASE_URL: z.string().url().optional(),
  MMDO_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  MMDO_DYNAMODB_ENDPOINT_URL: z.string().url().optional(),
  MMDO_SQS_ENDPOINT_URL: z.string().url().optional(),
});

/** An SQS message body: a result or profile event as EventBridge delivered it, or one of our retry messages. */
const ResultEventSchema = z.object({
  source: z.literal(RESULT_EVENT_SOURCE),
  'detail-type': z.enum([RESULT_DETAIL_TYPES.completed, RESULT_DETAIL_TYPES.failed]),
  detail: z.unknown(),
});
const ProfileEventMessageSchema = z.object({
  source: z.literal(PROFILE_EVENT_SOURCE),
  'detail-type': z.literal(PROFILE_EVENT_DETAIL_TYPE),
  detail: z.unknown(),
});
const MessageSchema = z.union([RetryMessageSchema, ResultEventSchema, ProfileEventMessageSchema]);

/** The composition root: AWS clients from the environment. In the cloud, loopback and private targets are always refused. */
export function dispatchDepsFromEnv(env: NodeJS.ProcessEnv = process.env): CloudDispatchDeps {
  const config = EnvSchema.parse(env);
  const region = config.AWS_REGION;
  const dynamo = new DynamoDBClient({ region, ...(config.MMDO_DYNAMODB_ENDPOINT_URL ? { endpoint: config.MMDO_DYNAMODB_ENDPOINT_URL } : {}) });
  const sqs = new SQSClient({ region, ...(config.MMDO_SQS_ENDPOINT_URL ? { endpoint: config.MMDO_SQS_ENDPOINT_URL } : {}) });
  const send = (queueUrl: string, body: unknown, delaySeconds = 0) =>
    sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body), DelaySeconds: delaySeconds })).then(() => undefined);
  return {
    subscriptions: new DynamoDbWebhookSubscriptions(dynamo, config.MMDO_WEBHOOKS_TABLE),
    reports: new DynamoDbReportStore(dynamo, config.MMDO_REPORTS_TABLE),
    retries: {
      schedule: (message, delaySeconds) => send(config.MMDO_WEBHOOK_QUEUE_URL, message, delaySeconds),
      // The body is kept for a manual redrive; the secret never is (it is re-read from the table).
      deadLetter: (message, reason) => send(config.MMDO_WEBHOOK_DEAD_LETTER_QUEUE_URL, { ...message, reason }),
    },
    send: createWebhookSender({ policy: { allowLoopback: false }, timeoutMs: config.MMDO_WEBHOOK_TIMEOUT_MS }),
    retry: DEFAULT_RETRY_POLICY,
    ...(config.MMDO_WEBHOOK_API_BASE_URL ? { apiBaseUrl: config.MMDO_WEBHOOK_API_BASE_URL.replace(/\/$/, '') } : {}),
    now: Date.now,
    log: (message, extra) => logger.info(message, extra ?? {}),
  };
}

/**
 * SQS-triggered: each record is a result or profile event to fan out, or a retry to attempt. Records are independent
 * (Powertools batch processing): one that throws (DynamoDB or SQS unavailable, a malformed body) is reported as a
 * batch item failure, so SQS delivers it again and, after maxReceiveCount, moves it to the dead-letter queue.
 * Delivery failures never throw: they are scheduled as retry messages.
 */
export function createWebhookDispatchHandler(deps: () => CloudDispatchDeps = lazy(dispatchDepsFromEnv)) {
  const processor = new BatchProcessor(EventType.SQS);
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    try {
      const message = MessageSchema.parse(JSON.parse(record.body));
      if ('kind' in message) await retryDelivery(message, deps());
      else if (message.source === PROFILE_EVENT_SOURCE) await dispatchProfileEvent(message.detail, deps());
      else await dispatchResultEvent(message.detail, deps());
    } catch (error) {
      const reason = error instanceof ZodError ? `not a result event or retry message: ${z.prettifyError(error)}` : (error as Error).message;
      logger.error('webhook record failed', { messageId: record.messageId, errorName: (error as Error).name, reason });
      throw error;
    }
  };
  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false }),
  ).use(injectLambdaContext(logger));
}

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

export const handler = createWebhookDispatchHandler();

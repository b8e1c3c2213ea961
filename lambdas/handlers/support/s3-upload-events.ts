import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { z } from 'zod';
import type { InspectionTrigger } from '../../application/pipeline/run-step.js';
import { ValidationError } from '../../domain/errors.js';
import type { UploadedObject } from '../../ports/inspection.js';

/**
 * Parsing the S3 events that start an inspection (Powertools parser schemas): the handlers validate what arrives
 * and hand the application an `UploadedObject`.
 */

/** The ingest step's input: the EventBridge "Object Created" event that starts the workflow. */
export function triggerFromEventBridge(event: unknown): InspectionTrigger {
  const parsed = S3EventNotificationEventBridgeSchema.safeParse(event);
  if (!parsed.success || parsed.data['detail-type'] !== 'Object Created') {
    throw new ValidationError('not an S3 Object Created event', { issues: parsed.error?.issues ?? [] });
  }
  const { bucket, object } = parsed.data.detail;
  return {
    upload: { bucket: bucket.name, key: object.key, size: object.size ?? 0, etag: object.etag, versionId: object['version-id'] },
    eventId: parsed.data.id,
    time: parsed.data.time,
  };
}

/** The triggering event, when the workflow state still is one (ingest failed before it made a job). */
export function triggerIfEvent(state: unknown): InspectionTrigger | undefined {
  try {
    return triggerFromEventBridge(state);
  } catch {
    return undefined;
  }
}

/** S3 event notification records (what s3rver emits; the same shape S3 sends to SQS/SNS/Lambda). */
const NotificationSchema = z.object({
  Records: z.array(z.object({
    eventName: z.string(),
    s3: z.object({
      bucket: z.object({ name: z.string().min(1) }),
      object: z.object({ key: z.string().min(1), size: z.number().int().nonnegative().optional(), eTag: z.string().optional(), versionId: z.string().optional() }),
    }),
  })).min(1),
});

/** Object-created records of an S3 notification; keys arrive URL-encoded with '+' for spaces. */
export function uploadsFromNotification(notification: unknown): UploadedObject[] {
  const parsed = NotificationSchema.safeParse(notification);
  if (!parsed.success) throw new ValidationError('not an S3 event notification', { issues: parsed.error.issues });
  return parsed.data.Records.filter((r) => r.eventName.startsWith('ObjectCreated:')).map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')),
    size: r.s3.object.size ?? 0,
    etag: r.s3.object.eTag,
    versionId: r.s3.object.versionId,
  }));
}

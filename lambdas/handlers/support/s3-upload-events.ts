import { z } from 'zod';
import { ValidationError } from '../../domain/errors.js';
import type { InspectionTrigger } from '../../application/cloud/steps.js';
import type { UploadedObject } from '../../ports/cloud.js';

/**
 * Parsing the S3 events that start an inspection: the handlers validate what arrives and hand the application an
 * `UploadedObject` (lambdas/ports/cloud.ts).
 */

/** EventBridge "Object Created" from S3 (what starts the workflow in AWS). */
const ObjectCreatedEventSchema = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative(),
      etag: z.string().optional(),
      'version-id': z.string().optional(),
    }),
  }),
});

/** S3 event notification records (what s3rver emits; the same shape S3 sends to SQS/SNS/Lambda). */
const NotificationSchema = z.object({
  Records: z
    .array(
      z.object({
        eventName: z.string(),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({
            key: z.string().min(1),
            size: z.number().int().nonnegative().optional(),
            eTag: z.string().optional(),
            versionId: z.string().optional(),
          }),
        }),
      }),
    )
    .min(1),
});

const EventEnvelopeSchema = z.object({ id: z.string().min(1), time: z.iso.datetime({ offset: true }) });

/** The ingest step's input from the EventBridge "Object Created" event that starts the workflow. */
export function triggerFromEventBridge(event: unknown): InspectionTrigger {
  const { id, time } = EventEnvelopeSchema.parse(event);
  return { upload: uploadFromEventBridge(event), eventId: id, time };
}

export function uploadFromEventBridge(event: unknown): UploadedObject {
  const parsed = ObjectCreatedEventSchema.safeParse(event);
  if (!parsed.success) throw new ValidationError('not an S3 Object Created event', { issues: parsed.error.issues });
  const { bucket, object } = parsed.data.detail;
  return { bucket: bucket.name, key: object.key, size: object.size, etag: object.etag, versionId: object['version-id'] };
}

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

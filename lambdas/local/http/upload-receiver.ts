import { Hono } from 'hono';
import { MmdoError, ValidationError } from '../../domain/errors.js';
import { normaliseSheet } from '../../domain/metadata/sheet.js';
import { readBodyWithLimit, tooLarge } from '../../api/body.js';
import { PROBLEM_CONTENT_TYPE, problemFromError } from '../../api/problem.js';
import type { SqliteApiStore } from '../../adapters/local/store/api-store.js';
import type { SqliteProfileJobStore } from '../../adapters/local/store/profile-job-store.js';
import type { ArtifactStore } from '../../ports/stores.js';
import { contentTypeAllowed, newSigningSecret, verifyPolicy } from '../../application/tenancy/upload-policy.js';
import { checkImageHeader } from '../image-header.js';
import type { Intake } from '../intake.js';
import type { Log } from '../log.js';

/** Where the local service takes presigned uploads (the upload bucket's stand-in; not part of the API document). */
export const UPLOAD_RECEIVER_PATH = '/uploads';
export const UPLOAD_POLICY_SECRET = 'upload-policy';
/** Instrument credentials last this long; renew them (POST /v1/instruments/{id}/credentials) before. */
export const INSTRUMENT_CREDENTIALS_MS = 6 * 3600_000;
/** An enrolment image's upload form lasts this long (a fresh one comes with every read of the enrolment). */
export const ENROLMENT_UPLOAD_MS = 3600_000;
/** Object metadata fields an upload form may carry (as S3's x-amz-meta-*): the pixel size and sheet fields. */
const META_PREFIX = 'x-amz-meta-';
const MULTIPART_OVERHEAD = 1024 * 1024;

export interface UploadReceiverOptions {
  readonly store: SqliteApiStore;
  readonly intake: Intake;
  /** Enrolment images are kept in the artifact store under their staging key until the enrolment runs. */
  readonly profileJobs: SqliteProfileJobStore;
  readonly artifacts: Pick<ArtifactStore, 'put'>;
  readonly maxBytes: number;
  readonly maxPixels: number;
  readonly log: Log;
}

/**
 * The local stand-in for S3's POST Object with a presigned policy: a multipart form with the fields the API handed
 * out (`key`, `policy`, `signature`, `Content-Type`, `x-amz-meta-*`) and the `file` last. The policy's signature,
 * expiry, key (or key prefix), size and content type are checked as S3 checks them, then the image is queued as
 * the slot or instrument declares, or kept for its enrolment. 204 like S3.
 */
export function uploadReceiver(options: UploadReceiverOptions): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const contentType = c.req.header('content-type') ?? '';
    if (!contentType.toLowerCase().startsWith('multipart/form-data')) throw new MmdoError('unsupported_media_type', 'Send the upload as multipart/form-data (the fields, then `file`).', 415);
    const limit = options.maxBytes + MULTIPART_OVERHEAD;
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, declared);
    const body = await readBodyWithLimit(c.req.raw.body, limit);
    const form = await new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'content-type': contentType } }).formData().catch(() => {
      throw new ValidationError('The multipart body cannot be parsed.');
    });
    const field = (name: string) => {
      const value = form.get(name);
      return typeof value === 'string' ? value : undefined;
    };
    const policy = verifyPolicy(options.store.signingSecret(UPLOAD_POLICY_SECRET, newSigningSecret), field('policy') ?? '', field('signature') ?? '');
    if (!policy) throw new MmdoError('access_denied', 'The upload policy is missing, altered or expired: ask the API for a new one.', 403);
    const file = form.get('file');
    if (!(file instanceof Blob)) throw new ValidationError("The form has no 'file' field (it must come last).");
    const key = field('key') ?? '';
    const fileName = file instanceof File ? file.name : '';
    const resolvedKey = key.endsWith('${filename}') ? `${key.slice(0, -'${filename}'.length)}${fileName}` : key;
    const type = field('Content-Type') ?? file.type;
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.length < policy.minBytes || bytes.length > policy.maxBytes) {
      throw new MmdoError('entity_size_mismatch', `The policy allows ${policy.minBytes}..${policy.maxBytes} bytes; the file has ${bytes.length}.`, 400);
    }
    if (!contentTypeAllowed(policy, type)) throw new MmdoError('access_denied', `The policy does not allow Content-Type '${type}'.`, 403);

    const meta: Record<string, string> = {};
    for (const [name, value] of form.entries()) if (name.toLowerCase().startsWith(META_PREFIX) && typeof value === 'string') meta[name.slice(META_PREFIX.length).toLowerCase()] = value;
    const { 'pixel-size-um': pixel, ...sheetFields } = meta;

    if (policy.slot) {
      if (resolvedKey !== policy.key) throw new MmdoError('access_denied', 'The key is not the one the policy allows.', 403);
      const slot = options.store.findSlot(policy.slot);
      if (!slot || slot.tenant !== policy.tenant) throw new MmdoError('access_denied', 'The upload slot does not exist.', 403);
      if (slot.jobId) throw new MmdoError('upload_slot_used', 'This upload slot was used already; ask for a new one.', 409);
      await checkImageHeader(bytes, { maxBytes: options.maxBytes, maxPixels: options.maxPixels });
      const accepted = await options.intake.submit({
        tenant: slot.tenant, name: slot.name, content: bytes, profile: slot.profile, source: { kind: 'http' },
        ...(slot.profileVersion !== undefined ? { profileVersion: slot.profileVersion } : {}),
        ...(slot.pixelSizeUm !== undefined ? { pixelSizeUm: slot.pixelSizeUm } : {}),
        ...(slot.metadata !== undefined ? { metadata: slot.metadata } : {}),
      });
      if (!options.store.useSlot(slot.id, accepted.id)) throw new MmdoError('upload_slot_used', 'This upload slot was used already; ask for a new one.', 409);
      return c.body(null, 204);
    }

    if (policy.enrolment) {
      if (resolvedKey !== policy.key) throw new MmdoError('access_denied', 'The key is not the one the policy allows.', 403);
      const job = options.profileJobs.find(policy.enrolment);
      const image = job?.images?.find((i) => i.index === policy.index);
      if (!job || job.tenant !== policy.tenant || !image || image.key !== policy.key) throw new MmdoError('access_denied', 'The enrolment does not exist.', 403);
      if (job.status !== 'awaiting_upload') throw new MmdoError('enrolment_not_awaiting_upload', `Enrolment '${job.id}' was started already: it takes no more uploads.`, 409);
      // Like S3: stored as sent (size and type as the policy says); the enrolment decodes it and names a bad image.
      await options.artifacts.put(image.key, bytes, type);
      await options.profileJobs.markUploaded(job.tenant, job.id, image.index);
      return c.body(null, 204);
    }

    const instrument = policy.instrument ? options.store.findInstrument(policy.instrument) : undefined;
    if (!instrument || instrument.tenant !== policy.tenant || instrument.revokedAt) throw new MmdoError('access_denied', 'The instrument is unknown or revoked.', 403);
    // The image's name is the key under the prefix, as the cloud pipeline names it (lambdas/application/pipeline/upload-key.ts).
    const name = resolvedKey.startsWith(policy.keyPrefix ?? '\0') ? resolvedKey.slice(policy.keyPrefix!.length) : '';
    if (!name || name.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new MmdoError('access_denied', `The key must be under ${policy.keyPrefix}.`, 403);
    }
    const pixelSizeUm = pixel !== undefined ? Number(pixel) : undefined;
    if (pixelSizeUm !== undefined && !(pixelSizeUm > 0)) throw new ValidationError('x-amz-meta-pixel-size-um must be a positive number.');
    if (Object.keys(sheetFields).length) normaliseSheet(sheetFields);
    await checkImageHeader(bytes, { maxBytes: options.maxBytes, maxPixels: options.maxPixels });
    const accepted = await options.intake.submit({
      tenant: instrument.tenant, name, content: bytes, profile: instrument.profile, source: { kind: 'http' },
      ...(instrument.profileVersion !== undefined ? { profileVersion: instrument.profileVersion } : {}),
      ...(pixelSizeUm !== undefined ? { pixelSizeUm } : {}),
      ...(Object.keys(sheetFields).length ? { metadata: sheetFields } : {}),
    });
    options.log(`instrument ${instrument.id} uploaded ${JSON.stringify(name)} → ${accepted.id}`);
    return c.body(null, 204);
  });
  app.onError((error, c) => {
    const body = problemFromError(error, c.req.path);
    if (body.status >= 500) options.log(`error on POST ${UPLOAD_RECEIVER_PATH}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return c.body(JSON.stringify(body), body.status as 400, { 'Content-Type': PROBLEM_CONTENT_TYPE });
  });
  return app;
}

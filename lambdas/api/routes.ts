import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { Scope } from '../ports/partner-api.js';
import {
  AcceptedSchema, BinaryImage, DeliveryListSchema, HealthSchema, IdParams, KeyCreateSchema, KeyCreatedSchema, KeyListSchema, KeyParams,
  ListQuerySchema, MultipartUpload, PendingSchema, ProblemSchema, ProfileListSchema, ProfileParams, ProfileSummarySchema, ReportPageSchema,
  ReportWithLinksSchema, UploadOptionsSchema, UsageQuerySchema, UsageSchema, WebhookCreateSchema, WebhookCreatedSchema, WebhookListSchema,
  WebhookParams, WebhookSchema, RotateSchema, WebhookRotatedSchema, UploadRequestSchema, UploadSlotSchema, InstrumentCreateSchema,
  InstrumentCreatedSchema, InstrumentListSchema, InstrumentParams, CredentialsSchema, ProfileVersionsSchema, ActivateSchema,
  ProfileCreateSchema, EnrolmentRequestSchema, EnrolmentParams, ProfileJobSchema, RecalibrationRequestSchema, RecalibrationParams,
  FeedbackRequestSchema, FeedbackRecordedSchema, FeedbackListSchema, ReviewQueueQuerySchema, ReviewQueueSchema, LabelledSetSchema,
  ProfileVersionParams, EnrolledImageParams, EnrolledImagesQuerySchema, EnrolledImagePageSchema, CalibrationFiguresSchema,
} from './schemas.js';
import { z } from '@hono/zod-openapi';
import { ARTIFACT_KINDS } from './backend.js';

/**
 * Every route of the API, once: method, path, schemas, the scope it needs (null: public) and its body limit. The
 * app (./app.ts) serves them on both runtimes, the OpenAPI document is generated from them, and the CDK stack
 * declares one API Gateway method per entry (lib/constructs/partner-api.ts).
 */
export interface ApiRoute {
  readonly config: RouteConfig;
  readonly scope: Scope | null;
  /** Largest accepted request body in bytes ('image': the image limit of the runtime); 0 = no body. */
  readonly body: number | 'image';
}

/** JSON request bodies are small: a subscription or a key request. */
export const JSON_BODY_LIMIT = 64 * 1024;
/** An enrolment request declares every image (name, type, size): room for the largest allowed count. */
export const ENROLMENT_BODY_LIMIT = 256 * 1024;

const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: PROBLEM_TEXT[s] ?? 'Error', content: { 'application/problem+json': { schema: ProblemSchema } } }]));
const PROBLEM_TEXT: Record<number, string> = {
  400: 'Invalid request (the problem names the fields).',
  401: 'No valid API key.',
  403: 'The key lacks the scope, or the request came from another site or host.',
  404: 'Not found (or not this tenant\'s).',
  409: 'Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body.',
  413: 'The body or image is larger than the documented limit.',
  415: 'Unsupported media type or image format.',
  422: 'The image cannot be read (empty, corrupt, truncated).',
};
const COMMON = [401, 403];
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
/** A stored image: its bytes from the local service, a presigned link from the cloud. */
const PNG_RESPONSES = {
  200: { description: 'The PNG (local service).', content: { 'image/png': { schema: BinaryImage } } },
  302: { description: 'A short-lived link to the PNG (cloud).', headers: { Location: { schema: { type: 'string' as const } } } },
};
const IdempotencyHeader = z.object({
  'idempotency-key': z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/).optional().openapi({
    description: 'Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409.',
  }),
});
const imageBody = {
  required: true,
  description: 'The image as the raw body, or multipart/form-data with `image` and an optional `metadata` JSON sheet.',
  content: {
    'image/png': { schema: BinaryImage },
    'image/jpeg': { schema: BinaryImage },
    'image/tiff': { schema: BinaryImage },
    'application/octet-stream': { schema: BinaryImage },
    'multipart/form-data': { schema: MultipartUpload },
  },
};
const secured = [{ apiKey: [] }];

export const ROUTES = {
  health: {
    scope: null, body: 0,
    config: createRoute({
      method: 'get', path: '/healthz', tags: ['service'], operationId: 'health', summary: 'Liveness', security: [],
      responses: { 200: json(HealthSchema, 'The service is up.'), ...problems(403) },
    }),
  },
  openapi: {
    scope: null, body: 0,
    config: createRoute({
      method: 'get', path: '/v1/openapi.json', tags: ['service'], operationId: 'openapi', summary: 'This document', security: [],
      responses: { 200: json(z.record(z.string(), z.unknown()), 'The OpenAPI 3.1 document of this API.'), ...problems(403) },
    }),
  },
  detect: {
    scope: 'inspect', body: 'image',
    config: createRoute({
      method: 'post', path: '/v1/detect', tags: ['inspections'], operationId: 'detect', security: secured,
      summary: 'Inspect an image and wait for the verdict',
      description: 'Images up to `detectMaxPixels` (documented in the README; 4 MP by default) are inspected at once and the report is the answer. Larger images are queued: 202 and poll the `Location`.',
      request: { query: UploadOptionsSchema, headers: IdempotencyHeader, body: imageBody },
      responses: {
        200: json(ReportWithLinksSchema, 'The report (completed or failed) with links to its images.'),
        202: json(AcceptedSchema, 'Too large to answer at once: queued; poll `links.self`.'),
        ...problems(400, ...COMMON, 404, 409, 413, 415, 422),
      },
    }),
  },
  submit: {
    scope: 'inspect', body: 'image',
    config: createRoute({
      method: 'post', path: '/v1/inspections', tags: ['inspections'], operationId: 'submitInspection', security: secured,
      summary: 'Queue an inspection',
      description: 'Checks size, header and metadata at once; 202 with the inspection id. The report arrives later (poll, or subscribe a webhook).',
      request: { query: UploadOptionsSchema, headers: IdempotencyHeader, body: imageBody },
      responses: { 202: json(AcceptedSchema, 'Queued.'), ...problems(400, ...COMMON, 404, 409, 413, 415, 422) },
    }),
  },
  createUpload: {
    scope: 'inspect', body: JSON_BODY_LIMIT,
    config: createRoute({
      method: 'post', path: '/v1/inspections/uploads', tags: ['inspections'], operationId: 'createUpload', security: secured,
      summary: 'An upload slot for one image, straight into storage (large images)',
      description: 'Returns a presigned POST for exactly this key, size and content type, valid 15 minutes. Post the `fields`, then the file as `file`, to `url`; the image is then inspected as declared here. Poll `links.self` (status `awaiting_upload`, then `queued`, then the report).',
      request: { headers: IdempotencyHeader, body: { required: true, content: { 'application/json': { schema: UploadRequestSchema } } } },
      responses: { 201: json(UploadSlotSchema, 'The slot and how to upload into it.'), ...problems(400, ...COMMON, 404, 409, 413, 415) },
    }),
  },
  listInspections: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/inspections', tags: ['inspections'], operationId: 'listInspections', security: secured,
      summary: 'List reports, newest first (by time or by batch)',
      request: { query: ListQuerySchema },
      responses: { 200: json(ReportPageSchema, 'One page; pass `next` as `cursor` for the next one.'), ...problems(400, ...COMMON) },
    }),
  },
  getInspection: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/inspections/{id}', tags: ['inspections'], operationId: 'getInspection', security: secured,
      summary: 'A report, or its progress while it runs',
      request: { params: IdParams },
      responses: {
        200: { description: 'The report, or the pending inspection (status queued or running, with `Retry-After`).', content: { 'application/json': { schema: z.union([ReportWithLinksSchema, PendingSchema]) } } },
        ...problems(...COMMON, 404),
      },
    }),
  },
  listFeedback: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/inspections/{id}/feedback', tags: ['feedback'], operationId: 'listFeedback', security: secured,
      summary: "Expert judgements of a report and of its regions", request: { params: IdParams },
      responses: { 200: json(FeedbackListSchema, 'The judgements, the report\'s first.'), ...problems(...COMMON, 404) },
    }),
  },
  recordFeedback: {
    scope: 'inspect', body: JSON_BODY_LIMIT,
    config: createRoute({
      method: 'post', path: '/v1/inspections/{id}/feedback', tags: ['feedback'], operationId: 'recordFeedback', security: secured,
      summary: 'Confirm, reject or relabel a report, or one of its regions',
      description: 'One judgement per report (and per region): judging the same target again replaces the earlier judgement. The report must be completed (409 `report_not_reviewable` for a failed one). Labels form the profile\'s validation set (`GET /v1/profiles/{name}/labels`); `POST /v1/profiles/{name}/recalibrations` learns from them.',
      request: { params: IdParams, headers: IdempotencyHeader, body: { required: true, content: { 'application/json': { schema: FeedbackRequestSchema } } } },
      responses: {
        201: json(FeedbackRecordedSchema, 'The first judgement of this target.'),
        200: json(FeedbackRecordedSchema, 'A judgement that replaced an earlier one, or the same one again.'),
        ...problems(400, ...COMMON, 404, 409, 413, 415),
      },
    }),
  },
  getArtifact: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/inspections/{id}/{artifact}', tags: ['inspections'], operationId: 'getArtifact', security: secured,
      summary: 'A report image: heatmap, overlay, phase overlay or the micrograph',
      description: '`micrograph.png` is the inspected image as decoded (grey, full resolution, 8 bit, whatever the upload\'s format and depth); reports written before it existed have none (404 `artifact_not_available`). The report\'s `links` name the images it has.',
      request: { params: IdParams.extend({ artifact: z.enum(ARTIFACT_KINDS.map((k) => `${k}.png`) as [string, ...string[]]).openapi({ param: { name: 'artifact', in: 'path' } }) }) },
      responses: { ...PNG_RESPONSES, ...problems(...COMMON, 404, 409) },
    }),
  },
  listProfiles: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/profiles', tags: ['profiles'], operationId: 'listProfiles', security: secured,
      summary: 'Profiles and their versions',
      responses: { 200: json(ProfileListSchema, 'The tenant\'s profiles.'), ...problems(...COMMON) },
    }),
  },
  getProfile: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/profiles/{name}', tags: ['profiles'], operationId: 'getProfile', security: secured,
      summary: 'One profile and its versions',
      request: { params: ProfileParams },
      responses: { 200: json(ProfileSummarySchema, 'The profile.'), ...problems(...COMMON, 404) },
    }),
  },
  listProfileVersions: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/profiles/{name}/versions', tags: ['profiles'], operationId: 'listProfileVersions', security: secured,
      summary: "A profile's versions, which one is active", request: { params: ProfileParams },
      responses: { 200: json(ProfileVersionsSchema, 'The versions.'), ...problems(...COMMON, 404) },
    }),
  },
  listEnrolledImages: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/profiles/{name}/versions/{version}/images', tags: ['profiles'], operationId: 'listEnrolledImages', security: secured,
      summary: 'The images a version was enrolled from, with their role and a thumbnail link',
      request: { params: ProfileVersionParams, query: EnrolledImagesQuerySchema },
      responses: { 200: json(EnrolledImagePageSchema, 'One page in enrolment order; pass `next` as `cursor` for the next one.'), ...problems(400, ...COMMON, 404) },
    }),
  },
  getEnrolledThumbnail: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/profiles/{name}/versions/{version}/images/{sha256}/thumbnail.png', tags: ['profiles'], operationId: 'getEnrolledThumbnail', security: secured,
      summary: 'A thumbnail of an enrolled image',
      description: 'The image as decoded, in 8-bit grey, at most 256 px on its longer side. Enrolment writes it; a version enrolled before thumbnails existed has none (404 `artifact_not_available`) until the next enrolment into the profile.',
      request: { params: EnrolledImageParams },
      responses: { ...PNG_RESPONSES, ...problems(400, ...COMMON, 404) },
    }),
  },
  getCalibrationFigures: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/profiles/{name}/versions/{version}/calibration', tags: ['profiles'], operationId: 'getCalibrationFigures', security: secured,
      summary: "What a version knows of its scores: calibration normals, thresholds, labelled reports",
      description: "The raw scores of the version's held-out calibration normals per component with the raw scores at which each turns suspect and anomalous, the operating thresholds on the fused score (how they were set, and a warning when the calibration set was too small to resolve the declared false-alarm rates), the expert-labelled reports this version scored (fused and raw component scores: with labels of both kinds, an ROC), and a tuner's figures when `mmdo tune` chose the settings. The web page draws the histograms and ROC `mmdo evaluate` draws from it.",
      request: { params: ProfileVersionParams },
      responses: { 200: json(CalibrationFiguresSchema, 'The figures.'), ...problems(...COMMON, 404) },
    }),
  },
  activateProfileVersion: {
    scope: 'admin', body: JSON_BODY_LIMIT,
    config: createRoute({
      method: 'put', path: '/v1/profiles/{name}/active-version', tags: ['profiles'], operationId: 'activateProfileVersion', security: secured,
      summary: 'Choose the version inspections use when they name none (undoes a deletion)',
      request: { params: ProfileParams, body: { required: true, content: { 'application/json': { schema: ActivateSchema } } } },
      responses: { 200: json(ProfileSummarySchema, 'The profile with its active version.'), ...problems(400, ...COMMON, 404, 413, 415) },
    }),
  },
  deleteProfile: {
    scope: 'admin', body: 0,
    config: createRoute({
      method: 'delete', path: '/v1/profiles/{name}', tags: ['profiles'], operationId: 'deleteProfile', security: secured,
      summary: 'Delete a profile: no new inspections with it; its versions stay for the reports that cite them',
      request: { params: ProfileParams },
      responses: { 204: { description: 'Deleted.' }, ...problems(...COMMON, 404) },
    }),
  },
  createProfile: {
    scope: 'admin', body: ENROLMENT_BODY_LIMIT,
    config: createRoute({
      method: 'post', path: '/v1/profiles', tags: ['profiles'], operationId: 'createProfile', security: secured,
      summary: 'Create a profile: its first enrolment, with an upload form per image',
      description: 'Declares the normal images (name, content type, exact size); the answer is an enrolment job with a presigned POST per image. Upload each, then `POST …/enrolments/{id}/start`; poll `links.self` until `completed` (the new profile version) or `failed` (the reason). 409 `profile_exists` when the name is taken (a deleted profile too: activate a version to restore it).',
      request: { headers: IdempotencyHeader, body: { required: true, content: { 'application/json': { schema: ProfileCreateSchema } } } },
      responses: { 201: json(ProfileJobSchema, 'The enrolment, awaiting its uploads.'), ...problems(400, ...COMMON, 409, 413, 415) },
    }),
  },
  createEnrolment: {
    scope: 'admin', body: ENROLMENT_BODY_LIMIT,
    config: createRoute({
      method: 'post', path: '/v1/profiles/{name}/enrolments', tags: ['profiles'], operationId: 'createEnrolment', security: secured,
      summary: 'Enrol more normal images into a profile (a new version), by presigned uploads',
      description: 'As `POST /v1/profiles`, for an existing profile: the new version holds its earlier images and these.',
      request: { params: ProfileParams, headers: IdempotencyHeader, body: { required: true, content: { 'application/json': { schema: EnrolmentRequestSchema } } } },
      responses: { 201: json(ProfileJobSchema, 'The enrolment, awaiting its uploads.'), ...problems(400, ...COMMON, 404, 409, 413, 415) },
    }),
  },
  getEnrolment: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/profiles/{name}/enrolments/{id}', tags: ['profiles'], operationId: 'getEnrolment', security: secured,
      summary: 'An enrolment: its uploads, progress, and the version it made or why it failed', request: { params: EnrolmentParams },
      responses: { 200: json(ProfileJobSchema, 'The enrolment (`Retry-After` while it is queued or running).'), ...problems(...COMMON, 404) },
    }),
  },
  startEnrolment: {
    scope: 'admin', body: 0,
    config: createRoute({
      method: 'post', path: '/v1/profiles/{name}/enrolments/{id}/start', tags: ['profiles'], operationId: 'startEnrolment', security: secured,
      summary: 'Start an enrolment once every image is uploaded',
      description: '409 `enrolment_incomplete` (naming the images) while uploads are missing or of another size; 409 `enrolment_not_awaiting_upload` once started.',
      request: { params: EnrolmentParams, headers: IdempotencyHeader },
      responses: { 202: json(ProfileJobSchema, 'Queued; poll `links.self`.'), ...problems(...COMMON, 404, 409) },
    }),
  },
  listLabels: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/profiles/{name}/labels', tags: ['feedback'], operationId: 'listLabels', security: secured,
      summary: "The profile's labelled set: its reports with an expert label", request: { params: ProfileParams },
      responses: { 200: json(LabelledSetSchema, 'The labelled reports, by report id.'), ...problems(...COMMON, 404) },
    }),
  },
  createRecalibration: {
    scope: 'admin', body: JSON_BODY_LIMIT,
    config: createRoute({
      method: 'post', path: '/v1/profiles/{name}/recalibrations', tags: ['feedback'], operationId: 'createRecalibration', security: secured,
      summary: 'Apply the expert feedback: enrol confirmed normals, recalibrate weights and thresholds (new versions)',
      description: 'Runs as a job: 202, then poll `links.self`. The result says what changed (as `mmdo review apply`); the versions it made are announced as `profile.updated`.',
      request: { params: ProfileParams, headers: IdempotencyHeader, body: { required: false, content: { 'application/json': { schema: RecalibrationRequestSchema } } } },
      responses: { 202: json(ProfileJobSchema, 'Queued.'), ...problems(400, ...COMMON, 404, 409, 413, 415) },
    }),
  },
  getRecalibration: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/profiles/{name}/recalibrations/{id}', tags: ['feedback'], operationId: 'getRecalibration', security: secured,
      summary: 'A recalibration: its progress and result', request: { params: RecalibrationParams },
      responses: { 200: json(ProfileJobSchema, 'The recalibration (`Retry-After` while it is queued or running).'), ...problems(...COMMON, 404) },
    }),
  },
  reviewQueue: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/review-queue', tags: ['feedback'], operationId: 'reviewQueue', security: secured,
      summary: 'Unreviewed reports, most uncertain first (what an expert should judge next)',
      request: { query: ReviewQueueQuerySchema },
      responses: { 200: json(ReviewQueueSchema, 'The queue.'), ...problems(400, ...COMMON) },
    }),
  },
  createWebhook: {
    scope: 'admin', body: JSON_BODY_LIMIT,
    config: createRoute({
      method: 'post', path: '/v1/webhooks', tags: ['webhooks'], operationId: 'createWebhook', security: secured,
      summary: 'Subscribe a receiver to inspection events',
      description: 'https targets only (plain http to loopback on the local service); private, loopback, link-local and metadata addresses are refused after DNS resolution. The signing secret is in this answer only.',
      request: { headers: IdempotencyHeader, body: { required: true, content: { 'application/json': { schema: WebhookCreateSchema } } } },
      responses: { 201: json(WebhookCreatedSchema, 'Subscribed; keep the secret.'), ...problems(400, ...COMMON, 409, 413, 415, 422) },
    }),
  },
  listWebhooks: {
    scope: 'admin', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/webhooks', tags: ['webhooks'], operationId: 'listWebhooks', security: secured,
      summary: 'Subscriptions (never their secrets)',
      responses: { 200: json(WebhookListSchema, 'The tenant\'s subscriptions.'), ...problems(...COMMON) },
    }),
  },
  getWebhook: {
    scope: 'admin', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/webhooks/{id}', tags: ['webhooks'], operationId: 'getWebhook', security: secured,
      summary: 'One subscription', request: { params: WebhookParams },
      responses: { 200: json(WebhookSchema, 'The subscription.'), ...problems(...COMMON, 404) },
    }),
  },
  deleteWebhook: {
    scope: 'admin', body: 0,
    config: createRoute({
      method: 'delete', path: '/v1/webhooks/{id}', tags: ['webhooks'], operationId: 'deleteWebhook', security: secured,
      summary: 'Unsubscribe (pending deliveries are dropped)', request: { params: WebhookParams },
      responses: { 204: { description: 'Deleted.' }, ...problems(...COMMON, 404) },
    }),
  },
  rotateWebhookSecret: {
    scope: 'admin', body: JSON_BODY_LIMIT,
    config: createRoute({
      method: 'post', path: '/v1/webhooks/{id}/rotate-secret', tags: ['webhooks'], operationId: 'rotateWebhookSecret', security: secured,
      summary: 'A new signing secret, with an overlap window',
      description: 'The new secret is in this answer only. Until `previousSecretExpiresAt` every delivery carries a signature with each secret (Standard Webhooks: space-separated `v1,` signatures), so a receiver can switch at any time in the window.',
      request: { params: WebhookParams, headers: IdempotencyHeader, body: { required: false, content: { 'application/json': { schema: RotateSchema } } } },
      responses: { 200: json(WebhookRotatedSchema, 'Rotated; keep the new secret.'), ...problems(400, ...COMMON, 404, 409, 413, 415) },
    }),
  },
  webhookDeliveries: {
    scope: 'admin', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/webhooks/{id}/deliveries', tags: ['webhooks'], operationId: 'listWebhookDeliveries', security: secured,
      summary: 'The delivery log of a subscription, newest first', request: { params: WebhookParams },
      responses: { 200: json(DeliveryListSchema, 'Deliveries with their attempts and last status.'), ...problems(...COMMON, 404) },
    }),
  },
  usage: {
    scope: 'read', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/usage', tags: ['usage'], operationId: 'getUsage', security: secured,
      summary: 'Billable usage per period, per profile and per day; CSV export',
      description: 'One record per completed inspection (failed ones are not billed). `format=csv` returns every record.',
      request: { query: UsageQuerySchema },
      responses: {
        200: { description: 'The summary (JSON) or the records (CSV).', content: { 'application/json': { schema: UsageSchema }, 'text/csv': { schema: { type: 'string' } } } },
        ...problems(400, ...COMMON),
      },
    }),
  },
  createInstrument: {
    scope: 'admin', body: JSON_BODY_LIMIT,
    config: createRoute({
      method: 'post', path: '/v1/instruments', tags: ['instruments'], operationId: 'createInstrument', security: secured,
      summary: 'Register an instrument: credentials that can only upload images under its own key prefix',
      description: 'The credentials are a presigned POST policy: key prefix, size range, image content types, expiry (6 h in the cloud); renew them before they expire. Each image uploaded under the prefix is inspected with the instrument\'s profile; pixel size and sheet fields travel as `x-amz-meta-*` form fields.',
      request: { headers: IdempotencyHeader, body: { required: true, content: { 'application/json': { schema: InstrumentCreateSchema } } } },
      responses: { 201: json(InstrumentCreatedSchema, 'The instrument and its first credentials.'), ...problems(400, ...COMMON, 404, 409, 413, 415) },
    }),
  },
  listInstruments: {
    scope: 'admin', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/instruments', tags: ['instruments'], operationId: 'listInstruments', security: secured,
      summary: "This tenant's instruments", responses: { 200: json(InstrumentListSchema, 'The instruments.'), ...problems(...COMMON) },
    }),
  },
  renewInstrumentCredentials: {
    scope: 'admin', body: 0,
    config: createRoute({
      method: 'post', path: '/v1/instruments/{id}/credentials', tags: ['instruments'], operationId: 'renewInstrumentCredentials', security: secured,
      summary: 'New credentials for an instrument', request: { params: InstrumentParams },
      responses: { 200: json(CredentialsSchema, 'Fresh credentials.'), ...problems(...COMMON, 404, 409) },
    }),
  },
  revokeInstrument: {
    scope: 'admin', body: 0,
    config: createRoute({
      method: 'delete', path: '/v1/instruments/{id}', tags: ['instruments'], operationId: 'revokeInstrument', security: secured,
      summary: 'Revoke an instrument (no new credentials; the local service refuses its uploads at once, the cloud when its credentials expire)',
      request: { params: InstrumentParams },
      responses: { 204: { description: 'Revoked.' }, ...problems(...COMMON, 404) },
    }),
  },
  createKey: {
    scope: 'admin', body: JSON_BODY_LIMIT,
    config: createRoute({
      method: 'post', path: '/v1/keys', tags: ['keys'], operationId: 'createKey', security: secured,
      summary: 'Issue an API key for this tenant (shown once)',
      request: { headers: IdempotencyHeader, body: { required: true, content: { 'application/json': { schema: KeyCreateSchema } } } },
      responses: { 201: json(KeyCreatedSchema, 'The new key; only its hash is stored.'), ...problems(400, ...COMMON, 409, 413, 415) },
    }),
  },
  listKeys: {
    scope: 'admin', body: 0,
    config: createRoute({
      method: 'get', path: '/v1/keys', tags: ['keys'], operationId: 'listKeys', security: secured,
      summary: "This tenant's keys (ids, names, scopes; never the keys)",
      responses: { 200: json(KeyListSchema, 'The keys.'), ...problems(...COMMON) },
    }),
  },
  revokeKey: {
    scope: 'admin', body: 0,
    config: createRoute({
      method: 'delete', path: '/v1/keys/{id}', tags: ['keys'], operationId: 'revokeKey', security: secured,
      summary: 'Revoke a key (at once locally; within the authorizer cache time, 60 s, in the cloud)', request: { params: KeyParams },
      responses: { 204: { description: 'Revoked.' }, ...problems(...COMMON, 404) },
    }),
  },
} as const satisfies Record<string, ApiRoute>;

export type RouteName = keyof typeof ROUTES;

/** Method and OpenAPI path of every route (the CDK stack and the route walk read this). */
export function routeTable(): { name: RouteName; method: string; path: string; public: boolean }[] {
  return (Object.entries(ROUTES) as [RouteName, ApiRoute][]).map(([name, r]) => ({ name, method: r.config.method.toUpperCase(), path: r.config.path, public: r.scope === null }));
}


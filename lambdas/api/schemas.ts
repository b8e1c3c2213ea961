import { z } from '@hono/zod-openapi';
import { ReportSchema } from '../domain/report/report.js';
import { WEBHOOK_EVENT_TYPES, WebhookEventTypeSchema } from '../domain/webhooks/payload.js';
import { SCOPES, USAGE_KINDS } from '../ports/partner-api.js';

/** Request and response schemas of the API: validated at the door and the source of the OpenAPI document. */

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:mmdo:problem:validation_failed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    code: z.string().openapi({ description: 'Stable machine-readable code (see the README error table).' }),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details.' });

export const ProfileName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" and "-", at most 128')
  .refine((n) => !n.includes('..'), 'no ".."');

export const FileName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^/\\\u0000-\u001f\u007f]+$/, 'a file name without path separators or control characters')
  .refine((n) => n !== '.' && n !== '..', 'a file name');

export const InspectionId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/).openapi({ param: { name: 'id', in: 'path' }, example: '3f1c9a0e4b7d4c2a9e51d8f0a6b2c7e1' });
export const IdParams = z.object({ id: InspectionId });

/** Options of an image upload (query string, or multipart form fields). */
export const UploadOptionsSchema = z.object({
  profile: ProfileName.optional().openapi({ description: "The profile to inspect with (default: the service's default profile)." }),
  profileVersion: z.coerce.number().int().positive().optional().openapi({ description: 'A version of the profile (default: the active, else latest).' }),
  pixelSizeUm: z.coerce.number().positive().max(1000).optional().openapi({ description: 'µm per pixel, overriding the file and the sheet.' }),
  name: FileName.optional().openapi({ description: 'The image name recorded in the report.' }),
});

export const BinaryImage = { type: 'string', format: 'binary' } as const;

export const MultipartUpload = {
  type: 'object' as const,
  required: ['image'],
  properties: {
    image: { type: 'string' as const, format: 'binary', description: 'The image (PNG, JPEG, TIFF; 8 or 16 bit).' },
    metadata: { type: 'string' as const, description: 'The synthesis sheet as a JSON object (validated on entry).' },
    profile: { type: 'string' as const },
    profileVersion: { type: 'integer' as const },
    pixelSizeUm: { type: 'number' as const },
    name: { type: 'string' as const },
  },
};

export const LinksSchema = z.record(z.string(), z.string()).openapi('Links', { description: 'Where to fetch the report and its images: `self`, and `heatmap`, `overlay`, `phases`, `micrograph` when the report has them.' });

export const AcceptedSchema = z
  .object({ id: z.string(), status: z.enum(['queued', 'running', 'completed', 'failed']), links: LinksSchema })
  .openapi('Accepted');

export const PendingSchema = z
  .object({
    id: z.string(),
    status: z.enum(['awaiting_upload', 'queued', 'running']),
    stage: z.string().nullable(),
    progress: z.number().nullable(),
    attempts: z.number().int(),
    name: z.string(),
    profile: z.string(),
    submittedAt: z.string(),
    links: LinksSchema,
  })
  .openapi('PendingInspection');

export const ReportWithLinksSchema = ReportSchema.extend({ links: LinksSchema }).openapi('Report');

export const ListQuerySchema = z.object({
  batch: z.string().min(1).max(200).optional().openapi({ description: "Only reports of this batch (the sheet's batch id)." }),
  since: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Only reports created at or after this time.' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2048).optional().openapi({ description: 'The `next` cursor of the previous page.' }),
});

export const ReportPageSchema = z
  .object({ items: z.array(ReportWithLinksSchema), next: z.string().nullable() })
  .openapi('ReportPage');

export const ProfileSummarySchema = z
  .object({
    name: z.string(),
    latestVersion: z.number().int(),
    activeVersion: z.number().int().openapi({ description: 'The version inspections use when they name none (the latest unless one was activated).' }),
    versions: z.array(z.object({ version: z.number().int(), createdAt: z.string(), bankImages: z.number().int(), backboneId: z.string() })),
  })
  .openapi('Profile');

export const ProfileListSchema = z.object({ defaultProfile: z.string().nullable(), items: z.array(ProfileSummarySchema) }).openapi('ProfileList');
export const ProfileParams = z.object({ name: ProfileName.openapi({ param: { name: 'name', in: 'path' } }) });

export const WebhookCreateSchema = z
  .strictObject({
    url: z.string().min(1).max(2048).openapi({ example: 'https://lims.example.com/hooks/mmdo' }),
    events: z.array(WebhookEventTypeSchema).min(1).default([...WEBHOOK_EVENT_TYPES]),
    description: z.string().max(500).optional(),
  })
  .openapi('WebhookCreate');

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(WebhookEventTypeSchema),
    description: z.string().optional(),
    createdAt: z.string(),
    disabledReason: z.string().optional(),
  })
  .openapi('Webhook');

export const WebhookCreatedSchema = WebhookSchema.extend({ secret: z.string().openapi({ description: 'The signing secret, shown this once.' }) }).openapi('WebhookCreated');
export const RotateSchema = z
  .strictObject({
    overlapSeconds: z.number().int().min(0).max(7 * 86_400).default(86_400).openapi({ description: 'How long the old secret keeps signing beside the new one (default 24 h, at most 7 days).' }),
  })
  .openapi('WebhookSecretRotation');
export const WebhookRotatedSchema = WebhookCreatedSchema.extend({
  previousSecretExpiresAt: z.string().openapi({ description: 'Until then deliveries carry a signature with each secret.' }),
}).openapi('WebhookSecretRotated');
export const WebhookParams = z.object({ id: z.string().regex(/^wh_[0-9a-f]{32}$/).openapi({ param: { name: 'id', in: 'path' } }) });
export const WebhookListSchema = z.object({ items: z.array(WebhookSchema) }).openapi('WebhookList');
export const DeliveryListSchema = z
  .object({
    items: z.array(z.object({
      messageId: z.string(), eventType: z.string(), status: z.string(), attempts: z.number().int(),
      lastStatus: z.number().int().nullable(), lastError: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
    })),
  })
  .openapi('WebhookDeliveries');

export const ScopeSchema = z.enum(SCOPES);
export const KeyCreateSchema = z
  .strictObject({ name: z.string().min(1).max(100), scopes: z.array(ScopeSchema).min(1) })
  .openapi('ApiKeyCreate');
export const KeySchema = z
  .object({ id: z.string(), name: z.string(), scopes: z.array(ScopeSchema), createdAt: z.string(), revokedAt: z.string().optional() })
  .openapi('ApiKey');
export const KeyCreatedSchema = KeySchema.extend({ key: z.string().openapi({ description: 'The key, shown this once: store it as a secret.' }) }).openapi('ApiKeyCreated');
export const KeyListSchema = z.object({ items: z.array(KeySchema) }).openapi('ApiKeyList');
export const KeyParams = z.object({ id: z.string().regex(/^[a-z0-9]{12}$/).openapi({ param: { name: 'id', in: 'path' } }) });

export const UsageQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Start (inclusive); default: the start of this month (UTC).' }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'End (exclusive); default: now.' }),
  format: z.enum(['json', 'csv']).default('json').openapi({ description: '`csv`: every usage record as CSV.' }),
});
const UsageKindSchema = z.enum(USAGE_KINDS);
export const UsageSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    totals: z.record(UsageKindSchema, z.number()),
    byProfile: z.array(z.object({ profile: z.string(), kind: UsageKindSchema, quantity: z.number() })),
    byDay: z.array(z.object({ day: z.string(), kind: UsageKindSchema, quantity: z.number() })),
  })
  .openapi('Usage');

export const HealthSchema = z.object({ status: z.literal('ok'), runtime: z.enum(['local', 'cloud']) }).catchall(z.unknown()).openapi('Health');

export const UPLOAD_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/tiff'] as const;

export const UploadRequestSchema = z
  .strictObject({
    name: FileName,
    contentType: z.enum(UPLOAD_CONTENT_TYPES),
    bytes: z.number().int().positive().openapi({ description: 'The exact size of the file; the upload must match it.' }),
    profile: ProfileName.optional(),
    profileVersion: z.number().int().positive().optional(),
    pixelSizeUm: z.number().positive().max(1000).optional(),
    metadata: z.record(z.string(), z.unknown()).optional().openapi({ description: 'The synthesis sheet (validated now, as the CLI validates it).' }),
  })
  .openapi('UploadRequest');

export const PresignedUploadSchema = z
  .object({
    method: z.literal('POST'),
    url: z.string(),
    fields: z.record(z.string(), z.string()).openapi({ description: 'Send these form fields first, then the file as `file`.' }),
    expiresAt: z.string(),
    maxBytes: z.number().int(),
    keyPrefix: z.string().optional().openapi({ description: 'Instruments: every key must start with this; `${filename}` in `key` becomes the file name.' }),
  })
  .openapi('PresignedUpload');

export const UploadSlotSchema = z
  .object({ id: z.string(), status: z.literal('awaiting_upload'), upload: PresignedUploadSchema, links: LinksSchema })
  .openapi('UploadSlot');

const InstrumentId = z.string().regex(/^ins_[0-9a-f]{24}$/);
export const InstrumentParams = z.object({ id: InstrumentId.openapi({ param: { name: 'id', in: 'path' } }) });
export const InstrumentCreateSchema = z
  .strictObject({ name: z.string().min(1).max(100), profile: ProfileName, profileVersion: z.number().int().positive().optional() })
  .openapi('InstrumentCreate');
export const InstrumentSchema = z
  .object({
    id: z.string(), name: z.string(), profile: z.string(), profileVersion: z.number().int().optional(),
    keyPrefix: z.string(), createdAt: z.string(), revokedAt: z.string().optional(),
  })
  .openapi('Instrument');
export const InstrumentCreatedSchema = InstrumentSchema.extend({ credentials: PresignedUploadSchema }).openapi('InstrumentCreated');
export const InstrumentListSchema = z.object({ items: z.array(InstrumentSchema) }).openapi('InstrumentList');
export const CredentialsSchema = z.object({ credentials: PresignedUploadSchema }).openapi('InstrumentCredentials');

export const ProfileVersionsSchema = z
  .object({
    activeVersion: z.number().int(),
    items: z.array(z.object({ version: z.number().int(), createdAt: z.string(), bankImages: z.number().int(), backboneId: z.string(), active: z.boolean() })),
  })
  .openapi('ProfileVersions');
export const ActivateSchema = z.strictObject({ version: z.number().int().positive() }).openapi('ProfileActivation');

/* The images a version was enrolled from (application/enrolled-images.ts). */
export const ProfileVersionParams = ProfileParams.extend({ version: z.coerce.number().int().positive().openapi({ param: { name: 'version', in: 'path' }, example: 1 }) });
export const EnrolledImageParams = ProfileVersionParams.extend({
  sha256: z.string().regex(/^[0-9a-f]{64}$/).openapi({ param: { name: 'sha256', in: 'path' }, description: "The image's content hash (from the list)." }),
});
export const EnrolledImagesQuerySchema = z.object({
  role: z.enum(['bank', 'calibration']).optional().openapi({ description: 'Only the memory-bank images, or only the held-out calibration images.' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^\d{1,9}$/).optional().openapi({ description: 'The `next` cursor of the previous page.' }),
});
export const EnrolledImagePageSchema = z
  .object({
    items: z.array(z.object({
      name: z.string(),
      sha256: z.string(),
      role: z.enum(['bank', 'calibration']).openapi({ description: 'In the memory bank, or held out to calibrate the scores.' }),
      pixelSizeUm: z.number().optional().openapi({ description: 'The pixel size declared when it was enrolled.' }),
      links: z.object({ thumbnail: z.string().openapi({ description: 'A grey PNG, at most 256 px on its longer side.' }) }),
    })),
    next: z.string().nullable(),
  })
  .openapi('EnrolledImagePage');

/* What a version knows of its scores, for the histograms and ROC (application/calibration-figures.ts). */
const ThresholdPairSchema = z.object({ suspect: z.number(), anomalous: z.number() });
const CalibratedComponentSchema = z.enum(['patch', 'novelty', 'density', 'consistency']);
const ShareSchema = z.object({
  hits: z.number().int(), of: z.number().int(), share: z.number(),
  lower: z.number(), upper: z.number(), confidence: z.number(),
}).openapi('ShareEstimate', { description: '`hits` of `of`, and the exact (Clopper-Pearson) interval of the true share at `confidence`.' });
export const CalibrationFiguresSchema = z
  .object({
    profile: z.string(),
    version: z.number().int(),
    operating: z.object({
      thresholds: ThresholdPairSchema.openapi({ description: 'Fused scores at or above `suspect` are flagged, at or above `anomalous` anomalous.' }),
      source: z.enum(['default', 'conformal', 'extrapolated', 'feedback']).openapi({ description: "How they were set: the calibrated scale's 0.5 / 0.9, conformal quantiles of the calibration normals' fused scores, extrapolated (see `warning`), or from expert feedback." }),
      falseAlarmRate: z.number(),
      suspectRate: z.number(),
      calibrationSize: z.number().int().openapi({ description: 'Normal images the thresholds were calibrated on.' }),
      warning: z.string().optional(),
    }),
    components: z.array(z.object({
      name: CalibratedComponentSchema,
      fused: z.boolean().openapi({ description: "Whether the version's fusion uses the component." }),
      normals: z.array(z.number()).openapi({ description: 'Raw scores of the held-out calibration normals (empty: none recorded).' }),
      thresholds: ThresholdPairSchema.nullable().openapi({ description: "The raw scores at which the component's calibrated value is 0.5 (suspect) and 0.9 (anomalous); null without a calibration." }),
    })),
    labelled: z.object({
      items: z.array(z.object({
        reportId: z.string(), name: z.string(), label: z.string(), anomalous: z.boolean(),
        score: z.number().openapi({ description: 'The fused 0..1 score the report was given.' }),
        components: z.record(z.string(), z.number()).openapi({ description: "Each component's raw score in the report." }),
      })).openapi({ description: 'Reports of this version with an expert label (the labelled set): an ROC needs both kinds.' }),
      otherVersions: z.number().int().openapi({ description: "Labelled reports of the profile scored by other versions (another scale: left out)." }),
    }),
    atOperating: z.object({
      recall: ShareSchema.nullable().openapi({ description: 'Expert-confirmed defects among the labelled reports that the operating threshold flagged: the expected recall (null: none labelled).' }),
      falseAlarms: ShareSchema.nullable().openapi({ description: 'Confirmed normal images among the labelled reports that it flagged (null: none labelled).' }),
    }).openapi({ description: "At the version's operating threshold (fused score ≥ suspect), on the labelled reports it scored." }),
    tuning: z.object({
      tuner: z.string(), metric: z.string(), value: z.number(), validationImages: z.number().int().optional(),
      test: z.record(z.string(), z.number()).optional().openapi({ description: "The tuned settings' figures on the untouched test split." }),
    }).nullable().openapi({ description: 'When `mmdo tune` chose the settings: what it maximised and its test figures.' }),
  })
  .openapi('CalibrationFigures');

/* Profile jobs: enrolments (images by presigned uploads) and recalibrations (expert feedback applied). */

const EnrolmentImageRequestSchema = z.strictObject({
  name: FileName,
  contentType: z.enum(UPLOAD_CONTENT_TYPES),
  bytes: z.number().int().positive().openapi({ description: 'The exact size of the file; its upload must match it.' }),
  pixelSizeUm: z.number().positive().max(1000).optional().openapi({ description: 'µm per pixel of this image, overriding its file and the enrolment\'s.' }),
});

const enrolmentFields = {
  images: z.array(EnrolmentImageRequestSchema).min(1).max(1000).openapi({
    description: 'The normal images to enrol, declared before upload. At least 2 in all with the profile\'s earlier images (one for the bank, one held out for calibration); the runtime\'s limits on count and sizes are in the README.',
  }),
  pixelSizeUm: z.number().positive().max(1000).optional().openapi({ description: 'µm per pixel of the profile (default: the earlier version\'s, else the first image\'s own).' }),
  calibrationFraction: z.number().gt(0).lt(1).optional().openapi({ description: 'Share of the new images held out for calibration (default 0.2).' }),
  coresetRatio: z.number().gt(0).max(1).optional().openapi({ description: 'Share of patches kept in the memory bank (default: the earlier version\'s, else 0.1).' }),
  seed: z.number().int().optional(),
  suspectRate: z.number().gt(0).lt(0.5).optional().openapi({ description: 'Share of normal images the version may flag (suspect or anomalous); its calibration normals set the threshold (default: the earlier version\'s, else 0.01; 99 calibration normals resolve 0.01).' }),
  falseAlarmRate: z.number().gt(0).lt(0.5).optional().openapi({ description: 'Share of normal images the version may call anomalous (default: the earlier version\'s, else 0.001).' }),
};

/** Both rates given: the share called anomalous is part of the share flagged, so it cannot be larger (refused at the door, not when the job runs). */
const ratesInOrder = (body: { readonly suspectRate?: number | undefined; readonly falseAlarmRate?: number | undefined }, ctx: z.RefinementCtx) => {
  if (body.suspectRate !== undefined && body.falseAlarmRate !== undefined && body.falseAlarmRate > body.suspectRate) {
    ctx.addIssue({ code: 'custom', path: ['falseAlarmRate'], message: `falseAlarmRate ${body.falseAlarmRate} is above suspectRate ${body.suspectRate}: anomalous images are flagged too` });
  }
};

export const EnrolmentRequestSchema = z.strictObject(enrolmentFields).superRefine(ratesInOrder).openapi('EnrolmentRequest');
export const ProfileCreateSchema = z.strictObject({ name: ProfileName.openapi({ example: 'cathode-sem' }), ...enrolmentFields }).superRefine(ratesInOrder).openapi('ProfileCreate');

export const RecalibrationRequestSchema = z
  .strictObject({
    reviewer: z.string().trim().min(1).max(200).optional().openapi({ description: 'Who asked for it (kept with the recalibration); default: the API key.' }),
    dryRun: z.boolean().default(false).openapi({ description: 'Compute and report what would change; enrol and save nothing.' }),
    enrolNormals: z.boolean().default(true).openapi({ description: 'Enrol the reports confirmed normal into the profile first (false: recalibrate only).' }),
  })
  .openapi('RecalibrationRequest');

const ProfileJobId = z.string().regex(/^(enr|rcl)_[0-9a-f]{24}$/);
export const EnrolmentParams = ProfileParams.extend({ id: ProfileJobId.openapi({ param: { name: 'id', in: 'path' }, example: 'enr_0123456789abcdef01234567' }) });
export const RecalibrationParams = ProfileParams.extend({ id: ProfileJobId.openapi({ param: { name: 'id', in: 'path' }, example: 'rcl_0123456789abcdef01234567' }) });

export const ProfileJobSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['enrolment', 'recalibration']),
    profile: z.string(),
    status: z.enum(['awaiting_upload', 'queued', 'running', 'completed', 'failed']).openapi({
      description: 'awaiting_upload (enrolments: until `start`), queued, running (with stage and progress), then completed (with the versions made) or failed (with the reason).',
    }),
    stage: z.string().nullable(),
    progress: z.number().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    images: z.array(z.object({
      index: z.number().int(), name: z.string(), contentType: z.string(), bytes: z.number().int(), pixelSizeUm: z.number().optional(),
      uploaded: z.boolean(),
    })).optional().openapi({ description: 'Enrolments: the declared images and whether each is uploaded.' }),
    uploads: z.array(z.object({ index: z.number().int(), name: z.string(), upload: PresignedUploadSchema })).optional().openapi({
      description: 'While awaiting_upload: a presigned POST for each image not uploaded yet (fresh on every read). Post its `fields`, then the file as `file`.',
    }),
    options: z.record(z.string(), z.unknown()).openapi({ description: 'What was asked: enrolment options, or the recalibration request.' }),
    versions: z.array(z.object({ version: z.number().int(), source: z.enum(['enrolment', 'feedback']) })).openapi({ description: 'The profile versions the job made.' }),
    result: z.record(z.string(), z.unknown()).nullable().openapi({
      description: 'Enrolment: version, bank and calibration image counts, bank vectors, thresholds, operating point, timings, images enrolled. Recalibration: labels used, weights and thresholds before and after, F1, warnings (as `mmdo review apply --json` prints).',
    }),
    failure: z.object({ code: z.string(), message: z.string() }).nullable(),
    links: LinksSchema,
  })
  .openapi('ProfileJob');

/* Expert feedback. */

export const FeedbackRequestSchema = z
  .strictObject({
    action: z.enum(['confirm', 'reject', 'relabel']).openapi({ description: 'confirm: the verdict is right (a region: a real defect); reject: it is wrong (a region: a false alarm); relabel: set `label`.' }),
    regionId: z.number().int().nonnegative().optional().openapi({ description: 'A region of the report; absent: the whole report.' }),
    label: z.string().min(1).max(64).optional().openapi({ description: '`normal`, `anomalous` or a defect class (e.g. `crack`); required by relabel.' }),
    reviewer: z.string().trim().min(1).max(200).optional().openapi({ description: 'Who judged (default: the API key).' }),
    note: z.string().max(2000).optional(),
  })
  .openapi('FeedbackRequest');

const FeedbackTargetSchema = z.union([z.object({ kind: z.literal('report') }), z.object({ kind: z.literal('region'), regionId: z.number().int() })]);
export const FeedbackSchema = z
  .object({
    reportId: z.string(),
    target: FeedbackTargetSchema,
    action: z.enum(['confirm', 'reject', 'relabel']),
    label: z.string(),
    reviewer: z.string(),
    note: z.string().optional(),
    at: z.string(),
    profile: z.object({ name: z.string(), version: z.number().int() }).nullable(),
    verdict: z.enum(['normal', 'suspect', 'anomalous']).openapi({ description: 'The verdict judged.' }),
    score: z.number(),
  })
  .openapi('Feedback');
export const FeedbackRecordedSchema = z
  .object({ feedback: FeedbackSchema, outcome: z.enum(['created', 'updated', 'unchanged']) })
  .openapi('FeedbackRecorded');
export const FeedbackListSchema = z.object({ items: z.array(FeedbackSchema) }).openapi('FeedbackList');

export const ReviewQueueQuerySchema = z.object({
  profile: ProfileName.optional().openapi({ description: 'Only reports of this profile.' }),
  limit: z.coerce.number().int().min(1).max(500).default(20),
});
export const ReviewQueueSchema = z
  .object({
    items: z.array(z.object({
      reportId: z.string(), name: z.string(), createdAt: z.string(), profile: z.object({ name: z.string(), version: z.number().int() }),
      score: z.number(), verdict: z.enum(['normal', 'suspect', 'anomalous']), thresholds: z.object({ suspect: z.number(), anomalous: z.number() }),
      margin: z.number(), nearestThreshold: z.enum(['suspect', 'anomalous']), disagreement: z.number(), uncertainty: z.number(),
      components: z.array(z.object({ name: z.string(), calibrated: z.number(), weight: z.number() })), regions: z.number().int(),
      links: LinksSchema,
    })).openapi({ description: 'Unreviewed completed reports, most uncertain first, judged at the profile\'s current operating point.' }),
    unreviewed: z.number().int(),
    scanned: z.number().int(),
  })
  .openapi('ReviewQueue');
export const LabelledSetSchema = z
  .object({
    items: z.array(z.object({
      reportId: z.string(), name: z.string(), createdAt: z.string(), profile: z.object({ name: z.string(), version: z.number().int() }).nullable(),
      label: z.string(), anomalous: z.boolean(), source: z.enum(['report', 'regions']), reviewers: z.array(z.string()), at: z.string(),
      verdict: z.enum(['normal', 'suspect', 'anomalous']).nullable(), score: z.number().nullable(), links: LinksSchema,
    })),
  })
  .openapi('LabelledSet');

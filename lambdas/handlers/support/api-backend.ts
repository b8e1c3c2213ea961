import { randomUUID } from 'node:crypto';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ApiBackend, ApiLimits, FeedbackApi, InspectionView, WebhookAdmin } from '../../api/backend.js';
import { DynamoDbFeedbackStore } from '../../adapters/aws/dynamodb-feedback-store.js';
import { DynamoDbProfileJobStore } from '../../adapters/aws/dynamodb-profile-job-store.js';
import { S3ArtifactStore } from '../../adapters/aws/s3-artifact-store.js';
import { FeedbackService } from '../../application/feedback/index.js';
import { enrolledThumbnailKey } from '../../application/enrolled-images.js';
import { inputKey } from '../../application/pipeline/run-local.js';
import { MmdoError } from '../../domain/errors.js';
import type { ProfileEventSink } from '../../ports/profile-jobs.js';
import { DynamoDbApiStore } from '../../adapters/aws/dynamodb-api-store.js';
import { DynamoDbReportStore } from '../../adapters/aws/dynamodb-report-store.js';
import { DynamoDbUsageLedger } from '../../adapters/aws/dynamodb-usage-ledger.js';
import { DynamoDbWebhookSubscriptions } from '../../adapters/aws/dynamodb-webhook-subscriptions.js';
import { S3ProfileStore } from '../../adapters/aws/s3-profile-store.js';
import { MemoryScratch } from '../../adapters/scratch/memory-scratch.js';
import { checkTargetAddresses, WebhookTargetError } from '../../adapters/webhooks/target-guard.js';
import { MeteredReportStore } from '../../application/metering/metered-reports.js';
import { LocalPipeline } from '../../application/pipeline/run-local.js';
import type { CloudDeps } from '../../application/pipeline/run-step.js';
import { reportIdFor, uploadIdempotencyKey } from '../../application/pipeline/state.js';

/**
 * Instrument credentials are signed with the API function's role, whose session lasts a few hours: they are made to
 * last 6 h and renewed (POST /v1/instruments/{id}/credentials) well before. For longer-lived access, an IAM role with
 * an `s3:prefix`-scoped policy is the alternative (README, Partner API).
 */
const INSTRUMENT_CREDENTIALS_SECONDS = 6 * 3600;
/** Object metadata an instrument may set with an upload (x-amz-meta-*): the pixel size and the common sheet fields. */
const INSTRUMENT_METADATA = ['pixel-size-um', 'batch-id', 'modality', 'sulfur-loading-wt-pct', 'carbon-host', 'target-porosity', 'particle-size-um', 'process-notes'];

const secondsUntil = (iso: string) => Math.max(1, Math.round((Date.parse(iso) - Date.now()) / 1000));

export interface CloudApiSettings {
  readonly uploadBucket: string;
  readonly artifactBucket: string;
  readonly reportsTable: string;
  readonly profilesTable: string;
  readonly apiTable: string;
  readonly usageTable: string;
  readonly webhooksTable: string;
  readonly limits: ApiLimits;
  /** How long presigned links to report images stay valid. */
  readonly linkSeconds: number;
  /** The profile-jobs function's queue: a started enrolment or recalibration is one message (`{ tenant, id }`). */
  readonly profileJobQueueUrl?: string;
}

/** Enrolment image upload forms last this long (a fresh one comes with every read of the enrolment). */
const ENROLMENT_UPLOAD_SECONDS = 3600;

/** How the cloud API reaches the rest: the profile-jobs queue (SQS) and the event bus (profile changes). */
export interface CloudApiPorts {
  readonly sqs?: SQSClient;
  readonly profileEvents: ProfileEventSink;
  /** Replaces the SQS message that starts a profile job (tests run the job function directly). */
  readonly startProfileJob?: (tenant: string, id: string) => Promise<void>;
}

/**
 * The API's backend in the cloud. Queued inspections are objects put into the upload bucket under the caller's
 * tenant (`<tenant>/<profile>[@v]/api/<upload id>/<name>`, sheet as a JSON sidecar first): the same EventBridge rule
 * and Step Functions workflow as any upload, and the report id follows from the object version as there.
 * /v1/detect runs the same stages in this Lambda (the cloud adapters: SageMaker endpoint, OpenSearch, S3, DynamoDB)
 * and the report is written and billed as the workflow writes it. Report images are presigned S3 links.
 */
export function cloudApiBackend(deps: CloudDeps, clients: { s3: S3Client; dynamo: DynamoDBClient }, settings: CloudApiSettings, ports: CloudApiPorts): ApiBackend {
  const store = new DynamoDbApiStore(clients.dynamo, settings.apiTable);
  const usage = new DynamoDbUsageLedger(clients.dynamo, settings.usageTable);
  const reports = new DynamoDbReportStore(clients.dynamo, settings.reportsTable);
  const profiles = new S3ProfileStore(clients.s3, clients.dynamo, { bucket: settings.artifactBucket, table: settings.profilesTable });
  const subscriptions = new DynamoDbWebhookSubscriptions(clients.dynamo, settings.webhooksTable);
  const { claims: _claims, scratchFor: _scratchFor, ...stages } = deps;
  const pipeline = new LocalPipeline({ ...stages, reports: new MeteredReportStore(deps.reports, usage), scratch: () => new MemoryScratch() });
  const presign = (key: string) => getSignedUrl(clients.s3, new GetObjectCommand({ Bucket: settings.artifactBucket, Key: key }), { expiresIn: settings.linkSeconds });
  const profileJobs = new DynamoDbProfileJobStore(clients.dynamo, settings.apiTable);
  const artifacts = new S3ArtifactStore(clients.s3, settings.artifactBucket);
  const feedbackService = new FeedbackService({
    reports, feedback: new DynamoDbFeedbackStore(clients.dynamo, settings.reportsTable), profiles, artifacts,
    // Applying feedback is a profile job (the profile-jobs function); the API only records and reads.
    enrollment: { enroll: async () => { throw new MmdoError('not_configured', 'enrolment runs in the profile-jobs function', 501); } },
  });
  const feedback: FeedbackApi = {
    async record(tenant, reportId, input) {
      const recorded = await feedbackService.record(tenant, reportId, input);
      await keepInput(tenant, reportId, recorded.feedback.sha256);
      return recorded;
    },
    ofReport: (tenant, reportId) => feedbackService.ofReport(tenant, reportId),
    queue: (tenant, query) => feedbackService.queue(tenant, query),
    labelled: (tenant, profile) => feedbackService.labelled(tenant, profile),
  };

  /**
   * A judged image's bytes where applying feedback reads them (`inputKey` in the artifact bucket: the confirmed
   * normals it enrols, the labels it scores again). /v1/detect keeps them there already; an image queued through
   * POST /v1/inspections is copied from the upload bucket now. Images that came through an upload slot or an
   * instrument are not kept: their labels count with their stored scores.
   */
  async function keepInput(tenant: string, reportId: string, sha256: string): Promise<void> {
    const key = inputKey(tenant, sha256);
    if (await stored(key)) return;
    const upload = await store.getUpload(tenant, reportId);
    if (!upload) return;
    await clients.s3.send(new CopyObjectCommand({
      Bucket: settings.artifactBucket, Key: key, CopySource: `${settings.uploadBucket}/${upload.key.split('/').map(encodeURIComponent).join('/')}`, ContentType: 'application/octet-stream', MetadataDirective: 'REPLACE',
    }));
  }

  async function stored(key: string): Promise<boolean> {
    return clients.s3.send(new HeadObjectCommand({ Bucket: settings.artifactBucket, Key: key })).then(() => true, (error: { name?: string }) => {
      if (error.name === 'NotFound' || error.name === 'NoSuchKey') return false;
      throw error;
    });
  }

  const webhooks: WebhookAdmin = {
    async checkTarget(url) {
      try {
        await checkTargetAddresses(url, { allowLoopback: false });
      } catch (error) {
        if (error instanceof WebhookTargetError) throw error;
        throw new WebhookTargetError(`The URL's host cannot be resolved: ${(error as Error).message}`, url);
      }
    },
    create: (tenant, input) => subscriptions.create(tenant, input),
    list: async (tenant) => (await subscriptions.list(tenant)).map(({ tenant: _t, ...view }) => view),
    async get(tenant, id) {
      const found = await subscriptions.get(tenant, id);
      if (!found) return undefined;
      const { tenant: _t, ...view } = found;
      return view;
    },
    delete: (tenant, id) => subscriptions.delete(tenant, id),
    async rotate(tenant, id, overlapMs) {
      const rotated = await subscriptions.rotate(tenant, id, overlapMs);
      if (!rotated) return undefined;
      const { tenant: _t, ...subscription } = rotated.subscription;
      return { ...rotated, subscription };
    },
    async deliveries(tenant, id) {
      if (!(await subscriptions.get(tenant, id))) return undefined;
      return subscriptions.deliveries(tenant, id);
    },
  };

  return {
    runtime: 'cloud',
    limits: settings.limits,
    health: async () => ({}),
    listProfiles: (tenant) => profiles.list(tenant),
    profileControls: store,
    async submit(tenant, upload) {
      const key = `${tenant}/${upload.profile}${upload.profileVersion !== undefined ? `@${upload.profileVersion}` : ''}/api/${randomUUID()}/${upload.name}`;
      // The sidecar goes up first: the image's event starts the workflow, which reads the sheet beside it.
      if (upload.metadata) {
        await clients.s3.send(new PutObjectCommand({ Bucket: settings.uploadBucket, Key: `${key}.json`, Body: JSON.stringify(upload.metadata), ContentType: 'application/json' }));
      }
      const put = await clients.s3.send(new PutObjectCommand({
        Bucket: settings.uploadBucket, Key: key, Body: upload.content,
        ...(upload.pixelSizeUm !== undefined ? { Metadata: { 'pixel-size-um': String(upload.pixelSizeUm) } } : {}),
      }));
      const reportId = reportIdFor(uploadIdempotencyKey({
        bucket: settings.uploadBucket, key, size: upload.content.byteLength,
        ...(put.VersionId ? { versionId: put.VersionId } : {}), ...(put.ETag ? { etag: put.ETag.replace(/"/g, '') } : {}),
      }));
      await store.putUpload(tenant, { reportId, name: upload.name, profile: upload.profile, key, submittedAt: new Date().toISOString() });
      return { id: reportId, status: 'queued' };
    },
    detect: (tenant, upload) =>
      pipeline.inspect({
        tenant, name: upload.name, bytes: upload.content, profile: upload.profile, reportId: randomUUID().replaceAll('-', ''),
        ...(upload.profileVersion !== undefined ? { profileVersion: upload.profileVersion } : {}),
        ...(upload.pixelSizeUm !== undefined ? { pixelSizeUm: upload.pixelSizeUm } : {}),
        ...(upload.metadata !== undefined ? { metadata: upload.metadata } : {}),
      }),
    async get(tenant, id): Promise<InspectionView | undefined> {
      if (id.startsWith('upl_')) {
        const slot = await store.getSlot(tenant, id);
        if (!slot) return undefined;
        const object = await clients.s3.send(new HeadObjectCommand({ Bucket: settings.uploadBucket, Key: slot.key })).catch((error: { name?: string }) => {
          if (error.name === 'NotFound' || error.name === 'NoSuchKey') return undefined;
          throw error;
        });
        const pending = { kind: 'pending', id, stage: null, progress: null, attempts: 0, name: slot.name, profile: slot.profile, submittedAt: slot.createdAt } as const;
        if (!object) return { ...pending, status: 'awaiting_upload' };
        const reportId = reportIdFor(uploadIdempotencyKey({
          bucket: settings.uploadBucket, key: slot.key, size: object.ContentLength ?? 0,
          ...(object.VersionId && object.VersionId !== 'null' ? { versionId: object.VersionId } : {}), ...(object.ETag ? { etag: object.ETag.replace(/"/g, '') } : {}),
        }));
        const report = await reports.get(tenant, reportId);
        return report ? { kind: 'report', report } : { ...pending, status: 'queued' };
      }
      const report = await reports.get(tenant, id);
      if (report) return { kind: 'report', report };
      const pending = await store.getUpload(tenant, id);
      return pending && {
        kind: 'pending', id, status: 'queued', stage: null, progress: null, attempts: 0, name: pending.name, profile: pending.profile, submittedAt: pending.submittedAt,
      };
    },
    list: (tenant, query) => reports.list(tenant, query),
    async artifact(report, kind) {
      const key = report.artifacts[kind];
      return key ? { url: await presign(key) } : undefined;
    },
    artifactLinks: async (report) => Object.fromEntries(await Promise.all(Object.entries(report.artifacts).map(async ([k, key]) => [k, await presign(key)] as const))),
    describeVersion: (tenant, profile, version) => profiles.describe(tenant, profile, version),
    async enrolledThumbnail(tenant, profile, sha256) {
      // A presigned link to an absent object would answer 403 from S3; say 404 here instead.
      const key = enrolledThumbnailKey(tenant, profile, sha256);
      return (await stored(key)) ? { url: await presign(key) } : undefined;
    },
    webhooks,
    uploads: store,
    async presignSlot(slot) {
      // The sheet goes up now, as the sidecar the workflow reads beside the image.
      if (slot.metadata) {
        await clients.s3.send(new PutObjectCommand({ Bucket: settings.uploadBucket, Key: `${slot.key}.json`, Body: JSON.stringify(slot.metadata), ContentType: 'application/json' }));
      }
      const fields: Record<string, string> = { 'Content-Type': slot.contentType, ...(slot.pixelSizeUm !== undefined ? { 'x-amz-meta-pixel-size-um': String(slot.pixelSizeUm) } : {}) };
      const post = await createPresignedPost(clients.s3, {
        Bucket: settings.uploadBucket, Key: slot.key, Fields: fields, Expires: secondsUntil(slot.expiresAt),
        // One key (the SDK adds it), exactly the declared size and content type.
        Conditions: [['content-length-range', slot.bytes, slot.bytes]],
      });
      return { method: 'POST', url: post.url, fields: post.fields, expiresAt: slot.expiresAt, maxBytes: slot.bytes };
    },
    async presignInstrument(instrument) {
      const expiresAt = new Date(Date.now() + INSTRUMENT_CREDENTIALS_SECONDS * 1000).toISOString();
      const maxBytes = settings.limits.maxUploadBytes;
      const post = await createPresignedPost(clients.s3, {
        Bucket: settings.uploadBucket, Key: `${instrument.keyPrefix}\${filename}`, Expires: INSTRUMENT_CREDENTIALS_SECONDS,
        // Any key under the prefix (the SDK turns `${filename}` into starts-with), images only, the sheet as metadata.
        Conditions: [
          ['content-length-range', 1, maxBytes],
          ['starts-with', '$Content-Type', 'image/'],
          ...INSTRUMENT_METADATA.map((name) => ['starts-with', `$x-amz-meta-${name}`, ''] as ['starts-with', string, string]),
        ],
      });
      return { method: 'POST', url: post.url, fields: post.fields, expiresAt, maxBytes, keyPrefix: instrument.keyPrefix };
    },
    credentials: store,
    idempotency: store,
    usage,
    profileJobs,
    async presignEnrolmentImage(_job, image) {
      const post = await createPresignedPost(clients.s3, {
        Bucket: settings.artifactBucket, Key: image.key, Fields: { 'Content-Type': image.contentType }, Expires: ENROLMENT_UPLOAD_SECONDS,
        // One key (the SDK adds it), exactly the declared size and content type.
        Conditions: [['content-length-range', image.bytes, image.bytes]],
      });
      return { method: 'POST', url: post.url, fields: post.fields, expiresAt: new Date(Date.now() + ENROLMENT_UPLOAD_SECONDS * 1000).toISOString(), maxBytes: image.bytes };
    },
    async uploadedEnrolmentImages(job) {
      const sizes = new Map<string, number>();
      const prefix = `${job.images?.[0]?.key.replace(/\/\d+$/, '') ?? ''}/`;
      let token: string | undefined;
      do {
        const out = await clients.s3.send(new ListObjectsV2Command({ Bucket: settings.artifactBucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        for (const object of out.Contents ?? []) if (object.Key) sizes.set(object.Key, object.Size ?? -1);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return new Set((job.images ?? []).filter((i) => sizes.get(i.key) === i.bytes).map((i) => i.index));
    },
    async runProfileJob(tenant, id) {
      if (ports.startProfileJob) return ports.startProfileJob(tenant, id);
      if (!ports.sqs || !settings.profileJobQueueUrl) throw new MmdoError('not_configured', 'MMDO_PROFILE_JOBS_QUEUE_URL is not set', 500);
      await ports.sqs.send(new SendMessageCommand({ QueueUrl: settings.profileJobQueueUrl, MessageBody: JSON.stringify({ tenant, id }) }));
    },
    feedback,
    profileEvents: ports.profileEvents,
  };
}

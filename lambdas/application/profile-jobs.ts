import { createHash, randomBytes } from 'node:crypto';
import { MmdoError, NotFoundError } from '../domain/errors.js';
import { operatingRatesOf } from '../domain/profile/settings.js';
import type { ProfileEvent } from '../domain/webhooks/payload.js';
import type { ProfileControls, UsageLedger } from '../ports/partner-api.js';
import type { JobVersion, ProfileEventSink, ProfileJob, ProfileJobKind, ProfileJobStore } from '../ports/profile-jobs.js';
import type { ArtifactStore, ProfileStore } from '../ports/stores.js';
import type { EnrollmentService, EnrollResult, ProgressListener } from './contracts.js';
import type { ApplyFeedbackRequest, ApplyFeedbackResult } from './feedback/apply.js';

/** Where an enrolment image is uploaded: scratch space of the tenant (the cloud expires `work/` after 7 days). */
export function enrolmentStagingKey(tenant: string, jobId: string, index: number): string {
  return `work/${tenant}/enrolments/${jobId}/${index}`;
}

export function newProfileJobId(kind: ProfileJobKind): string {
  return `${kind === 'enrolment' ? 'enr' : 'rcl'}_${randomBytes(12).toString('hex')}`;
}

/** The event id of a version's creation: the same version announced twice is one event (one webhook-id). */
export function versionCreatedEventId(tenant: string, profile: string, version: number): string {
  return `${tenant}:${profile}:v${version}:created`;
}

/** Applies expert feedback to a profile (FeedbackService.apply, in this process or a thread). */
export interface FeedbackApplier {
  apply(tenant: string, request: ApplyFeedbackRequest, progress?: ProgressListener): Promise<ApplyFeedbackResult>;
}

export interface ProfileJobDeps {
  readonly jobs: ProfileJobStore;
  /** The staged enrolment uploads. */
  readonly artifacts: Pick<ArtifactStore, 'get'>;
  readonly profiles: Pick<ProfileStore, 'load'>;
  /** Saves each version where inspections read it (in the cloud with its embeddings published: PublishingProfileStore). */
  readonly enrollment: EnrollmentService;
  readonly feedback?: FeedbackApplier;
  readonly controls: Pick<ProfileControls, 'getControl'>;
  readonly usage: Pick<UsageLedger, 'record'>;
  readonly events: ProfileEventSink;
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
}

const PROGRESS_EVERY_MS = 1000;

/**
 * Runs one queued profile job to its end: claims it (queued → running; a job someone else runs is left alone),
 * enrols its uploaded images or applies the profile's feedback with the same application code as the CLI
 * (Enrollment, FeedbackService), then, in this order and each idempotent, so a crash in between repeats nothing
 * twice: bills the images it enrolled (one usage record per job), announces every version it made
 * (`profile.updated`, one event id per version), and records the end. Any error ends the job `failed` with its code
 * and message. Returns the job as it ended, or undefined when this call did not run it.
 */
export async function runProfileJob(deps: ProfileJobDeps, tenant: string, id: string): Promise<ProfileJob | undefined> {
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  if (!(await deps.jobs.claim(tenant, id, now()))) return undefined;
  const job = await deps.jobs.get(tenant, id);
  if (!job) return undefined;
  let lastProgress = 0;
  const progress: ProgressListener = (stage, fraction) => {
    const t = Date.now();
    if (t - lastProgress < PROGRESS_EVERY_MS && fraction < 1) return;
    lastProgress = t;
    void deps.jobs.progress(tenant, id, stage, fraction).catch(() => undefined);
  };
  try {
    const { result, versions, enrolled } = job.kind === 'enrolment' ? await enrol(deps, job, progress) : await recalibrate(deps, job, progress);
    if (enrolled > 0) {
      await deps.usage.record({ tenant, eventId: `${job.kind}:${job.id}`, kind: 'enrolment_image', quantity: enrolled, occurredAt: now(), profile: job.profile });
    }
    const control = versions.length > 0 ? await deps.controls.getControl(tenant, job.profile) : undefined;
    for (const v of versions) {
      const latest = Math.max(...versions.map((x) => x.version));
      await deps.events.publish({
        eventId: versionCreatedEventId(tenant, job.profile, v.version), tenant, profile: job.profile, action: 'version_created', version: v.version,
        activeVersion: control?.activeVersion ?? latest, source: v.source, job: { kind: job.kind, id: job.id }, occurredAt: now(),
      } satisfies ProfileEvent);
    }
    await deps.jobs.finish(tenant, id, { status: 'completed', at: now(), result, versions });
    deps.log?.(`${job.kind} ${id} of ${tenant}/${job.profile}: completed${versions.length ? `, version ${versions.map((v) => v.version).join(', ')}` : ''}`);
  } catch (error) {
    const failure = error instanceof MmdoError ? { code: error.code, message: error.message } : { code: 'internal_error', message: (error as Error)?.message ?? String(error) };
    await deps.jobs.finish(tenant, id, { status: 'failed', at: now(), failure });
    deps.log?.(`${job.kind} ${id} of ${tenant}/${job.profile}: failed (${failure.code}: ${failure.message})`);
  }
  return deps.jobs.get(tenant, id);
}

async function enrol(deps: ProfileJobDeps, job: ProfileJob, progress: ProgressListener): Promise<{ result: Record<string, unknown>; versions: JobVersion[]; enrolled: number }> {
  const images: { name: string; bytes: Uint8Array; pixelSizeUm?: number }[] = [];
  for (const image of job.images ?? []) {
    const stored = await deps.artifacts.get(image.key);
    if (!stored) throw new MmdoError('enrolment_image_missing', `image ${image.index} ('${image.name}') of enrolment ${job.id} is not stored (was it uploaded?)`, 409, { index: image.index });
    if (stored.bytes.byteLength !== image.bytes) {
      throw new MmdoError('enrolment_image_size_mismatch', `image ${image.index} ('${image.name}') has ${stored.bytes.byteLength} bytes, ${image.bytes} were declared`, 422, { index: image.index });
    }
    images.push({ name: image.name, bytes: stored.bytes, ...(image.pixelSizeUm !== undefined ? { pixelSizeUm: image.pixelSizeUm } : {}) });
  }
  // Billed: the images this enrolment adds (an image already in the profile, or given twice, is not enrolled again).
  const known = new Set((await previousSources(deps, job)).map((s) => s.sha256));
  const fresh = new Set(images.map((i) => createHash('sha256').update(i.bytes).digest('hex')).filter((h) => !known.has(h)));
  const options = job.enrolment ?? {};
  const result: EnrollResult = await deps.enrollment.enroll({
    tenant: job.tenant, profile: job.profile, images,
    ...(options.pixelSizeUm !== undefined ? { pixelSizeUm: options.pixelSizeUm } : {}),
    ...(options.calibrationFraction !== undefined ? { calibrationFraction: options.calibrationFraction } : {}),
    ...(options.coresetRatio !== undefined ? { coresetRatio: options.coresetRatio } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...operatingRatesOf(options),
  }, progress);
  return { result: { ...result, enrolledImages: fresh.size }, versions: [{ version: result.version, source: 'enrolment' }], enrolled: fresh.size };
}

async function previousSources(deps: ProfileJobDeps, job: ProfileJob) {
  try {
    return (await deps.profiles.load(job.tenant, job.profile)).sources ?? [];
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
}

async function recalibrate(deps: ProfileJobDeps, job: ProfileJob, progress: ProgressListener): Promise<{ result: Record<string, unknown>; versions: JobVersion[]; enrolled: number }> {
  if (!deps.feedback) throw new MmdoError('not_configured', 'this runtime cannot apply feedback', 501);
  const options = job.recalibration ?? { dryRun: false, enrolNormals: true };
  const result = await deps.feedback.apply(job.tenant, {
    profile: job.profile, dryRun: options.dryRun, enrolNormals: options.enrolNormals, ...(options.reviewer ? { reviewer: options.reviewer } : {}),
  }, progress);
  const versions: JobVersion[] = [];
  if (result.enrolledVersion !== undefined) versions.push({ version: result.enrolledVersion, source: 'feedback' });
  if (result.version !== result.fromVersion && result.version !== result.enrolledVersion) versions.push({ version: result.version, source: 'feedback' });
  const { record: _record, ...summary } = result;
  return { result: summary as unknown as Record<string, unknown>, versions, enrolled: result.confirmedNormals.enrolled };
}

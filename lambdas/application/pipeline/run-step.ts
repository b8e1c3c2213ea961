import { ValidationError } from '../../domain/errors.js';
import type { InspectionClaims, OnceReportStore, UploadedObject } from '../../ports/inspection.js';
import type { Scratch } from '../../ports/scratch.js';
import { CLOUD_STEPS, stagesOf, type CloudStep } from './definition.js';
import type { PipelineDeps } from './deps.js';
import { failedReport, failureReasonOf, workflowError, StageFailure } from './failure.js';
import { runStages } from './run-stages.js';
import { InspectionStateSchema, reportIdFor, uploadIdempotencyKey, type InspectionState, type Job, type ResultDetail } from './state.js';
import { parseUploadKey } from './upload-key.js';

/** What starts a cloud inspection (parsed from its event by the ingest handler). */
export interface InspectionTrigger {
  readonly upload: UploadedObject;
  /** The triggering event's id: it owns the inspection's claim, so a retry of the same event stays the owner. */
  readonly eventId: string;
  /** ISO 8601: when the object was created. */
  readonly time: string;
}

/** The job of an upload: tenant, profile and name from its key, the report id from its version. */
export function jobOf(trigger: Pick<InspectionTrigger, 'upload' | 'time'>): Job {
  const { upload, time } = trigger;
  const target = parseUploadKey(upload.key);
  return {
    tenant: target.tenant,
    reportId: reportIdFor(uploadIdempotencyKey(upload)),
    createdAt: new Date(time).toISOString(),
    name: target.name,
    profile: { name: target.profile, ...(target.version ? { version: target.version } : {}) },
    input: { bucket: upload.bucket, key: upload.key, size: upload.size, ...(upload.etag ? { etag: upload.etag } : {}), ...(upload.versionId ? { versionId: upload.versionId } : {}) },
  };
}

/**
 * The first cloud step: claim the object version (a duplicate event, or an object already reported, ends the run
 * with `duplicate: true`), then run the step's stages.
 */
/** The pipeline's ports in the cloud: a scratch per step of a job (one object each), and the first step's claims. */
export type CloudDeps = Omit<PipelineDeps, 'scratch'> & {
  readonly claims: InspectionClaims;
  readonly scratchFor: (job: Job, step: CloudStep) => Scratch;
};

export async function startInspection(trigger: InspectionTrigger, deps: CloudDeps): Promise<InspectionState> {
  const job = jobOf(trigger);
  const initial: InspectionState = { job, timingsMs: {} };
  if ((await deps.reports.get(job.tenant, job.reportId))?.status === 'completed') return { ...initial, duplicate: true };
  if ((await deps.claims.claim(uploadIdempotencyKey(trigger.upload), trigger.eventId, job.reportId)) === 'duplicate') return { ...initial, duplicate: true };
  return runStep(CLOUD_STEPS[0], initial, deps);
}

/**
 * One cloud step: the stages the definition assigns to it, over the state the workflow hands in; what they put
 * in scratch is written once at the end. Errors come out as the workflow must see them (see workflowError).
 */
export async function runStep(step: CloudStep, raw: unknown, deps: CloudDeps): Promise<InspectionState> {
  const state = InspectionStateSchema.parse(raw);
  try {
    const scratch = deps.scratchFor(state.job, step);
    const out = await runStages(state, stagesOf(step), { ...deps, scratch });
    await scratch.flush();
    return out;
  } catch (error) {
    if (error instanceof StageFailure) throw workflowError(error.cause, error.stage);
    throw workflowError(error, step);
  }
}

/**
 * The failure path: a failed report with the reason from `$.error` (never replacing a completed one). When ingest
 * itself failed the state is still the triggering event, and the job is rebuilt from it.
 */
export async function recordFailure(
  raw: unknown, deps: { readonly reports: OnceReportStore }, triggering?: Pick<InspectionTrigger, 'upload' | 'time'>,
): Promise<InspectionState> {
  const parsed = InspectionStateSchema.partial({ job: true, timingsMs: true }).parse(raw);
  const reason = failureReasonOf(parsed.error ?? { Error: 'unknown_error', Cause: 'the workflow recorded no error' });
  const job = parsed.job ?? (triggering ? jobOrFallback(triggering) : undefined);
  if (!job) throw new ValidationError('the workflow state has neither a job nor its triggering S3 event');
  const state: InspectionState = { ...parsed, job, timingsMs: parsed.timingsMs ?? {} };
  const report = failedReport(state, reason);
  const outcome = await deps.reports.putOnce(report);
  const failure: ResultDetail = {
    tenant: job.tenant, reportId: job.reportId, status: 'failed', upload: { bucket: job.input.bucket, key: job.input.key },
    failure: report.failure!, written: outcome === 'written',
  };
  return { ...state, failure };
}

/** A key outside the layout has no tenant: its failure is filed under the first key segment. */
function jobOrFallback(trigger: Pick<InspectionTrigger, 'upload' | 'time'>): Job {
  try {
    return jobOf(trigger);
  } catch {
    const { upload } = trigger;
    const version = upload.versionId ?? upload.etag ?? trigger.time;
    return {
      tenant: upload.key.split('/')[0]!.replace(/[^A-Za-z0-9._-]/g, '_') || 'unknown',
      reportId: reportIdFor(`${upload.bucket}/${upload.key}#${version}`),
      createdAt: new Date(trigger.time).toISOString(),
      name: upload.key,
      profile: { name: 'unknown' },
      input: { bucket: upload.bucket, key: upload.key, size: upload.size },
    };
  }
}

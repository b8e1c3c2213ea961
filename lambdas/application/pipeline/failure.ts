import { createHash } from 'node:crypto';
import { z, ZodError } from 'zod';
import { MmdoError } from '../../domain/errors.js';
import { InputSchema, REPORT_SCHEMA_VERSION, ReportSchema, type Report } from '../../domain/report/report.js';
import { RETRYABLE_ERRORS } from './definition.js';
import { roundTimings } from './stages/write.js';
import type { InspectionState } from './state.js';

/** Why an inspection failed: a stable code, a message for people, the stage, and what arrived when known. */
export const FailureReasonSchema = z.object({
  code: z.string(),
  message: z.string(),
  stage: z.string(),
  input: InputSchema.optional(),
});
export type FailureReason = z.infer<typeof FailureReasonSchema>;

/** A stage's error with the stage's name and the state it started from. */
export class StageFailure extends Error {
  constructor(readonly stage: string, readonly cause: unknown, readonly state: InspectionState) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'StageFailure';
  }
}

/** The reason a report records for an error thrown by `stage`. */
export function reasonOf(error: unknown, stage: string): FailureReason {
  const input = error instanceof MmdoError ? z.object({ input: FailureReasonSchema.shape.input }).safeParse(error.details).data?.input : undefined;
  if (error instanceof ZodError) {
    return { code: 'invalid_state', message: `invalid data in the ${stage} stage: ${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, stage };
  }
  return {
    code: error instanceof MmdoError ? error.code : 'internal_error',
    message: error instanceof Error ? error.message : String(error),
    stage,
    ...(input ? { input } : {}),
  };
}

const RETRYABLE = new Set<string>(RETRYABLE_ERRORS);

/** An error already shaped for the workflow (see workflowError). */
export class WorkflowError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'TimeoutError']);

/**
 * What the workflow sees of an error. Transient ones keep (or get) a name in RETRYABLE_ERRORS, so Step Functions
 * retries them with backoff; everything else is permanent: its name is the stable code, its message the JSON
 * reason that the record-failure step turns into the failed report.
 */
export function workflowError(error: unknown, stage: string): Error {
  if (error instanceof WorkflowError) return error;
  const e = error as { name?: string; message?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e?.name && RETRYABLE.has(e.name)) return error as Error;
  const status = e?.$metadata?.httpStatusCode;
  if (e?.$retryable || (status !== undefined && status >= 500) || NETWORK_CODES.has(e?.name ?? '') || NETWORK_CODES.has(e?.code ?? '')) {
    return new WorkflowError('TransientError', `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`);
  }
  const reason = reasonOf(error, stage);
  return new WorkflowError(reason.code, JSON.stringify(reason));
}

const LambdaCauseSchema = z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() }).passthrough();

/**
 * Reads the reason back from the workflow's `$.error` ({ Error, Cause }): Cause is the Lambda error as JSON
 * ({ errorType, errorMessage }) in AWS, or the message itself; the message is our JSON reason, or a runtime's text.
 */
export function failureReasonOf(error: { Error: string; Cause?: string | undefined }): FailureReason {
  const cause = error.Cause ?? error.Error;
  let message = cause;
  try {
    message = LambdaCauseSchema.parse(JSON.parse(cause)).errorMessage ?? cause;
  } catch {
    // Not the Lambda error envelope: the cause is the message.
  }
  try {
    const reason = FailureReasonSchema.safeParse(JSON.parse(message));
    if (reason.success) return reason.data;
  } catch {
    // Not JSON: a runtime or service error (timeout, out of memory) rather than one of ours.
  }
  return { code: error.Error, message, stage: 'workflow' };
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** The one failed report: what the state knows about the job and its input, and the reason. */
export function failedReport(state: Pick<InspectionState, 'job' | 'ingest' | 'embed' | 'timingsMs'>, reason: FailureReason): Report {
  const { job } = state;
  const input = state.ingest?.input ?? reason.input ?? {
    name: job.name, sha256: EMPTY_SHA256, bytes: 0, warnings: ['the upload was never read; sha256 and size are those of no bytes'],
  };
  return ReportSchema.parse({
    schemaVersion: REPORT_SCHEMA_VERSION,
    id: job.reportId,
    tenant: job.tenant,
    createdAt: new Date(job.createdAt).toISOString(),
    status: 'failed',
    input,
    metadata: state.ingest?.metadata ?? job.metadata ?? null,
    backbone: state.embed?.backbone ?? null,
    profile: state.ingest?.profile ?? null,
    scores: null,
    regions: [],
    artifacts: {},
    timingsMs: roundTimings(state.timingsMs),
    failure: { code: reason.code, message: reason.message, stage: reason.stage },
  });
}


/**
 * Where each workflow step's Lambda handler lives. The stacks take this map as a prop so tests can point every
 * step at a fixture and stay independent of the handlers' contents.
 */
export const PIPELINE_STEPS = [
  'ingest',
  'embed',
  'score',
  'microstructure',
  'fuse',
  'write-report',
  'record-failure',
] as const;

export type PipelineStep = (typeof PIPELINE_STEPS)[number];
export type HandlerEntries = Readonly<Record<PipelineStep, string>>;

/** Handler source files, relative to the repository root. */
export const HANDLER_ENTRIES: HandlerEntries = {
  ingest: 'lambdas/handlers/ingest.ts',
  embed: 'lambdas/handlers/embed.ts',
  score: 'lambdas/handlers/score.ts',
  microstructure: 'lambdas/handlers/microstructure.ts',
  fuse: 'lambdas/handlers/fuse.ts',
  'write-report': 'lambdas/handlers/write-report.ts',
  'record-failure': 'lambdas/handlers/record-failure.ts',
};

/**
 * Error names (the thrown error's `name`) the workflow retries with exponential backoff: AWS throttling and
 * transient service errors from the SDKs the handlers call, SageMaker endpoint warm-up, Lambda throttling, and
 * `TransientError` for handlers to mark anything else worth retrying. Any other error is permanent: it goes
 * straight to the failure path (failed report, DLQ entry, failure event).
 */
export const RETRYABLE_ERRORS = [
  'TransientError',
  'ThrottlingException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'ModelNotReadyException',
  'Lambda.TooManyRequestsException',
] as const;

/** EventBridge `source` and `detail-type`s the workflow emits when an inspection ends. */
export const RESULT_EVENT_SOURCE = 'mmdo.inspection';
export const RESULT_DETAIL_TYPES = { completed: 'MM-DO Report Completed', failed: 'MM-DO Report Failed' } as const;

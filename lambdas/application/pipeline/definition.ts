/**
 * The inspection pipeline, defined once. Each stage is a plain function over the typed inspection state
 * (./state.ts); the local runner calls them in process (./run-local.ts), and each cloud step runs one declared
 * group of them (./run-step.ts), the workflow that CDK deploys being generated from this list
 * (lib/constructs/inspection-workflow.ts). Adding a stage is one entry here plus its function.
 */

/** Stage names, in the order the cloud runs them. */
export const STAGE_NAMES = ['ingest', 'microstructure', 'normalise', 'density', 'embed', 'patch', 'novelty', 'replicates', 'forecast', 'fuse', 'render', 'write'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/**
 * Cloud steps, in order: one Lambda each, grouped by measured cost (README, "Cost"): S3 requests and Lambda
 * GB-seconds dominate what an image costs, so `analyse` takes an image from the upload to its scores (the endpoint
 * and the embedding index are its only waits) and hands on one scratch object; `report` renders and writes, and
 * can be retried without the GPU work.
 */
export const CLOUD_STEPS = ['analyse', 'report'] as const;
export type CloudStep = (typeof CLOUD_STEPS)[number];

/** The step that turns a failed run into a failed report (not a stage: it runs on the failure path only). */
export const RECORD_FAILURE_STEP = 'record-failure' as const;
export type WorkflowFunction = CloudStep | typeof RECORD_FAILURE_STEP;
export const WORKFLOW_FUNCTIONS: readonly WorkflowFunction[] = [...CLOUD_STEPS, RECORD_FAILURE_STEP];

export interface StageInfo {
  readonly name: StageName;
  /** Stages whose results it reads. */
  readonly needs: readonly StageName[];
  readonly step: CloudStep;
  /** Share of the whole run done when it starts (progress). */
  readonly progress: number;
}

export const STAGES: readonly StageInfo[] = [
  { name: 'ingest', needs: [], step: 'analyse', progress: 0.02 },
  { name: 'microstructure', needs: ['ingest'], step: 'analyse', progress: 0.1 },
  { name: 'normalise', needs: ['ingest'], step: 'analyse', progress: 0.1 },
  { name: 'density', needs: ['ingest'], step: 'analyse', progress: 0.15 },
  { name: 'embed', needs: ['normalise'], step: 'analyse', progress: 0.2 },
  { name: 'patch', needs: ['embed', 'density'], step: 'analyse', progress: 0.6 },
  { name: 'novelty', needs: ['embed'], step: 'analyse', progress: 0.7 },
  { name: 'replicates', needs: ['ingest', 'microstructure', 'patch', 'novelty'], step: 'report', progress: 0.75 },
  { name: 'forecast', needs: ['ingest', 'microstructure'], step: 'report', progress: 0.75 },
  { name: 'fuse', needs: ['patch', 'novelty', 'density', 'microstructure', 'replicates'], step: 'report', progress: 0.8 },
  { name: 'render', needs: ['ingest', 'patch', 'microstructure'], step: 'report', progress: 0.85 },
  { name: 'write', needs: ['fuse', 'render', 'forecast'], step: 'report', progress: 0.95 },
];

/** The stages that score an image (no report is rendered or written): evaluation and tuning run these. */
export const SCORING_STAGES: readonly StageInfo[] = STAGES.filter((s) => s.name !== 'render' && s.name !== 'write');

/** The stages a cloud step runs, in order. */
export function stagesOf(step: CloudStep): readonly StageInfo[] {
  return STAGES.filter((s) => s.step === step);
}

// Checked once at load: every stage reads only what an earlier stage (in list order) wrote, and steps follow the list.
STAGES.forEach((stage, i) => {
  for (const need of stage.needs) {
    const at = STAGES.findIndex((s) => s.name === need);
    if (at < 0 || at >= i) throw new Error(`pipeline definition: stage '${stage.name}' needs '${need}', which does not come before it`);
  }
  if (i > 0 && CLOUD_STEPS.indexOf(stage.step) < CLOUD_STEPS.indexOf(STAGES[i - 1]!.step)) {
    throw new Error(`pipeline definition: stage '${stage.name}' runs in step '${stage.step}', before an earlier stage's step`);
  }
});

/**
 * Error names (the thrown error's `name`) the workflow retries with exponential backoff: AWS throttling and
 * transient service errors from the SDKs the steps call, SageMaker endpoint warm-up, Lambda throttling, and
 * `TransientError` for anything else worth retrying. Any other error is permanent: it goes straight to the failure
 * path (failed report, DLQ entry, failure event).
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
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
] as const;

/** EventBridge `source` and `detail-type`s of the event that ends an inspection. */
export const RESULT_EVENT_SOURCE = 'mmdo.inspection';
export const RESULT_DETAIL_TYPES = { completed: 'MM-DO Report Completed', failed: 'MM-DO Report Failed' } as const;

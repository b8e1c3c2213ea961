import { WORKFLOW_FUNCTIONS, type WorkflowFunction } from '../lambdas/application/pipeline/definition.js';

export { IMAGE_SUFFIXES } from '../lambdas/application/pipeline/upload-key.js';
export { CLOUD_STEPS, RECORD_FAILURE_STEP, RESULT_DETAIL_TYPES, RESULT_EVENT_SOURCE, RETRYABLE_ERRORS, WORKFLOW_FUNCTIONS, type WorkflowFunction } from '../lambdas/application/pipeline/definition.js';

/**
 * Where each workflow function's Lambda handler lives (one per cloud step of the pipeline definition, plus the
 * failure recorder). The stacks take this map as a prop so tests can point every function at a fixture.
 */
export type HandlerEntries = Readonly<Record<WorkflowFunction, string>>;

/** Handler source files, relative to the repository root: `lambdas/handlers/<function>.ts`. */
export const HANDLER_ENTRIES: HandlerEntries = Object.fromEntries(WORKFLOW_FUNCTIONS.map((f) => [f, `lambdas/handlers/${f}.ts`])) as HandlerEntries;

import type { Context } from 'aws-lambda';
import { RESULT_DETAIL_TYPES, RETRYABLE_ERRORS, type PipelineStep } from '../../lib/handler-entries.js';
import type { ResultEvents } from '../../lambdas/ports/cloud.js';

export type StepHandler = (state: unknown, context: Context) => Promise<unknown>;

export interface WorkflowRun {
  readonly state: Record<string, unknown>;
  readonly outcome: 'completed' | 'duplicate' | 'already-reported' | 'failed';
}

const RETRYABLE = new Set<string>(RETRYABLE_ERRORS);

function lambdaContext(step: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `mmdo-${step}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:mmdo-${step}`,
    memoryLimitInMB: '1024',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/mmdo-${step}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * The inspection state machine (lib/constructs/inspection-workflow.ts) run in-process over the real handlers: the
 * same state contract, retries on RETRYABLE_ERRORS, the catch-all failure path (record-failure → DLQ → failed
 * event) and the result events. Step Functions does this in AWS.
 */
export async function runInspection(
  event: Record<string, unknown>,
  handlers: Readonly<Record<PipelineStep, StepHandler>>,
  sinks: { events: ResultEvents; deadLetters: unknown[] },
  retry = { attempts: 3, delayMs: 10 },
): Promise<WorkflowRun> {
  const state: Record<string, unknown> = { ...event };
  const invoke = async (step: PipelineStep): Promise<unknown> => {
    for (let attempt = 1; ; attempt++) {
      try {
        // Lambda payloads are JSON: round-trip the state so nothing but JSON crosses a step.
        return JSON.parse(JSON.stringify(await handlers[step](JSON.parse(JSON.stringify(state)), lambdaContext(step))));
      } catch (error) {
        if (!RETRYABLE.has((error as Error).name) || attempt >= retry.attempts) throw error;
        await new Promise((r) => setTimeout(r, retry.delayMs * 2 ** (attempt - 1)));
      }
    }
  };
  try {
    state.ingest = await invoke('ingest');
    if ((state.ingest as { duplicate?: boolean }).duplicate) return { state, outcome: 'duplicate' };
    for (const [step, key] of [['embed', 'embed'], ['score', 'score'], ['microstructure', 'microstructure'], ['fuse', 'fuse'], ['write-report', 'report']] as const) {
      state[key] = await invoke(step);
    }
    // ReportWritten?: an overlapping run wrote (and announced) this report first.
    if ((state.report as { written?: boolean }).written !== true) return { state, outcome: 'already-reported' };
    await sinks.events.publish(RESULT_DETAIL_TYPES.completed, state.report as Record<string, unknown>);
    return { state, outcome: 'completed' };
  } catch (error) {
    const e = error as Error;
    state.error = { Error: e.name, Cause: JSON.stringify({ errorType: e.name, errorMessage: e.message }) };
    try {
      state.failure = await invoke('record-failure');
    } catch (recordError) {
      state.recordFailureError = { Error: (recordError as Error).name, Cause: (recordError as Error).message };
    }
    sinks.deadLetters.push(structuredClone(state));
    if (state.failure) await sinks.events.publish(RESULT_DETAIL_TYPES.failed, state.failure as Record<string, unknown>);
    return { state, outcome: 'failed' };
  }
}

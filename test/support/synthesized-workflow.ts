/**
 * The inspection state machine exactly as `cdk synth` emits it (lib/constructs/inspection-workflow.ts inside the
 * stateless stack), run offline by aws-local-stepfunctions: its Lambda tasks call the project's real handlers,
 * its EventBridge and SQS tasks land in in-memory sinks (stand-ins: no AWS here). Retries, choices, catches and the
 * Fail state are the definition's own.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { DEFAULT_CONFIG } from '../../lib/config.js';
import { stepStateName } from '../../lib/constructs/inspection-workflow.js';
import { WORKFLOW_FUNCTIONS, type HandlerEntries, type WorkflowFunction } from '../../lib/handler-entries.js';
import { StatefulStack } from '../../lib/stateful-stack.js';
import { StatelessStack } from '../../lib/stateless-stack.js';

export type StepHandler = (input: unknown, context: Context) => Promise<unknown>;

export interface ResultEventSink {
  readonly events: { type: string; detail: Record<string, unknown> }[];
  readonly deadLetters: unknown[];
}

export interface WorkflowRun {
  readonly outcome: 'succeeded' | 'failed';
  /** The final state (succeeded) or the error the Fail state raised. */
  readonly output: Record<string, unknown> | undefined;
  readonly error?: { name: string; message: string };
}

let cached: { definition: Record<string, unknown>; json: string } | undefined;

/** The synthesized definition (tokens such as function ARNs replaced by placeholders; every task is overridden). */
export function synthesizedDefinition(): Record<string, unknown> {
  if (!cached) {
    const context = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;
    const app = new App({ context });
    const data = new StatefulStack(app, 'MmdoStateful', { config: DEFAULT_CONFIG });
    // The functions' code does not matter here (every task is overridden): a fixture keeps synthesis fast.
    const entries = Object.fromEntries(WORKFLOW_FUNCTIONS.map((f) => [f, 'test/cdk/fixtures/echo-handler.ts'])) as unknown as HandlerEntries;
    const stack = new StatelessStack(app, 'MmdoStateless', { config: DEFAULT_CONFIG, searchDomainEndpoint: data.searchDomain.domainEndpoint, handlerEntries: entries });
    const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const machine = Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
    const json = resolveJoin(machine.Properties.DefinitionString);
    cached = { definition: JSON.parse(json) as Record<string, unknown>, json };
  }
  return JSON.parse(cached.json) as Record<string, unknown>;
}

/** DefinitionString is an Fn::Join of literal JSON parts and CloudFormation tokens (ARNs, URLs). */
function resolveJoin(value: unknown): string {
  const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.map((part) => (typeof part === 'string' ? part : `arn:aws:lambda:us-east-1:123456789012:function:${JSON.stringify(part).replace(/[^A-Za-z0-9]/g, '')}`)).join(separator);
}

function lambdaContext(fn: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false, functionName: `mmdo-${fn}`, functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:mmdo-${fn}`, memoryLimitInMB: '1024',
    awsRequestId: crypto.randomUUID(), logGroupName: `/aws/lambda/mmdo-${fn}`, logStreamName: 'local',
    getRemainingTimeInMillis: () => 60_000, done: () => {}, fail: () => {}, succeed: () => {},
  };
}

/** Runs one execution of the synthesized workflow on `event` with the given handlers. */
export async function runWorkflow(event: unknown, handlers: Readonly<Record<WorkflowFunction, StepHandler>>, sinks: ResultEventSink): Promise<WorkflowRun> {
  const machine = new StateMachine(synthesizedDefinition() as never, { validationOptions: { checkArn: false, checkPaths: false } });
  // Lambda payloads are JSON: each task gets and returns a JSON copy, as in AWS.
  const lambda = (fn: WorkflowFunction) => async (input: unknown) => JSON.parse(JSON.stringify(await handlers[fn](JSON.parse(JSON.stringify(input)), lambdaContext(fn)) ?? null));
  const taskResourceLocalHandlers: Record<string, (input: never) => Promise<unknown>> = {
    ...Object.fromEntries(WORKFLOW_FUNCTIONS.map((fn) => [stepStateName(fn), lambda(fn)])),
    EmitCompleted: putEvents(sinks),
    EmitFailed: putEvents(sinks),
    SendToDeadLetterQueue: async (input: { MessageBody: unknown }) => {
      sinks.deadLetters.push(structuredClone(input.MessageBody));
      return { MessageId: crypto.randomUUID() };
    },
  };
  const noWait = Object.fromEntries(WORKFLOW_FUNCTIONS.map((fn) => [stepStateName(fn), 0]));
  const execution = machine.run(event as never, { overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, retryIntervalOverrides: noWait } });
  try {
    return { outcome: 'succeeded', output: (await execution.result) as Record<string, unknown> };
  } catch (error) {
    const cause = (error as { cause?: { name?: string; message?: string } }).cause ?? (error as Error);
    return { outcome: 'failed', output: undefined, error: { name: cause.name ?? 'Error', message: cause.message ?? String(error) } };
  }
}

/** EventBridge PutEvents, as the definition's Parameters shape it ({ Entries: [{ Source, DetailType, Detail }] }). */
function putEvents(sinks: ResultEventSink) {
  return async (input: { Entries: { DetailType: string; Detail: Record<string, unknown> | string }[] }) => {
    for (const entry of input.Entries) {
      sinks.events.push({ type: entry.DetailType, detail: typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : entry.Detail });
    }
    return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: crypto.randomUUID() })) };
  };
}

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { CLOUD_STEPS, RECORD_FAILURE_STEP, RESULT_DETAIL_TYPES, RESULT_EVENT_SOURCE, RETRYABLE_ERRORS, type WorkflowFunction } from '../handler-entries.js';

export interface InspectionWorkflowProps {
  readonly functions: Readonly<Record<WorkflowFunction, lambda.IFunction>>;
  /** Seconds each function may run: the task's own timeout, so a hung step is caught and recorded as a failure. */
  readonly taskTimeouts: Readonly<Record<WorkflowFunction, Duration>>;
  /** Receives every inspection that ends in failure, with its state (job, error, failed report). */
  readonly deadLetterQueue: sqs.IQueue;
}

/** Express workflows end after five minutes; the task time-outs and retries below fit inside it. */
export const EXPRESS_LIMIT = Duration.minutes(5);

/** Retries per task (after the first attempt) on the retryable errors, fast failures such as throttling and warm-up, with backoff and full jitter. */
export const TASK_RETRY = { interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 2, maxDelay: Duration.seconds(4) } as const;

/**
 * The inspection workflow, generated from the pipeline definition (lambdas/application/pipeline/definition.ts):
 * one Lambda task per cloud step, in order, each running its declared group of stages over the whole state and
 * returning it (the state carries scratch refs, never pixels: 256 KB limit). After the first step a duplicate
 * (`$.duplicate`) ends the run; after the last, `$.write.written` says whether this run wrote the report (an
 * overlapping run of the same object version may have), and only then is the completed event emitted.
 * Any permanent error, or a task time-out → `$.error` → record-failure (failed report, `$.failure`) → the whole
 * state to the DLQ → failed event → the execution fails.
 *
 * Express rather than Standard: it bills per request and duration instead of per state transition ($0.025 per
 * 1,000 transitions: about $0.20 per 1,000 images here, against about $0.002 Express; see the README's cost table),
 * and its at-least-once start is what the claims and write-once reports already handle. What Standard's 90-day
 * history gave is kept where it matters: every transition in the log group, reports (both outcomes) in DynamoDB,
 * failures in the DLQ with their state.
 */
export class InspectionWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: InspectionWorkflowProps) {
    super(scope, id);
    const task = (name: string, fn: WorkflowFunction, resultPath?: string) => {
      const t = new tasks.LambdaInvoke(this, name, {
        lambdaFunction: props.functions[fn],
        payloadResponseOnly: true,
        // Lambda service errors are in RETRYABLE_ERRORS: one retry policy, sized to the Express limit.
        retryOnServiceExceptions: false,
        taskTimeout: sfn.Timeout.duration(props.taskTimeouts[fn]),
        ...(resultPath ? { resultPath } : {}),
      });
      t.addRetry({ errors: [...RETRYABLE_ERRORS], ...TASK_RETRY, jitterStrategy: sfn.JitterType.FULL });
      return t;
    };
    const emit = (name: string, detailType: string, detailPath: string) =>
      new tasks.EventBridgePutEvents(this, name, {
        entries: [{ source: RESULT_EVENT_SOURCE, detailType, detail: sfn.TaskInput.fromJsonPathAt(detailPath) }],
        resultPath: sfn.JsonPath.DISCARD,
      });

    // Failure path: record a failed report, keep the whole state in the DLQ, announce it, fail the execution.
    const recordFailure = task('RecordFailure', RECORD_FAILURE_STEP);
    const toDlq = new tasks.SqsSendMessage(this, 'SendToDeadLetterQueue', {
      queue: props.deadLetterQueue,
      messageBody: sfn.TaskInput.fromJsonPathAt('$'),
      resultPath: sfn.JsonPath.DISCARD,
    });
    const failed = new sfn.Fail(this, 'InspectionFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    // If even the failed report cannot be written, the DLQ still gets the state and error.
    recordFailure.addCatch(toDlq, { resultPath: '$.recordFailureError' });
    recordFailure.next(toDlq);
    toDlq.next(new sfn.Choice(this, 'FailureRecorded?')
      .when(sfn.Condition.isPresent('$.failure'), emit('EmitFailed', RESULT_DETAIL_TYPES.failed, '$.failure').next(failed))
      .otherwise(failed));

    // Main path: the cloud steps in the definition's order, each replacing the state with its own output.
    const steps = CLOUD_STEPS.map((step) => task(stepStateName(step), step));
    const emitCompleted = emit('EmitCompleted', RESULT_DETAIL_TYPES.completed, '$.write');
    for (const t of [...steps, emitCompleted]) t.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.error' });
    const reportWritten = new sfn.Choice(this, 'ReportWritten?')
      .when(sfn.Condition.booleanEquals('$.write.written', true), emitCompleted)
      .otherwise(new sfn.Succeed(this, 'AlreadyReported', { comment: 'An overlapping run wrote this report and announced it' }));
    const rest = steps.slice(2).reduce((chain, t) => chain.next(t), sfn.Chain.start(steps[1]!)).next(reportWritten);
    const definition = steps[0]!.next(
      new sfn.Choice(this, 'AlreadyInspected?')
        .when(sfn.Condition.and(sfn.Condition.isPresent('$.duplicate'), sfn.Condition.booleanEquals('$.duplicate', true)), new sfn.Succeed(this, 'Duplicate', { comment: 'This object version already has an inspection' }))
        .otherwise(rest),
    );

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.EXPRESS,
      timeout: EXPRESS_LIMIT,
      tracingEnabled: true,
      // Express keeps no history of its own: every transition goes to the log (without data: ~5 KB per run).
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
  }
}

/** The state name of a cloud step's task ("ingest" → "Ingest"). */
export function stepStateName(step: WorkflowFunction): string {
  return step.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

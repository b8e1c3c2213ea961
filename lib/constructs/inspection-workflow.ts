import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RESULT_DETAIL_TYPES, RESULT_EVENT_SOURCE, RETRYABLE_ERRORS, type PipelineStep } from '../handler-entries.js';

export interface InspectionWorkflowProps {
  readonly functions: Readonly<Record<PipelineStep, lambda.IFunction>>;
  /** Receives every inspection that ends in failure, with its state (event, error, failed report). */
  readonly deadLetterQueue: sqs.IQueue;
  /** Standard workflows keep history for 90 days; one image should never take this long. */
  readonly timeout?: Duration;
}

/**
 * The inspection workflow, one Standard execution per uploaded object.
 *
 * Why Step Functions rather than SQS-chained Lambdas: the steps are a fixed sequence with per-step retry policies
 * (exponential backoff with jitter on throttling and endpoint warm-up) and one catch-all failure path; Step
 * Functions expresses both declaratively, records every execution's input, output and error for 90 days, and
 * lets the emit and dead-letter steps call EventBridge and SQS directly without a Lambda. Chained queues would need
 * six queues, six DLQs, redrive policies and hand-written correlation to find where an image stopped. Cost is
 * about 10 state transitions per image ($0.25 per 1,000 images at $0.025 per 1,000 transitions), small next to the
 * GPU endpoint.
 *
 * State contract (handlers receive the whole state, their result is stored under the key shown):
 *   input: the EventBridge "Object Created" event → ingest → `$.ingest` (`{ duplicate: true }` ends the run)
 *   → embed → `$.embed` → score → `$.score` → microstructure → `$.microstructure` → fuse → `$.fuse`
 *   → write-report → `$.report` (its value is the detail of the completed event; `written: false` when an
 *   overlapping run of the same object version wrote the report first: that run already emitted the event, so
 *   this one ends without a second one).
 *   On any permanent error: `$.error` ({ Error, Cause }) → record-failure → `$.failure` (detail of the failed
 *   event) → DLQ message with the whole state → failed event → execution fails.
 * Pass S3 keys between steps, never pixels: the state limit is 256 KB.
 */
export class InspectionWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: InspectionWorkflowProps) {
    super(scope, id);
    const fn = props.functions;

    const step = (name: string, target: PipelineStep, resultKey: string) => {
      const task = new tasks.LambdaInvoke(this, name, {
        lambdaFunction: fn[target],
        payloadResponseOnly: true,
        resultPath: `$.${resultKey}`,
      });
      task.addRetry({
        errors: [...RETRYABLE_ERRORS],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
        maxDelay: Duration.seconds(60),
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };

    const emit = (name: string, detailType: string, detailPath: string) =>
      new tasks.EventBridgePutEvents(this, name, {
        entries: [{ source: RESULT_EVENT_SOURCE, detailType, detail: sfn.TaskInput.fromJsonPathAt(detailPath) }],
        resultPath: sfn.JsonPath.DISCARD,
      });

    // Failure path: record a failed report, keep the whole state in the DLQ, announce it, fail the execution.
    const recordFailure = step('RecordFailure', 'record-failure', 'failure');
    const toDlq = new tasks.SqsSendMessage(this, 'SendToDeadLetterQueue', {
      queue: props.deadLetterQueue,
      messageBody: sfn.TaskInput.fromJsonPathAt('$'),
      resultPath: sfn.JsonPath.DISCARD,
    });
    const failed = new sfn.Fail(this, 'InspectionFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const emitFailed = emit('EmitFailed', RESULT_DETAIL_TYPES.failed, '$.failure');
    // If even the failed report cannot be written, the DLQ still gets the event and error.
    recordFailure.addCatch(toDlq, { resultPath: '$.recordFailureError' });
    recordFailure.next(toDlq);
    toDlq.next(new sfn.Choice(this, 'FailureRecorded?')
      .when(sfn.Condition.isPresent('$.failure'), emitFailed.next(failed))
      .otherwise(failed));

    const ingest = step('IngestAndNormalise', 'ingest', 'ingest');
    const main = [
      step('Embed', 'embed', 'embed'),
      step('ScorePatchesAndNovelty', 'score', 'score'),
      step('MicrostructureAndConsistency', 'microstructure', 'microstructure'),
      step('Fuse', 'fuse', 'fuse'),
      step('WriteReport', 'write-report', 'report'),
    ];
    const emitCompleted = emit('EmitCompleted', RESULT_DETAIL_TYPES.completed, '$.report');
    for (const task of [ingest, ...main, emitCompleted]) task.addCatch(recordFailure, { resultPath: '$.error' });

    const reportWritten = new sfn.Choice(this, 'ReportWritten?')
      .when(sfn.Condition.booleanEquals('$.report.written', true), emitCompleted)
      .otherwise(new sfn.Succeed(this, 'AlreadyReported', { comment: 'An overlapping run wrote this report and announced it' }));
    const analysis = main.slice(1).reduce((chain, task) => chain.next(task), sfn.Chain.start(main[0])).next(reportWritten);

    const definition = ingest.next(
      new sfn.Choice(this, 'AlreadyProcessed?')
        .when(sfn.Condition.booleanEquals('$.ingest.duplicate', true), new sfn.Succeed(this, 'Duplicate', { comment: 'This object version already has a report' }))
        .otherwise(analysis),
    );

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.timeout ?? Duration.minutes(30),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
  }
}

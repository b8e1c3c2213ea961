import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeFindings } from './nag.js';

export interface FunctionQueueProps {
  /** Construct id of the queue; its dead-letter queue is 'DeadLetters', the alarm on it 'DeadLettersAlarm'. */
  readonly id: string;
  /** Timeout of the function the queue feeds. */
  readonly functionTimeout: Duration;
  /** Receives before a message goes to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** What the dead-letter queue holds (the reason cdk-nag's SQS3, a queue without one of its own, does not apply). */
  readonly deadLetterReason: string;
  readonly alarmDescription: string;
  readonly alarmTopic: sns.ITopic;
}

/**
 * The queue in front of a Lambda function (encrypted, TLS only, 4 days) with its dead-letter queue (14 days) and an
 * alarm to `alarmTopic` as soon as a message lands there.
 */
export function functionQueue(scope: Construct, props: FunctionQueueProps): { queue: sqs.Queue; deadLetterQueue: sqs.Queue } {
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetters', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
  acknowledgeFindings(deadLetterQueue, [{ id: 'AwsSolutions-SQS3', reason: props.deadLetterReason }]);
  const queue = new sqs.Queue(scope, props.id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // AWS guidance for Lambda event sources: at least six times the function timeout.
    visibilityTimeout: Duration.seconds(props.functionTimeout.toSeconds() * 6),
    retentionPeriod: Duration.days(4),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
  });
  const alarm = new cloudwatch.Alarm(scope, 'DeadLettersAlarm', {
    metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: props.alarmDescription,
  });
  alarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
  return { queue, deadLetterQueue };
}

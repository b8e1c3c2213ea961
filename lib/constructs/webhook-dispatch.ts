import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WEBHOOKS_TABLE } from '../../lambdas/adapters/aws/dynamodb-webhook-subscriptions.js';
import { PROFILE_EVENT_DETAIL_TYPE, PROFILE_EVENT_SOURCE } from '../../lambdas/application/webhooks/cloud-dispatch.js';
import { functionQueue } from '../function-queue.js';
import { RESULT_DETAIL_TYPES, RESULT_EVENT_SOURCE } from '../handler-entries.js';
import { acknowledgeFindings, wildcardResourceFinding } from '../nag.js';
import { serviceFunction } from '../service-function.js';

/** Default source of the dispatcher (relative to the repository root). */
export const WEBHOOK_DISPATCH_ENTRY = 'lambdas/handlers/webhook-dispatch.ts';

/** Physical names both stacks derive from the prefix (no cross-stack exports, like resource-names.ts). */
export function webhookResourceNames(prefix: string): { table: string; keyAlias: string } {
  return { table: `${prefix}-webhooks`, keyAlias: `alias/${prefix}-webhooks` };
}

export interface WebhookSubscriptionTableProps {
  readonly prefix: string;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Stateful half: the subscriptions table, signing secrets included, encrypted with its own customer-managed key.
 *
 * Why the table (encrypted) rather than Secrets Manager: the dispatcher reads every subscriber of a tenant for each
 * event; one Query returns URLs and secrets together, where Secrets Manager would add a GetSecretValue per
 * subscriber per event and $0.40 per secret-month (a subscriber each: $400/month for 1,000 subscribers against
 * $1/month for the key). The dedicated key keeps the property that matters: reading a secret needs kms:Decrypt on
 * this key as well as table access, granted to the dispatcher and to the partner API function (which creates and
 * rotates subscriptions), each only through DynamoDB and by the key's alias; every use is in CloudTrail; disabling the key
 * cuts all access at once. Secrets Manager's managed rotation does not apply: a webhook secret changes when its
 * subscriber changes it (the item holds a list, so old and new sign side by side during a rotation).
 */
export class WebhookSubscriptionTable extends Construct {
  readonly table: dynamodb.Table;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: WebhookSubscriptionTableProps) {
    super(scope, id);
    const names = webhookResourceNames(props.prefix);
    this.key = new kms.Key(this, 'Key', {
      alias: names.keyAlias,
      enableKeyRotation: true,
      description: 'MM-DO webhook subscriptions and signing secrets',
      removalPolicy: props.removalPolicy,
    });
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: names.table,
      partitionKey: { name: WEBHOOKS_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: WEBHOOKS_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy,
    });
  }
}

export interface WebhookDispatchProps {
  readonly prefix: string;
  /** Handler source relative to the repository root. */
  readonly entry: string;
  readonly reportsTableName: string;
  /** Base URL of the API serving reports, for absolute links in payloads (optional). */
  readonly apiBaseUrl?: string;
  readonly alarmTopic: sns.ITopic;
}

const FUNCTION_TIMEOUT = Duration.seconds(60);

/**
 * Stateless half: result events (source mmdo.inspection) and profile changes (source mmdo.profile) → SQS → the
 * dispatcher Lambda, which signs and POSTs to
 * each subscriber. Failed attempts come back to the same queue as delayed retry messages (the Standard Webhooks
 * schedule, about 28 h); exhausted or refused deliveries, and records that keep failing, land in a dead-letter
 * queue with an alarm. A queue in front (rather than the rule invoking the Lambda) absorbs bursts and gives the
 * retry hops and redrive for free.
 */
export class WebhookDispatch extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: WebhookDispatchProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const names = webhookResourceNames(props.prefix);

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = functionQueue(this, {
      id: 'Deliveries',
      functionTimeout: FUNCTION_TIMEOUT,
      maxReceiveCount: 5,
      deadLetterReason: 'This is the dead-letter queue of webhook deliveries.',
      alarmDescription: 'Webhook deliveries gave up or were refused; they wait in the webhook DLQ',
      alarmTopic: props.alarmTopic,
    }));

    const { function: fn, role } = serviceFunction(this, {
      ids: { function: 'Function', logs: 'Logs', role: 'Role' },
      entry: props.entry,
      description: 'MM-DO webhook dispatch',
      memorySize: 512,
      timeout: FUNCTION_TIMEOUT,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'mmdo',
        MMDO_WEBHOOKS_TABLE: names.table,
        MMDO_REPORTS_TABLE: props.reportsTableName,
        MMDO_WEBHOOK_QUEUE_URL: this.queue.queueUrl,
        MMDO_WEBHOOK_DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        MMDO_WEBHOOK_TIMEOUT_MS: '10000',
        ...(props.apiBaseUrl ? { MMDO_WEBHOOK_API_BASE_URL: props.apiBaseUrl } : {}),
      },
    });
    this.function = fn;
    this.function.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));

    new events.Rule(this, 'OnResult', {
      description: 'Announces every finished inspection to its tenant\'s webhook subscribers',
      eventPattern: { source: [RESULT_EVENT_SOURCE], detailType: [RESULT_DETAIL_TYPES.completed, RESULT_DETAIL_TYPES.failed] },
      targets: [new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 10, maxEventAge: Duration.hours(24) })],
    });
    new events.Rule(this, 'OnProfileUpdate', {
      description: 'Announces every profile change made through the API (version created, activated, profile deleted) to its tenant\'s webhook subscribers',
      eventPattern: { source: [PROFILE_EVENT_SOURCE], detailType: [PROFILE_EVENT_DETAIL_TYPE] },
      targets: [new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 10, maxEventAge: Duration.hours(24) })],
    });

    // Least privilege: read subscribers (and mark one disabled on 410), read reports, re-queue retries.
    const tableArn = (name: string) => stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: name });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], resources: [tableArn(names.table)] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [tableArn(props.reportsTableName)] }));
    // The table key lives in the stateful stack; it is named by its alias (no export), and only through DynamoDB.
    const keys = stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        resources: [keys],
        conditions: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': names.keyAlias },
          StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` },
        },
      }),
    );
    this.queue.grantSendMessages(role);
    this.deadLetterQueue.grantSendMessages(role);

    acknowledgeFindings(role, [
      { id: wildcardResourceFinding(this, keys), reason: 'The webhook table key, selected by its alias (kms:ResourceAliases) and usable only via DynamoDB (kms:ViaService); its ARN is not known to this stack.' },
      { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: 'What DynamoDB needs of the table key to write an item (disable on 410 Gone), scoped to that one key by alias.' },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: 'What DynamoDB needs of the table key to write an item (disable on 410 Gone), scoped to that one key by alias.' },
    ]);
  }
}

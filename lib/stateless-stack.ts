import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type CfnElement, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ALLOCATOR_ENV } from '../lambdas/adapters/allocator.js';
import { DEFAULT_EMBEDDING_INDEX_PREFIX } from '../lambdas/adapters/aws/opensearch-embedding-index.js';
import { REPORTS_TABLE } from '../lambdas/adapters/aws/dynamodb-tables.js';
import type { MmdoConfig } from './config.js';
import { EmbeddingEndpoint } from './constructs/embedding-endpoint.js';
import { InspectionWorkflow } from './constructs/inspection-workflow.js';
import { PartnerApi, partnerApiTableNames } from './constructs/partner-api.js';
import { WebhookDispatch } from './constructs/webhook-dispatch.js';
import { WebHosting } from './constructs/web-hosting.js';
import { ProfileJobs } from './constructs/profile-jobs.js';
import { WORKFLOW_FUNCTIONS, type HandlerEntries, type WorkflowFunction } from './handler-entries.js';
import { uploadKeyWildcards } from '../lambdas/application/pipeline/upload-key.js';
import { esmBundling, REPO_ROOT } from './lambda-bundling.js';
import { acknowledgeFindings, wildcardResourceFinding } from './nag.js';
import { resourceNames, type ResourceNames } from './resource-names.js';

export interface StatelessStackProps extends StackProps {
  readonly config: MmdoConfig;
  /** HTTPS endpoint host of the OpenSearch domain (StatefulStack.searchDomain.domainEndpoint). */
  readonly searchDomainEndpoint: string;
  /** Handler source per workflow function, relative to the repository root (HANDLER_ENTRIES in the app). */
  readonly handlerEntries: HandlerEntries;
  /**
   * Signed webhooks to subscribers on every result event (needs the stateful stack's `webhooks` table):
   * the dispatcher's source (WEBHOOK_DISPATCH_ENTRY) and the optional API base URL for absolute links.
   */
  readonly webhooks?: { readonly entry: string; readonly apiBaseUrl?: string };
  /**
   * The partner REST API (needs the stateful stack's `partnerApi` tables): the API function, its authorizer and the
   * profile-jobs function (PARTNER_API_ENTRIES). With it, the report step bills each completed report in the usage ledger.
   */
  readonly partnerApi?: { readonly entries: { readonly api: string; readonly authorizer: string; readonly profileJobs: string } };
  /**
   * The web page on S3 + CloudFront with the partner API on the same distribution (needs `partnerApi`, and the
   * stateful stack's `webPage` for the buckets' CORS): the built bundle (web/bundle). Domain and web ACL: config.
   */
  readonly webPage?: { readonly bundleDir: string };
}

/** The workflow functions that read profile versions (every cloud step: each stage reads its settings). */
export const PROFILE_READING_STEPS = ['analyse', 'report'] as const satisfies readonly WorkflowFunction[];

/** Prefix of the per-backbone k-NN indices of image-level embeddings (see opensearch-embedding-index.ts). */
export const EMBEDDING_INDEX_PREFIX = DEFAULT_EMBEDDING_INDEX_PREFIX;

interface StepSettings {
  readonly memoryMb: number;
  /** The Lambda's own time-out; the workflow task allows it and no more (all of them fit the Express limit). */
  readonly timeout: Duration;
  /** Decodes or encodes images with sharp (native: comes from a layer). */
  readonly images: boolean;
}

/**
 * Memory (and so CPU: 1,769 MB is one vCPU) per function, sized for the largest accepted image (64 MP): analyse
 * holds the decoded image, the microstructure maps and the stitched score map; report renders three RGBA images.
 */
export const STEP_SETTINGS: Record<WorkflowFunction, StepSettings> = {
  analyse: { memoryMb: 3008, timeout: Duration.seconds(150), images: true },
  report: { memoryMb: 2048, timeout: Duration.seconds(90), images: true },
  'record-failure': { memoryMb: 256, timeout: Duration.seconds(20), images: false },
};

/**
 * Everything replaceable: the step functions, the workflow and its trigger, the SageMaker endpoint, the DLQ and
 * the alarms. Holds no data of its own beyond logs and dead letters. Refers to the stateful resources by name.
 */
export class StatelessStack extends Stack {
  readonly names: ResourceNames;
  readonly functions: Record<WorkflowFunction, nodejs.NodejsFunction>;
  readonly workflow: InspectionWorkflow;
  readonly deadLetterQueue: sqs.Queue;
  readonly endpoint: EmbeddingEndpoint;
  readonly alarmTopic: sns.Topic;
  readonly webhooks?: WebhookDispatch;
  readonly partnerApi?: PartnerApi;
  readonly profileJobs?: ProfileJobs;
  readonly webPage?: WebHosting;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    if (props.webPage && !props.partnerApi) throw new Error('the web page needs the partner API (its only way to the service)');
    const { config } = props;
    const names = (this.names = resourceNames(config.prefix));

    this.endpoint = new EmbeddingEndpoint(this, 'Embedding', {
      repositoryName: config.modelRepositoryName,
      imageTag: config.modelImageTag,
      instanceType: config.gpuInstanceType,
      instanceCount: config.gpuInstanceCount,
      backbone: config.backbone,
      artifactBucketName: names.artifactBucket,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'FailedInspections', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeFindings(this.deadLetterQueue, [
      { id: 'AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue of the workflow and of the EventBridge rule.' },
    ]);

    const sharpLayer = config.sharpLayerArn
      ? lambda.LayerVersion.fromLayerVersionArn(this, 'SharpLayer', config.sharpLayerArn)
      : undefined;
    if (!sharpLayer) {
      Annotations.of(this).addWarningV2(
        'mmdo:sharpLayer',
        'No mmdo:sharpLayerArn context: the ingest and write-report steps need sharp for linux-arm64 from a layer to decode and encode images.',
      );
    }

    const environment: Record<string, string> = {
      NODE_OPTIONS: '--enable-source-maps',
      ...ALLOCATOR_ENV,
      POWERTOOLS_SERVICE_NAME: 'mmdo',
      POWERTOOLS_METRICS_NAMESPACE: 'MMDO',
      MMDO_UPLOAD_BUCKET: names.uploadBucket,
      MMDO_ARTIFACT_BUCKET: names.artifactBucket,
      MMDO_REPORTS_TABLE: names.reportsTable,
      MMDO_IDEMPOTENCY_TABLE: names.idempotencyTable,
      MMDO_PROFILES_TABLE: names.profilesTable,
      MMDO_OPENSEARCH_ENDPOINT: `https://${props.searchDomainEndpoint}`,
      MMDO_EMBEDDING_INDEX_PREFIX: EMBEDDING_INDEX_PREFIX,
      MMDO_SAGEMAKER_ENDPOINT: this.endpoint.endpointName,
      MMDO_BACKBONE: config.backbone,
      MMDO_CORESET_RATIO: String(config.coresetRatio),
      ...(props.partnerApi ? { MMDO_USAGE_TABLE: partnerApiTableNames(config.prefix).usage } : {}),
    };

    const functions = {} as Record<WorkflowFunction, nodejs.NodejsFunction>;
    for (const step of WORKFLOW_FUNCTIONS) {
      const settings = STEP_SETTINGS[step];
      const logGroup = new logs.LogGroup(this, `${step}-logs`, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
      // Own role: logs go to this function's group only (instead of the account-wide managed basic role).
      const role = new iam.Role(this, `${step}-role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: `MM-DO ${step} step` });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
      functions[step] = new nodejs.NodejsFunction(this, step, {
        entry: `${REPO_ROOT}${props.handlerEntries[step]}`,
        handler: 'handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: settings.memoryMb,
        timeout: settings.timeout,
        role,
        logGroup,
        tracing: lambda.Tracing.ACTIVE,
        environment: { ...environment, MMDO_STEP: step },
        layers: settings.images && sharpLayer ? [sharpLayer] : [],
        // sharp is native: it comes from a layer.
        ...esmBundling(['sharp']),
      });
      acknowledgeFindings(functions[step], [
        { id: 'AwsSolutions-L1', reason: 'nodejs22.x is the runtime the project targets and tests; move to a newer one after testing on it.' },
      ]);
      acknowledgeFindings(role, [
        { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level scope.' },
      ]);
    }
    this.functions = functions;
    this.grantStepPermissions(names);

    this.workflow = new InspectionWorkflow(this, 'Inspection', {
      functions,
      taskTimeouts: Object.fromEntries(WORKFLOW_FUNCTIONS.map((f) => [f, STEP_SETTINGS[f].timeout])) as Record<WorkflowFunction, Duration>,
      deadLetterQueue: this.deadLetterQueue,
    });
    acknowledgeFindings(this.workflow.stateMachine, [
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray tracing and log delivery actions have no resource-level scope.' },
      ...WORKFLOW_FUNCTIONS.map((step) => ({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(functions[step].node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: `Invoking any version or alias of the ${step} function.`,
      })),
    ]);

    // Every new object in the upload bucket starts one execution; undeliverable events land in the DLQ.
    new events.Rule(this, 'OnUpload', {
      description: 'Starts an inspection for every image the API or an instrument puts into the upload bucket (sidecar sheets and stray objects start nothing)',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [names.uploadBucket] }, object: { key: uploadKeyWildcards().flatMap((w) => events.Match.wildcard(w)) } },
      },
      targets: [
        new targets.SfnStateMachine(this.workflow.stateMachine, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 10,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    this.alarmTopic = this.createAlarms(config);
    if (props.partnerApi) {
      this.partnerApi = new PartnerApi(this, 'PartnerApi', {
        prefix: config.prefix,
        names,
        entries: props.partnerApi.entries,
        pipelineEnvironment: environment,
        ...(sharpLayer ? { sharpLayer } : {}),
        endpointArn: this.endpoint.endpointArn,
        searchArn: `${this.formatArn({ service: 'es', resource: 'domain', resourceName: names.searchDomain })}/${EMBEDDING_INDEX_PREFIX}*/_search`,
      });
      // Enrolments and recalibrations started through the API run in the profile-jobs function.
      const profileJobs = (this.profileJobs = new ProfileJobs(this, 'ProfileJobs', {
        entry: props.partnerApi.entries.profileJobs,
        names,
        tables: partnerApiTableNames(config.prefix),
        pipelineEnvironment: environment,
        ...(sharpLayer ? { sharpLayer } : {}),
        endpointArn: this.endpoint.endpointArn,
        searchDomainArn: this.formatArn({ service: 'es', resource: 'domain', resourceName: names.searchDomain }),
        embeddingIndexPrefix: EMBEDDING_INDEX_PREFIX,
        alarmTopic: this.alarmTopic,
      }));
      this.partnerApi.function.addEnvironment('MMDO_PROFILE_JOBS_QUEUE_URL', profileJobs.queue.queueUrl);
      profileJobs.queue.grantSendMessages(this.partnerApi.function);
      // The report step bills completed reports where it writes them (MeteredReportStore).
      const usageTable = this.formatArn({ service: 'dynamodb', resource: 'table', resourceName: partnerApiTableNames(config.prefix).usage });
      this.functions.report.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [usageTable] }));
      this.functions.report.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [this.formatArn({ service: 'dynamodb', resource: 'table', resourceName: names.reportsTable })] }));
      new CfnOutput(this, 'PartnerApiUrl', { value: this.partnerApi.api.url });
    }
    if (props.webhooks) {
      const apiBaseUrl = props.webhooks.apiBaseUrl ?? (this.partnerApi ? `https://${this.partnerApi.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}/api` : undefined);
      this.webhooks = new WebhookDispatch(this, 'Webhooks', {
        prefix: config.prefix,
        entry: props.webhooks.entry,
        reportsTableName: names.reportsTable,
        alarmTopic: this.alarmTopic,
        ...(apiBaseUrl ? { apiBaseUrl } : {}),
      });
    }

    if (props.webPage && this.partnerApi) {
      // The presigned links and upload forms the API hands out point at these buckets (regional virtual-host names).
      const bucketOrigin = (bucket: string) => `https://${bucket}.s3.${this.region}.${this.urlSuffix}`;
      this.webPage = new WebHosting(this, 'WebPage', {
        bundleDir: props.webPage.bundleDir,
        domain: config.webDomainName && config.webCertificateArn ? { name: config.webDomainName, certificateArn: config.webCertificateArn } : undefined,
        webAclArn: config.webAclArn,
        api: this.partnerApi.api,
        storageOrigins: [bucketOrigin(names.uploadBucket), bucketOrigin(names.artifactBucket)],
        removalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      new CfnOutput(this, 'WebPageUrl', { value: this.webPage.url, description: 'The web page (and the API under /v1 on the same origin)' });
    }

    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'EndpointName', { value: this.endpoint.endpointName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'UploadBucketName', { value: names.uploadBucket });
  }

  /** Least privilege per function: each gets only the stores, actions and services its stages touch. */
  private grantStepPermissions(names: ResourceNames): void {
    const fn = this.functions;
    const bucketArn = (name: string) => this.formatArn({ service: 's3', region: '', account: '', resource: name });
    const tableArn = (name: string) => this.formatArn({ service: 'dynamodb', resource: 'table', resourceName: name });
    const allow = (step: WorkflowFunction, actions: string[], resources: string[]) =>
      fn[step].addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    const objects = (name: string) => `${bucketArn(name)}/*`;

    // ListBucket lets a missing key read as 404 rather than 403 (a sidecar sheet that is not there).
    const readObjects = (step: WorkflowFunction, bucket: string) => {
      allow(step, ['s3:GetObject', 's3:GetObjectVersion'], [objects(bucket)]);
      allow(step, ['s3:ListBucket'], [bucketArn(bucket)]);
    };
    readObjects('analyse', names.uploadBucket);
    // Scratch between steps and the report's images live in the artifact bucket; profiles are read from it.
    for (const step of PROFILE_READING_STEPS) {
      readObjects(step, names.artifactBucket);
      allow(step, ['s3:PutObject'], [objects(names.artifactBucket)]);
      // S3ProfileStore.describe: a consistent Query of the registry for the ready versions of a name.
      allow(step, ['dynamodb:Query'], [tableArn(names.profilesTable)]);
    }
    // Claims: one conditional put per object version; an object already reported ends the run.
    allow('analyse', ['dynamodb:PutItem'], [tableArn(names.idempotencyTable)]);
    allow('analyse', ['dynamodb:GetItem'], [tableArn(names.reportsTable)]);
    for (const step of ['report', 'record-failure'] as const) allow(step, ['dynamodb:PutItem'], [tableArn(names.reportsTable)]);
    // Replicates (other fields of view of a sample: the byBatch index) and the tenant's cycling histories.
    allow('report', ['dynamodb:Query'], [tableArn(names.reportsTable), `${tableArn(names.reportsTable)}/index/${REPORTS_TABLE.byBatchIndex.name}`]);
    allow('analyse', ['sagemaker:InvokeEndpoint'], [this.endpoint.endpointArn]);
    const search = `${this.formatArn({ service: 'es', resource: 'domain', resourceName: names.searchDomain })}/${EMBEDDING_INDEX_PREFIX}*/_search`;
    allow('analyse', ['es:ESHttpGet', 'es:ESHttpPost'], [search]);

    for (const step of WORKFLOW_FUNCTIONS) {
      const reason = 'Objects are addressed by tenant-prefixed keys decided per upload; the statement names one bucket.';
      acknowledgeFindings(fn[step].role!, [
        ...((PROFILE_READING_STEPS as readonly string[]).includes(step) ? [{ id: wildcardResourceFinding(this, objects(names.artifactBucket)), reason }] : []),
        ...(step === 'analyse' ? [{ id: wildcardResourceFinding(this, objects(names.uploadBucket)), reason }] : []),
        ...(step === 'analyse' ? [{ id: wildcardResourceFinding(this, search), reason: 'k-NN search on the per-backbone embedding indices only (read path _search).' }] : []),
      ]);
    }
  }

  private createAlarms(config: MmdoConfig): sns.Topic {
    // A customer-managed key: CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key.
    const key = new kms.Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'MM-DO alarm topic', removalPolicy: RemovalPolicy.DESTROY });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    const topic = new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true });
    if (config.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    const action = new cwActions.SnsAction(topic);

    const alarm = (id: string, metric: cloudwatch.IMetric, description: string, threshold = 1) => {
      const a = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(action);
      return a;
    };
    const sm = this.workflow.stateMachine;
    const fiveMinutes = { period: Duration.minutes(5) };
    alarm('WorkflowFailed', sm.metricFailed(fiveMinutes), 'An inspection ended in failure (failed report written, DLQ entry added)');
    alarm('WorkflowTimedOut', sm.metricTimedOut(fiveMinutes), 'An inspection timed out');
    alarm('DeadLetters', this.deadLetterQueue.metricApproximateNumberOfMessagesVisible(fiveMinutes), 'Failed inspections or undeliverable upload events are waiting in the DLQ');
    for (const step of WORKFLOW_FUNCTIONS) {
      alarm(`${step}-throttles`, this.functions[step].metricThrottles(fiveMinutes), `The ${step} step is being throttled`, 5);
    }
    const endpointMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SageMaker',
        metricName,
        dimensionsMap: { EndpointName: this.endpoint.endpointName, VariantName: 'AllTraffic' },
        statistic,
        ...fiveMinutes,
      });
    alarm('EndpointErrors', endpointMetric('Invocation5XXErrors', 'Sum'), 'The embedding endpoint returned 5xx errors', 5);
    // ModelLatency is in microseconds: p90 over 2 s per batch means the endpoint is saturated.
    alarm('EndpointLatency', endpointMetric('ModelLatency', 'p90'), 'Embedding endpoint p90 latency above 2 s', 2_000_000);
    return topic;
  }
}

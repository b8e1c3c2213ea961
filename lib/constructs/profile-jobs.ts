import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPORTS_TABLE } from '../../lambdas/adapters/aws/dynamodb-tables.js';
import { PROFILE_JOB_TIMEOUT_SECONDS } from '../../lambdas/handlers/support/profile-job-limits.js';
import { functionQueue } from '../function-queue.js';
import { acknowledgeFindings, wildcardResourceFinding } from '../nag.js';
import type { ResourceNames } from '../resource-names.js';
import { serviceFunction } from '../service-function.js';

export interface ProfileJobsProps {
  /** Handler source relative to the repository root (lambdas/handlers/profile-jobs.ts). */
  readonly entry: string;
  readonly names: ResourceNames;
  /** The partner API's tables (jobs, profile controls; the usage ledger). */
  readonly tables: { readonly api: string; readonly usage: string };
  /** The pipeline's settings (buckets, tables, endpoint, embedding index), as the workflow steps get them. */
  readonly pipelineEnvironment: Readonly<Record<string, string>>;
  readonly sharpLayer?: lambda.ILayerVersion;
  readonly endpointArn: string;
  /** The OpenSearch domain's ARN: embeddings of new versions are indexed, labels scored again search it. */
  readonly searchDomainArn: string;
  readonly embeddingIndexPrefix: string;
  readonly alarmTopic: sns.ITopic;
}

/**
 * Profile jobs of the partner API (enrolments by presigned uploads, expert feedback applied): the API puts one
 * message per started job on a queue; one function (SQS, batch size 1) runs it with the same application code as
 * the CLI and the local service, and saves each new version to S3 + the registry and its embeddings to OpenSearch.
 *
 * Why one Lambda, not a Step Functions job: the application code builds a version in one call (features, coreset,
 * calibration scoring, operating point), and splitting it would mean a second implementation of enrolment. The
 * API's limits (lambdas/handlers/support/profile-job-limits.ts: 100 images, 64 MB and 4 MP each, 1 GB in all) keep
 * a job well inside Lambda's 15 minutes (README: the estimate); a job that would not fit is recorded failed 30 s
 * before the limit, and one whose invocation died is reported failed by its status (never left `running`).
 * Larger sets are enrolled in several jobs or locally (`mmdo enroll --publish`). At-most-once: the job is claimed
 * with a conditional update, so a redelivered message runs nothing twice; a message that keeps failing lands in the
 * dead-letter queue, with an alarm.
 */
export class ProfileJobs extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ProfileJobsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const timeout = Duration.seconds(PROFILE_JOB_TIMEOUT_SECONDS);

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = functionQueue(this, {
      id: 'Jobs',
      functionTimeout: timeout,
      maxReceiveCount: 3,
      deadLetterReason: 'This is the dead-letter queue of profile jobs.',
      alarmDescription: 'A profile job message kept failing (the job function could not read or record it); it waits in the profile-jobs DLQ',
      alarmTopic: props.alarmTopic,
    }));

    const { function: fn, role } = serviceFunction(this, {
      ids: { function: 'Function', logs: 'Logs', role: 'Role' },
      entry: props.entry,
      description: 'MM-DO profile jobs (enrolment, recalibration)',
      // An enrolment holds all its images (this job's, up to 1 GB, and the profile's earlier ones) and one decoded image at a time.
      memorySize: 10240,
      timeout,
      layers: props.sharpLayer ? [props.sharpLayer] : [],
      environment: {
        ...props.pipelineEnvironment,
        POWERTOOLS_SERVICE_NAME: 'mmdo-profile-jobs',
        MMDO_API_TABLE: props.tables.api,
        MMDO_USAGE_TABLE: props.tables.usage,
      },
      externalModules: ['sharp'],
    });
    this.function = fn;
    this.function.addEventSource(new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true }));

    // Least privilege: what runProfileJob touches, by exact bucket, table, index, endpoint and domain path.
    const { names } = props;
    const bucketArn = (name: string) => stack.formatArn({ service: 's3', region: '', account: '', resource: name });
    const tableArn = (name: string) => stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: name });
    const allow = (actions: string[], resources: string[]) => role.addToPolicy(new iam.PolicyStatement({ actions, resources }));
    const artifacts = `${bucketArn(names.artifactBucket)}/*`;
    // Staged uploads, earlier versions' source images and kept inputs are read; sources and profile files written.
    // ListBucket lets a missing key read as 404 rather than 403 (an image no longer kept).
    allow(['s3:GetObject', 's3:PutObject'], [artifacts]);
    allow(['s3:ListBucket'], [bucketArn(names.artifactBucket)]);
    // The profile registry: the highest version, a conditional claim of the next, then `ready`.
    allow(['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [tableArn(names.profilesTable)]);
    // Jobs and profile controls (the API table); one usage record per job; reports and judgements (reports table).
    allow(['dynamodb:GetItem', 'dynamodb:UpdateItem'], [tableArn(props.tables.api)]);
    allow(['dynamodb:PutItem'], [tableArn(props.tables.usage)]);
    const reportsIndexes = [REPORTS_TABLE.byTimeIndex.name, REPORTS_TABLE.byBatchIndex.name].map((i) => `${tableArn(names.reportsTable)}/index/${i}`);
    allow(['dynamodb:GetItem', 'dynamodb:Query'], [tableArn(names.reportsTable), ...reportsIndexes]);
    allow(['dynamodb:PutItem'], [tableArn(names.reportsTable)]);
    allow(['sagemaker:InvokeEndpoint'], [props.endpointArn]);
    const indices = `${props.searchDomainArn}/${props.embeddingIndexPrefix}*`;
    const template = `${props.searchDomainArn}/_index_template/*`;
    allow(['es:ESHttpGet', 'es:ESHttpPost'], [`${indices}/_search`]);
    allow(['es:ESHttpPost'], [`${props.searchDomainArn}/_bulk`]);
    allow(['es:ESHttpPut'], [template]);
    allow(['events:PutEvents'], [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })]);

    acknowledgeFindings(role, [
      { id: wildcardResourceFinding(this, artifacts), reason: 'Objects are addressed by tenant-prefixed keys decided per job (staged uploads, sources, profile versions); the statement names one bucket.' },
      { id: wildcardResourceFinding(this, `${indices}/_search`), reason: 'k-NN search on the per-backbone embedding indices only (read path _search).' },
      { id: wildcardResourceFinding(this, template), reason: 'The k-NN index template of the embedding index of the profile\'s backbone (one per backbone).' },
    ]);
  }
}

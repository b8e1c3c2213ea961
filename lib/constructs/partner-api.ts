import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_TABLE } from '../../lambdas/adapters/aws/dynamodb-api-store.js';
import { USAGE_TABLE } from '../../lambdas/adapters/aws/dynamodb-usage-ledger.js';
import { routeTable } from '../../lambdas/api/routes.js';
import { acknowledgeFindings, wildcardResourceFinding } from '../nag.js';
import type { ResourceNames } from '../resource-names.js';
import { serviceFunction } from '../service-function.js';
import { webhookResourceNames } from './webhook-dispatch.js';

/** Default sources of the API function, its authorizer and the profile-jobs function (relative to the repository root). */
export const PARTNER_API_ENTRIES = { api: 'lambdas/handlers/api.ts', authorizer: 'lambdas/handlers/authorizer.ts', profileJobs: 'lambdas/handlers/profile-jobs.ts' } as const;

/** Physical names both stacks derive from the prefix (no cross-stack exports, like resource-names.ts). */
export function partnerApiTableNames(prefix: string): { api: string; usage: string } {
  return { api: `${prefix}-api`, usage: `${prefix}-usage` };
}

/**
 * Stateful half: the API table (tenants, key hashes, Idempotency-Key records, API uploads; TTL) and the usage
 * ledger (one item per billable event; kept, point-in-time recoverable: it is what invoices are made from).
 */
export class PartnerApiTables extends Construct {
  readonly api: dynamodb.Table;
  readonly usage: dynamodb.Table;

  constructor(scope: Construct, id: string, props: { readonly prefix: string; readonly removalPolicy: RemovalPolicy }) {
    super(scope, id);
    const names = partnerApiTableNames(props.prefix);
    const str = dynamodb.AttributeType.STRING;
    const defaults = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy,
      partitionKey: { name: 'pk', type: str },
      sortKey: { name: 'sk', type: str },
    } as const;
    this.api = new dynamodb.Table(this, 'Api', { ...defaults, tableName: names.api, timeToLiveAttribute: API_TABLE.ttlAttribute });
    this.api.addGlobalSecondaryIndex({
      indexName: API_TABLE.byTenantIndex.name,
      partitionKey: { name: API_TABLE.byTenantIndex.partitionKey, type: str },
      sortKey: { name: API_TABLE.byTenantIndex.sortKey, type: str },
    });
    this.usage = new dynamodb.Table(this, 'Usage', { ...defaults, tableName: names.usage });
    this.usage.addLocalSecondaryIndex({ indexName: USAGE_TABLE.byTimeIndex.name, sortKey: { name: USAGE_TABLE.byTimeIndex.sortKey, type: str } });
  }
}

export interface PartnerApiProps {
  readonly prefix: string;
  readonly names: ResourceNames;
  readonly entries: { readonly api: string; readonly authorizer: string };
  /** The pipeline's settings (the same as the workflow steps'): /v1/detect runs the stages in the API function. */
  readonly pipelineEnvironment: Readonly<Record<string, string>>;
  readonly sharpLayer?: lambda.ILayerVersion;
  readonly endpointArn: string;
  /** `_search` on the embedding indices (novelty in /v1/detect). */
  readonly searchArn: string;
  /** Guard rails, not billing: per-key rate and burst, and a daily quota (API Gateway usage plan). */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number; readonly dailyQuota: number };
}

const DEFAULT_THROTTLE = { rateLimit: 50, burstLimit: 100, dailyQuota: 200_000 };
/** API Gateway ends an integration after 29 s; the function gets a little less so its own timeout is reported. */
const API_TIMEOUT = Duration.seconds(28);

/**
 * Stateless half: the partner API as an API Gateway REST API (usage plans need REST, not HTTP APIs) in front of one
 * Lambda running the same Hono app as the local service. One API Gateway method per documented route
 * (lambdas/api/routes.ts), so nothing undocumented reaches the function; a REQUEST authorizer resolves the bearer
 * key to its tenant and scopes (cached 60 s per key); a usage plan throttles and caps each key's traffic as a guard
 * rail (billing is the usage ledger's); errors API Gateway answers itself are problem+json like the app's.
 */
export class PartnerApi extends Construct {
  readonly api: apigw.RestApi;
  readonly function: nodejs.NodejsFunction;
  readonly authorizerFunction: nodejs.NodejsFunction;
  readonly usagePlan: apigw.UsagePlan;

  constructor(scope: Construct, id: string, props: PartnerApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const tables = partnerApiTableNames(props.prefix);
    const webhooks = webhookResourceNames(props.prefix);
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    const tableArn = (name: string) => stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: name });
    const bucketArn = (name: string) => stack.formatArn({ service: 's3', region: '', account: '', resource: name });

    const fn = (name: string, entry: string, memorySize: number, timeout: Duration, environment: Record<string, string>, layers: lambda.ILayerVersion[] = []) =>
      serviceFunction(this, {
        ids: { function: name, logs: `${name}Logs`, role: `${name}Role` },
        entry, description: `MM-DO partner API ${name}`, memorySize, timeout, layers,
        environment: { NODE_OPTIONS: '--enable-source-maps', ...environment },
        externalModules: ['sharp'],
      }).function;

    // The API function runs the whole pipeline for /v1/detect (3 GB: ~2 vCPU for a 4 MP image inside 29 s).
    this.function = fn('Function', props.entries.api, 3008, API_TIMEOUT, {
      ...props.pipelineEnvironment,
      POWERTOOLS_SERVICE_NAME: 'mmdo-api',
      MMDO_API_TABLE: tables.api,
      MMDO_USAGE_TABLE: tables.usage,
      MMDO_WEBHOOKS_TABLE: webhooks.table,
    }, props.sharpLayer ? [props.sharpLayer] : []);
    this.authorizerFunction = fn('Authorizer', props.entries.authorizer, 256, Duration.seconds(10), { POWERTOOLS_SERVICE_NAME: 'mmdo-authorizer', MMDO_API_TABLE: tables.api });

    this.grant(props, tableArn, bucketArn);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `${props.prefix}-partner-api`,
      description: 'MM-DO partner API (docs/openapi.json)',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      binaryMediaTypes: ['image/*', 'multipart/form-data', 'application/octet-stream'],
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'api',
        tracingEnabled: true,
        metricsEnabled: true,
        throttlingRateLimit: throttle.rateLimit * 20,
        throttlingBurstLimit: throttle.burstLimit * 20,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    const authorizer = new apigw.RequestAuthorizer(this, 'KeyAuthorizer', {
      handler: this.authorizerFunction,
      identitySources: [apigw.IdentitySource.header('Authorization')],
      resultsCacheTtl: Duration.seconds(60),
    });
    const integration = new apigw.LambdaIntegration(this.function, { proxy: true, timeout: Duration.seconds(29) });
    for (const route of routeTable()) {
      this.api.root.resourceForPath(route.path).addMethod(route.method, integration, route.public
        ? { authorizationType: apigw.AuthorizationType.NONE, operationName: route.name }
        : { authorizer, apiKeyRequired: true, operationName: route.name });
    }

    this.usagePlan = this.api.addUsagePlan('GuardRails', {
      name: `${props.prefix}-partner-guard-rails`,
      description: 'Throttling and a daily quota per key: guard rails only; billing is the usage ledger.',
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      quota: { limit: throttle.dailyQuota, period: apigw.Period.DAY },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    // The authorizer reports this key as each request's usage identifier (AUTHORIZER key source).
    const usageKey = new apigw.ApiKey(this, 'UsageKey', { description: 'Usage identifier of the guard-rail plan, reported by the authorizer.' });
    this.usagePlan.addApiKey(usageKey);
    this.authorizerFunction.addEnvironment('MMDO_USAGE_PLAN_KEY_ID', usageKey.keyId);
    this.authorizerFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['apigateway:GET'], resources: [stack.formatArn({ service: 'apigateway', account: '', resource: '/apikeys', resourceName: usageKey.keyId })],
    }));

    const problem = (status: string, code: string, detail: string) => ({
      statusCode: status,
      responseHeaders: { 'Content-Type': "'application/problem+json'" },
      templates: { 'application/json': JSON.stringify({ type: `urn:mmdo:problem:${code}`, title: code, status: Number(status), detail, instance: '$context.path', code }) },
    });
    this.api.addGatewayResponse('Unauthorized', { type: apigw.ResponseType.UNAUTHORIZED, ...problem('401', 'unauthorized', 'A valid API key is required: send it as Authorization: Bearer mmdo_…') });
    this.api.addGatewayResponse('AccessDenied', { type: apigw.ResponseType.ACCESS_DENIED, ...problem('401', 'unauthorized', 'A valid API key is required.') });
    this.api.addGatewayResponse('NoRoute', { type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, ...problem('404', 'route_not_found', 'No such route (docs/openapi.json lists them).') });
    this.api.addGatewayResponse('Throttled', { type: apigw.ResponseType.THROTTLED, ...problem('429', 'throttled', 'Too many requests: slow down and retry with backoff.') });
    this.api.addGatewayResponse('Quota', { type: apigw.ResponseType.QUOTA_EXCEEDED, ...problem('429', 'quota_exceeded', 'The daily request quota is used up.') });
    this.api.addGatewayResponse('TooLarge', { type: apigw.ResponseType.REQUEST_TOO_LARGE, ...problem('413', 'input_too_large', 'API Gateway takes at most 10 MB; upload larger images to the bucket.') });
    this.api.addGatewayResponse('Default5xx', { type: apigw.ResponseType.DEFAULT_5XX, ...problem('500', 'internal_error', 'The service failed unexpectedly.') });

    acknowledgeFindings(this.api, [
      { id: 'AwsSolutions-APIG2', reason: 'Requests are validated by the app (zod schemas of lambdas/api, the same on the local service), which answers problem+json naming the fields.' },
      { id: 'AwsSolutions-APIG3', reason: 'A WAF web ACL is an account-level choice (cost per ACL and rule); the usage plan throttles per key and the authorizer refuses unknown keys.' },
      { id: 'AwsSolutions-APIG4', reason: 'Every method but GET /healthz and GET /v1/openapi.json (public by design) has the key authorizer.' },
      { id: 'AwsSolutions-APIG6', reason: 'Access logs are on (JSON, 3 months); execution logging needs an account-wide CloudWatch role, left to the account owner.' },
      { id: 'AwsSolutions-COG4', reason: 'Partners are machines with API keys, resolved by the REQUEST authorizer; there are no Cognito users.' },
    ]);
  }

  /** Least privilege: what /v1 reads and writes, by exact table, index and bucket. */
  private grant(props: PartnerApiProps, tableArn: (name: string) => string, bucketArn: (name: string) => string): void {
    const { names } = props;
    const tables = partnerApiTableNames(props.prefix);
    const webhooks = webhookResourceNames(props.prefix);
    const allow = (f: nodejs.NodejsFunction, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      f.addToRolePolicy(new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) }));
    const fn = this.function;
    const withIndexes = (name: string) => [tableArn(name), `${tableArn(name)}/index/*`];
    allow(this.authorizerFunction, ['dynamodb:GetItem'], [tableArn(tables.api)]);
    allow(fn, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'], withIndexes(tables.api));
    allow(fn, ['dynamodb:PutItem', 'dynamodb:Query'], withIndexes(tables.usage));
    allow(fn, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'], withIndexes(names.reportsTable));
    allow(fn, ['dynamodb:Query'], [tableArn(names.profilesTable)]);
    allow(fn, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem'], [tableArn(webhooks.table)]);
    // The subscriptions table has its own key: usable by the API only through DynamoDB, selected by alias.
    const keys = Stack.of(this).formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
    allow(fn, ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'], [keys], {
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': webhooks.keyAlias },
      StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` },
    });
    // Put: queued images and sidecars; Get: an upload slot's object (HEAD) and a judged image kept for feedback (copy).
    allow(fn, ['s3:PutObject', 's3:GetObject'], [`${bucketArn(names.uploadBucket)}/*`]);
    // Profile changes (activation, deletion) go onto the default bus for the webhook dispatcher.
    allow(fn, ['events:PutEvents'], [Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })]);
    allow(fn, ['s3:GetObject', 's3:PutObject'], [`${bucketArn(names.artifactBucket)}/*`]);
    allow(fn, ['s3:ListBucket'], [bucketArn(names.artifactBucket)]);
    allow(fn, ['sagemaker:InvokeEndpoint'], [props.endpointArn]);
    allow(fn, ['es:ESHttpGet', 'es:ESHttpPost'], [props.searchArn]);
    const objects = 'Objects are addressed by tenant-prefixed keys decided per request; the statement names one bucket.';
    acknowledgeFindings(fn.role!, [
      { id: wildcardResourceFinding(this, `${bucketArn(names.uploadBucket)}/*`), reason: objects },
      { id: wildcardResourceFinding(this, `${bucketArn(names.artifactBucket)}/*`), reason: objects },
      ...[tables.api, tables.usage, names.reportsTable].map((t) => ({ id: wildcardResourceFinding(this, `${tableArn(t)}/index/*`), reason: 'The table\'s own indexes (listing by tenant, time and batch).' })),
      { id: wildcardResourceFinding(this, keys), reason: 'The webhook table key, selected by its alias and usable only via DynamoDB; its ARN is not known to this stack.' },
      { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: 'What DynamoDB needs of the webhook table key to write a subscription, scoped to that key by alias.' },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: 'What DynamoDB needs of the webhook table key to write a subscription, scoped to that key by alias.' },
      { id: wildcardResourceFinding(this, props.searchArn), reason: 'k-NN search on the per-backbone embedding indices only (read path _search).' },
    ]);
  }
}

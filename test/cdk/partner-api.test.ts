import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { routeTable } from '../../lambdas/api/routes.js';
import { PARTNER_API_ENTRIES } from '../../lib/constructs/partner-api.js';
import { DEFAULT_CONFIG } from '../../lib/config.js';
import { WORKFLOW_FUNCTIONS, type HandlerEntries } from '../../lib/handler-entries.js';
import { StatefulStack } from '../../lib/stateful-stack.js';
import { StatelessStack } from '../../lib/stateless-stack.js';

// Functions are built from a fixture so these tests do not depend on the handlers' contents.
const FIXTURE = 'test/cdk/fixtures/echo-handler.ts';
const entries = Object.fromEntries(WORKFLOW_FUNCTIONS.map((s) => [s, FIXTURE])) as unknown as HandlerEntries;
const context = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;

let app: App;
let stateful: Template;
let stateless: Template;
let processing: StatelessStack;

beforeAll(() => {
  app = new App({ context });
  const data = new StatefulStack(app, 'MmdoStateful', { config: DEFAULT_CONFIG, webhooks: true, partnerApi: true });
  processing = new StatelessStack(app, 'MmdoStateless', {
    config: DEFAULT_CONFIG,
    searchDomainEndpoint: data.searchDomain.domainEndpoint,
    handlerEntries: entries,
    webhooks: { entry: FIXTURE },
    partnerApi: { entries: { api: FIXTURE, authorizer: FIXTURE, profileJobs: FIXTURE } },
  });
  stateful = Template.fromStack(data);
  stateless = Template.fromStack(processing);
});

describe('partner API tables (stateful)', () => {
  test('the API table (TTL, byTenant index) and the usage ledger (byTime index), both point-in-time recoverable', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'mmdo-api',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byTenant' })],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'mmdo-usage',
      LocalSecondaryIndexes: [Match.objectLike({ IndexName: 'byTime', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'timeSk', KeyType: 'RANGE' }] })],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

describe('partner API (stateless)', () => {
  test('a REST API with one method per documented route: a key authorizer and the usage plan key on all but the public ones', () => {
    stateless.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER', BinaryMediaTypes: Match.arrayWith(['image/*', 'multipart/form-data']) });
    const methods = Object.values(stateless.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties as Record<string, unknown>);
    const routes = routeTable();
    expect(methods.filter((m) => m.HttpMethod !== 'OPTIONS')).toHaveLength(routes.length);
    for (const route of routes) {
      const method = methods.find((m) => m.OperationName === route.name);
      expect(method).toMatchObject(route.public
        ? { HttpMethod: route.method, AuthorizationType: 'NONE' }
        : { HttpMethod: route.method, AuthorizationType: 'CUSTOM', ApiKeyRequired: true, AuthorizerId: expect.anything() });
    }
  });

  test('the authorizer reads the Authorization header and is cached 60 s; the usage plan throttles and caps each key', () => {
    stateless.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'REQUEST', IdentitySource: 'method.request.header.Authorization', AuthorizerResultTtlInSeconds: 60 });
    stateless.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { RateLimit: 50, BurstLimit: 100 }, Quota: { Limit: 200000, Period: 'DAY' } });
    stateless.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    stateless.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'api', TracingEnabled: true, AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }) });
  });

  test('API Gateway\'s own errors are problem+json (401, 404 for unknown routes, 429, 413)', () => {
    for (const [type, status] of [['UNAUTHORIZED', '401'], ['MISSING_AUTHENTICATION_TOKEN', '404'], ['THROTTLED', '429'], ['QUOTA_EXCEEDED', '429'], ['REQUEST_TOO_LARGE', '413']]) {
      stateless.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type, StatusCode: status, ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
      });
    }
  });

  test('the report step bills completed reports (usage table, PutItem only); the webhook links point at the API', () => {
    const reportRole = processing.getLogicalId(processing.functions.report.role!.node.defaultChild as never);
    const policies = Object.values(stateless.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: reportRole }] } }));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const onUsage = statements.filter((st) => JSON.stringify(st.Resource).includes(':table/mmdo-usage'));
    expect(onUsage.flatMap((st) => [st.Action].flat())).toEqual(['dynamodb:PutItem']);
    stateless.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ MMDO_STEP: 'report', MMDO_USAGE_TABLE: 'mmdo-usage' }) } });
    stateless.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ MMDO_WEBHOOK_API_BASE_URL: Match.anyValue() }) } });
  });
});

describe('profile jobs (enrolment, recalibration)', () => {
  const statementsOf = (role: string) =>
    Object.values(stateless.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } }))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
  const actionsOn = (statements: { Action: string | string[]; Resource: unknown }[], fragment: string) =>
    statements.filter((st) => JSON.stringify(st.Resource).includes(fragment)).flatMap((st) => [st.Action].flat()).sort();

  test('one SQS-triggered function (batch 1, 15 min, 10 GB) behind an encrypted queue with a DLQ and an alarm; the API function sends to it', () => {
    const jobs = processing.profileJobs!;
    stateless.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 900, MemorySize: 10240, Runtime: 'nodejs22.x', Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ MMDO_API_TABLE: 'mmdo-api', MMDO_USAGE_TABLE: 'mmdo-usage', MMDO_PROFILES_TABLE: 'mmdo-profiles', MMDO_SAGEMAKER_ENDPOINT: Match.anyValue() }) },
    });
    stateless.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, VisibilityTimeout: 5400, RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 3 } });
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 1, FunctionName: { Ref: processing.getLogicalId(jobs.function.node.defaultChild as never) } });
    stateless.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'mmdo-api', MMDO_PROFILE_JOBS_QUEUE_URL: { Ref: processing.getLogicalId(jobs.queue.node.defaultChild as never) } }) },
    });
    const apiRole = processing.getLogicalId(processing.partnerApi!.function.role!.node.defaultChild as never);
    expect(actionsOn(statementsOf(apiRole), processing.getLogicalId(jobs.queue.node.defaultChild as never))).toEqual(expect.arrayContaining(['sqs:SendMessage']));
    expect(actionsOn(statementsOf(apiRole), 'event-bus/default')).toEqual(['events:PutEvents']);
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm')).filter((a) => /profile-jobs DLQ/.test(a.Properties.AlarmDescription));
    expect(alarms).toHaveLength(1);
  });

  test('the real profile-jobs and API handlers bundle without a native addon (no onnxruntime, usearch or SQLite; sharp from the layer)', async () => {
    for (const entry of [PARTNER_API_ENTRIES.profileJobs, PARTNER_API_ENTRIES.api]) {
      const result = await build({
        entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node22', write: false, metafile: true, external: ['sharp'], mainFields: ['module', 'main'], logLevel: 'silent',
      });
      expect([entry, Object.keys(result.metafile.inputs).filter((i) => /onnxruntime|usearch|better-sqlite3/.test(i))]).toEqual([entry, []]);
    }
  }, 60_000);

  test('least privilege: the artifact bucket (no delete), registry claims, jobs, one usage put, reports and judgements, the endpoint, indexing, the default bus; not the upload bucket', () => {
    const role = processing.getLogicalId(processing.profileJobs!.function.role!.node.defaultChild as never);
    const statements = statementsOf(role);
    expect(actionsOn(statements, ':s3:::mmdo-artifacts')).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(actionsOn(statements, ':s3:::mmdo-uploads')).toEqual([]);
    expect(actionsOn(statements, ':table/mmdo-profiles')).toEqual(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(actionsOn(statements, ':table/mmdo-api')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(actionsOn(statements, ':table/mmdo-usage')).toEqual(['dynamodb:PutItem']);
    expect(actionsOn(statements, ':table/mmdo-webhooks')).toEqual([]);
    expect(actionsOn(statements, 'event-bus/default')).toEqual(['events:PutEvents']);
    expect(statements.flatMap((st) => [st.Action].flat())).not.toEqual(expect.arrayContaining(['s3:DeleteObject']));
    expect(actionsOn(statements, '/_bulk')).toEqual(['es:ESHttpPost']);
  });
});

test('cdk-nag AwsSolutions reports no unacknowledged findings with the partner API on', () => {
  const report = new AwsSolutionsChecks().validateScope(app);
  const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId ?? ''}`));
  expect(findings).toEqual([]);
});

test('the upload rule starts inspections only for images the API or an instrument put (EventBridge wildcard semantics)', () => {
  const rule = Object.values(stateless.findResources('AWS::Events::Rule')).find((r) => r.Properties.EventPattern.source?.[0] === 'aws.s3')!;
  const patterns = (rule.Properties.EventPattern.detail.object.key as { wildcard: string }[]).map((p) => p.wildcard);
  // EventBridge wildcards: `*` matches any characters (slashes included), case-sensitive.
  const matches = (key: string) => patterns.some((p) => new RegExp(`^${p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(key));
  for (const key of ['acme/grains/api/upl_1/a.png', 'acme/grains@2/api/upl_1/b.JPEG', 'acme/grains/instruments/ins_1/batch-7/c.tif', 'acme/grains/instruments/ins_1/d.TIFF']) expect([key, matches(key)]).toEqual([key, true]);
  for (const key of ['acme/grains/stray.png', 'acme/grains/api/upl_1/a.png.json', 'acme/grains/instruments/ins_1/notes.txt', 'acme/profiles/x.png']) expect([key, matches(key)]).toEqual([key, false]);
});

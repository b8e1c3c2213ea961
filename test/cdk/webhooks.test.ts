import { readFileSync } from 'node:fs';
import { PROFILE_EVENT_DETAIL_TYPE, PROFILE_EVENT_SOURCE } from '../../lambdas/application/webhooks/cloud-dispatch.js';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_CONFIG } from '../../lib/config.js';
import { WORKFLOW_FUNCTIONS, RESULT_DETAIL_TYPES, RESULT_EVENT_SOURCE, type HandlerEntries } from '../../lib/handler-entries.js';
import { StatefulStack } from '../../lib/stateful-stack.js';
import { StatelessStack } from '../../lib/stateless-stack.js';

// The dispatcher, like the steps, is built from a fixture so these tests do not depend on handler contents.
const FIXTURE = 'test/cdk/fixtures/echo-handler.ts';
const entries = Object.fromEntries(WORKFLOW_FUNCTIONS.map((s) => [s, FIXTURE])) as unknown as HandlerEntries;
const context = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;

let app: App;
let stateful: Template;
let stateless: Template;
let dispatchRole: string;

beforeAll(() => {
  app = new App({ context });
  const data = new StatefulStack(app, 'MmdoStateful', { config: DEFAULT_CONFIG, webhooks: true });
  const processing = new StatelessStack(app, 'MmdoStateless', {
    config: DEFAULT_CONFIG,
    searchDomainEndpoint: data.searchDomain.domainEndpoint,
    handlerEntries: entries,
    webhooks: { entry: FIXTURE, apiBaseUrl: 'https://api.example.com' },
  });
  stateful = Template.fromStack(data);
  stateless = Template.fromStack(processing);
  dispatchRole = processing.getLogicalId(processing.webhooks!.function.role!.node.defaultChild as never);
});

describe('webhook subscriptions table (stateful)', () => {
  test('its own rotating KMS key (by alias), customer-managed encryption, point-in-time recovery', () => {
    stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('webhook') });
    stateful.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/mmdo-webhooks' });
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'mmdo-webhooks',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

describe('webhook dispatch (stateless)', () => {
  test('result events of both types and profile changes go through an encrypted queue with a DLQ to the dispatcher', () => {
    stateless.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [RESULT_EVENT_SOURCE], 'detail-type': [RESULT_DETAIL_TYPES.completed, RESULT_DETAIL_TYPES.failed] },
      Targets: [Match.objectLike({ Arn: Match.anyValue(), DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }), RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 10 }) })],
    });
    stateless.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [PROFILE_EVENT_SOURCE], 'detail-type': [PROFILE_EVENT_DETAIL_TYPE] },
      Targets: [Match.objectLike({ Arn: Match.anyValue(), DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }), RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 10 }) })],
    });
    stateless.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    stateless.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 60,
      Environment: { Variables: Match.objectLike({ MMDO_WEBHOOKS_TABLE: 'mmdo-webhooks', MMDO_REPORTS_TABLE: 'mmdo-reports', MMDO_WEBHOOK_API_BASE_URL: 'https://api.example.com' }) },
    });
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm')).filter((a) => /webhook/i.test(a.Properties.AlarmDescription));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties.AlarmActions).toHaveLength(1);
  });

  test('only the dispatcher can read the subscriptions table, and the table key only via DynamoDB, by alias', () => {
    const policies = Object.values(stateless.findResources('AWS::IAM::Policy'));
    const touching = policies.filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('table/mmdo-webhooks'));
    expect(touching).toHaveLength(1);
    expect(touching[0]!.Properties.Roles).toEqual([{ Ref: dispatchRole }]);
    const statements = touching[0]!.Properties.PolicyDocument.Statement as { Action: string | string[]; Condition?: unknown }[];
    const kms = statements.find((s) => [s.Action].flat().includes('kms:Decrypt'))!;
    expect(kms.Condition).toEqual({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/mmdo-webhooks' },
      StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
    });
    const text = JSON.stringify(touching[0]!.Properties.PolicyDocument);
    expect(text).not.toContain('dynamodb:Scan');
    expect(text).not.toContain('dynamodb:PutItem');
    // Only X-Ray, which has no resource-level scope, gets a bare "*".
    const unscoped = (touching[0]!.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).filter((s) => s.Resource === '*');
    expect(unscoped.flatMap((s) => [s.Action].flat()).every((a) => a.startsWith('xray:'))).toBe(true);
  });
});

test('without the webhooks props the stacks have no webhook resources', () => {
  const bare = new App({ context });
  const data = new StatefulStack(bare, 'S', { config: DEFAULT_CONFIG });
  const processing = new StatelessStack(bare, 'P', { config: DEFAULT_CONFIG, searchDomainEndpoint: data.searchDomain.domainEndpoint, handlerEntries: entries });
  expect(JSON.stringify(Template.fromStack(data).toJSON())).not.toContain('mmdo-webhooks');
  const rules = Object.values(Template.fromStack(processing).findResources('AWS::Events::Rule'));
  expect(rules.map((r) => r.Properties.EventPattern.source)).toEqual([['aws.s3']]);
});

test('cdk-nag AwsSolutions reports no unacknowledged findings with webhooks on', () => {
  const report = new AwsSolutionsChecks().validateScope(app);
  const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId ?? ''}`));
  expect(findings).toEqual([]);
});

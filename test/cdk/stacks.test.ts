import { readFileSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ALLOCATOR_ENV } from '../../lambdas/adapters/allocator.js';
import { DEFAULT_CONFIG } from '../../lib/config.js';
import { CLOUD_STEPS, RETRYABLE_ERRORS, WORKFLOW_FUNCTIONS, type HandlerEntries } from '../../lib/handler-entries.js';
import { EXPRESS_LIMIT, stepStateName, TASK_RETRY } from '../../lib/constructs/inspection-workflow.js';
import { StatefulStack } from '../../lib/stateful-stack.js';
import { PROFILE_READING_STEPS, StatelessStack, STEP_SETTINGS } from '../../lib/stateless-stack.js';

// Every step points at a fixture, so these tests do not depend on the real handlers' contents.
const entries = Object.fromEntries(WORKFLOW_FUNCTIONS.map((s) => [s, 'test/cdk/fixtures/echo-handler.ts'])) as unknown as HandlerEntries;
const context = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;

let app: App;
let stateful: Template;
let stateless: Template;
let processing: StatelessStack;

beforeAll(() => {
  app = new App({ context });
  const data = new StatefulStack(app, 'MmdoStateful', { config: DEFAULT_CONFIG });
  processing = new StatelessStack(app, 'MmdoStateless', {
    config: DEFAULT_CONFIG,
    searchDomainEndpoint: data.searchDomain.domainEndpoint,
    handlerEntries: entries,
  });
  stateful = Template.fromStack(data);
  stateless = Template.fromStack(processing);
});

describe('StatefulStack', () => {
  test('buckets are encrypted, versioned, private, TLS-only and access-logged', () => {
    const buckets = stateful.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } });
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(bucket.Properties.LoggingConfiguration).toBeDefined();
    }
    const denyInsecure = Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(Object.keys(stateful.findResources('AWS::S3::BucketPolicy', { Properties: { PolicyDocument: { Statement: Match.arrayWith([denyInsecure]) } } })).length).toBe(3);
  });

  test('the upload bucket sends events to EventBridge and moves uploads to IA; noncurrent versions expire', () => {
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }] }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      },
    });
  });

  test('tables have point-in-time recovery; reports have the batch and time GSIs and TTL', () => {
    const tables = stateful.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(3);
    for (const table of Object.values(tables)) {
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.SSESpecification.SSEEnabled).toBe(true);
    }
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'mmdo-reports',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: 'byBatch', KeySchema: [{ AttributeName: 'batchPk', KeyType: 'HASH' }, { AttributeName: 'createdSk', KeyType: 'RANGE' }] }),
        Match.objectLike({ IndexName: 'byTime', KeySchema: [{ AttributeName: 'timePk', KeyType: 'HASH' }, { AttributeName: 'createdSk', KeyType: 'RANGE' }] }),
      ]),
    });
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'mmdo-idempotency',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  test('the OpenSearch domain is encrypted, HTTPS-only and open to signed account principals only', () => {
    stateful.hasResourceProperties('AWS::OpenSearchService::Domain', {
      DomainName: 'mmdo-embeddings',
      EngineVersion: 'OpenSearch_2.19',
      EncryptionAtRestOptions: { Enabled: true },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: Match.objectLike({ EnforceHTTPS: true }),
      ClusterConfig: Match.objectLike({ InstanceType: 'r6g.large.search', InstanceCount: 2, ZoneAwarenessEnabled: true }),
      AccessPolicies: { Statement: [Match.objectLike({ Effect: 'Allow', Action: 'es:ESHttp*', Principal: { AWS: Match.anyValue() } })], Version: '2012-10-17' },
    });
    // No custom-resource Lambdas in the data stack.
    stateful.resourceCountIs('AWS::Lambda::Function', 0);
  });

  test('the profile publisher policy writes profile files, registry rows and embeddings, and reads or deletes nothing else', () => {
    const [policy] = Object.values(stateful.findResources('AWS::IAM::ManagedPolicy'));
    const statements = policy!.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const actions = statements.flatMap((st) => [st.Action].flat()).sort();
    expect(actions).toEqual(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'es:ESHttpPost', 'es:ESHttpPut', 's3:PutObject']);
    const resourceOf = (action: string) => JSON.stringify(statements.find((st) => [st.Action].flat().includes(action))!.Resource);
    expect(resourceOf('s3:PutObject')).toContain('/*/profiles/*');
    expect(resourceOf('dynamodb:PutItem')).toContain('Profiles');
    expect(resourceOf('es:ESHttpPost')).toContain('/_bulk');
    expect(Object.keys(stateful.toJSON().Outputs)).toEqual(expect.arrayContaining(['ArtifactBucketName', 'ProfilesTableName', 'SearchDomainUrl', 'ProfilePublisherPolicyArn']));
  });
});

describe('StatelessStack', () => {
  test('one arm64 nodejs22.x function per cloud step of the pipeline definition (+ the failure recorder), traced, with its own log group and the allocator setting', () => {
    const functions = stateless.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(CLOUD_STEPS.length + 1);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
      expect(fn.Properties.Environment.Variables).toMatchObject(ALLOCATOR_ENV);
    }
  });

  test('an S3 Object Created rule on the upload bucket starts the workflow for image keys only, with a DLQ', () => {
    stateless.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'], 'detail-type': ['Object Created'],
        detail: { bucket: { name: [Match.anyValue()] }, object: { key: Match.arrayWith([{ wildcard: '*/api/*.png' }, { wildcard: '*/instruments/*.TIF' }]) } },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }), RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 10 }) })],
    });
  });

  test('an Express workflow generated from the stage list: one task per cloud step, in order, retrying and catching into the failure path', () => {
    const machine = Object.values(stateless.findResources('AWS::StepFunctions::StateMachine'))[0]!;
    expect(machine.Properties.StateMachineType).toBe('EXPRESS');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    const definition = resolveJoin(machine.Properties.DefinitionString) as { StartAt: string; TimeoutSeconds: number; States: unknown };
    expect(definition.TimeoutSeconds).toBe(EXPRESS_LIMIT.toSeconds());
    type State = { Type: string; Next?: string; Default?: string; TimeoutSeconds?: number; Retry?: { ErrorEquals: string[]; BackoffRate: number; MaxAttempts: number; JitterStrategy?: string }[]; Catch?: { ErrorEquals: string[]; Next: string; ResultPath: string }[]; Resource?: string };
    const states = definition.States as Record<string, State>;
    const names = CLOUD_STEPS.map(stepStateName);
    expect(definition.StartAt).toBe(names[0]);
    for (const name of names) {
      const retry = states[name]!.Retry![0]!;
      expect(retry).toMatchObject({ BackoffRate: TASK_RETRY.backoffRate, MaxAttempts: TASK_RETRY.maxAttempts, JitterStrategy: 'FULL' });
      expect(retry.ErrorEquals).toEqual([...RETRYABLE_ERRORS]);
      expect(states[name]!.Catch![0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'RecordFailure', ResultPath: '$.error' });
      expect(states[name]!.TimeoutSeconds).toBeGreaterThan(0);
    }
    // The steps follow each other in the definition's order (after the first: the duplicate check).
    expect(states[names[0]!]!.Next).toBe('AlreadyInspected?');
    expect(states['AlreadyInspected?']!.Default).toBe(names[1]);
    for (let i = 1; i < names.length - 1; i++) expect(states[names[i]!]!.Next).toBe(names[i + 1]);
    // Every task's time-out, and the retries, fit in the Express limit, so a hung step still reaches the failure path.
    const total = WORKFLOW_FUNCTIONS.reduce((n, f) => n + STEP_SETTINGS[f].timeout.toSeconds(), 0);
    expect(total + 3 * TASK_RETRY.maxDelay.toSeconds() * TASK_RETRY.maxAttempts).toBeLessThan(EXPRESS_LIMIT.toSeconds());
    expect(states.RecordFailure!.Type).toBe('Task');
    expect(states.SendToDeadLetterQueue!.Resource).toContain('sqs:sendMessage');
    expect(states.EmitCompleted!.Resource).toContain('events:putEvents');
  });

  test('the completed event is emitted only when this run wrote the report (no second event for an overlapping run)', () => {
    const machine = Object.values(stateless.findResources('AWS::StepFunctions::StateMachine'))[0]!;
    type State = { Type: string; Next?: string; End?: boolean; Default?: string; Choices?: { Variable: string; BooleanEquals?: boolean; Next: string }[] };
    const states = (resolveJoin(machine.Properties.DefinitionString) as { States: Record<string, State> }).States;
    expect(states[stepStateName(CLOUD_STEPS.at(-1)!)]!.Next).toBe('ReportWritten?');
    const choice = states['ReportWritten?']!;
    expect(choice.Type).toBe('Choice');
    expect(choice.Choices).toEqual([{ Variable: '$.write.written', BooleanEquals: true, Next: 'EmitCompleted' }]);
    expect(states[choice.Default!]).toMatchObject({ Type: 'Succeed' });
    // Nothing else leads to EmitCompleted.
    const into = Object.entries(states).filter(([, st]) => st.Next === 'EmitCompleted' || st.Default === 'EmitCompleted' || st.Choices?.some((c) => c.Next === 'EmitCompleted'));
    expect(into.map(([name]) => name)).toEqual(['ReportWritten?']);
  });

  test('only the steps that read profiles may query the profile registry, and only with Query', () => {
    const policies = Object.values(stateless.findResources('AWS::IAM::Policy'));
    const profileStatements = (step: string) => {
      const role = processing.getLogicalId(processing.functions[step as keyof typeof processing.functions].role!.node.defaultChild as CfnElement);
      return policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((st) => JSON.stringify(st.Resource).includes(':table/mmdo-profiles'));
    };
    for (const step of WORKFLOW_FUNCTIONS) {
      const statements = profileStatements(step);
      if ((PROFILE_READING_STEPS as readonly string[]).includes(step)) expect(statements.map((st) => st.Action)).toEqual(['dynamodb:Query']);
      else expect(statements).toEqual([]);
    }
    // The endpoint reads profile files by version from the bucket and never touches the registry.
    const endpointRole = Object.entries(stateless.findResources('AWS::IAM::Role')).find(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('sagemaker.amazonaws.com'))![0];
    const endpointPolicies = policies.filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${endpointRole}"`));
    expect(JSON.stringify(endpointPolicies)).not.toContain('dynamodb:');
    expect(JSON.stringify(endpointPolicies)).toContain('/profiles/*');
  });

  test('the SageMaker model, endpoint configuration (GPU instance parameter) and endpoint exist', () => {
    const params = stateless.toJSON().Parameters;
    expect(params.GpuInstanceType.Default).toBe('ml.g5.xlarge');
    expect(params.ModelRepositoryName.Default).toBe('mmdo-model');
    stateless.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ InstanceType: { Ref: 'GpuInstanceType' }, VariantName: 'AllTraffic' })],
    });
    stateless.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: Match.objectLike({ Environment: Match.objectLike({ MMDO_BACKBONE: DEFAULT_CONFIG.backbone }) }),
    });
    stateless.resourceCountIs('AWS::SageMaker::Endpoint', 1);
  });

  test('alarms cover workflow failures, the DLQ, throttling and the endpoint, and notify an encrypted topic', () => {
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm'));
    const metrics = alarms.map((a) => a.Properties.MetricName as string);
    for (const m of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ApproximateNumberOfMessagesVisible', 'Throttles', 'Invocation5XXErrors', 'ModelLatency']) {
      expect(metrics).toContain(m);
    }
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    stateless.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  test('only the analyse step may search the embedding index and invoke the endpoint', () => {
    const policies = Object.values(stateless.findResources('AWS::IAM::Policy'));
    const withAction = (action: string) => policies.filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes(action)).length;
    expect(withAction('es:ESHttpPost')).toBe(1);
    expect(withAction('sagemaker:InvokeEndpoint')).toBe(1);
    expect(withAction('"s3:*"')).toBe(0);
  });
});

test('cdk-nag AwsSolutions reports no unacknowledged findings', () => {
  const report = new AwsSolutionsChecks().validateScope(app);
  const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId ?? ''}`));
  expect(findings).toEqual([]);
});

/** DefinitionString is an Fn::Join of literal parts and tokens; joining with placeholders yields parseable JSON. */
function resolveJoin(value: unknown): unknown {
  const join = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return JSON.parse(join[1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(join[0]));
}

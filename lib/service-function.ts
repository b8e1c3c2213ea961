import { RemovalPolicy, type Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { esmBundling, REPO_ROOT } from './lambda-bundling.js';
import { acknowledgeFindings } from './nag.js';

export interface ServiceFunctionProps {
  /** Construct ids of the function, its log group and its role. */
  readonly ids: { readonly function: string; readonly logs: string; readonly role: string };
  /** Handler source relative to the repository root. */
  readonly entry: string;
  /** The role's description. */
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly layers?: lambda.ILayerVersion[];
  /** Modules left out of the bundle (native ones that come from a layer: sharp). */
  readonly externalModules?: string[];
}

/**
 * A Lambda function as the stacks make them: Node.js 22 on ARM, traced, bundled by esmBundling, with its own log
 * group (a month) and its own role, allowed to write to that group only (instead of the account-wide managed basic
 * role). The caller grants the rest to `role`.
 */
export function serviceFunction(scope: Construct, props: ServiceFunctionProps): { function: nodejs.NodejsFunction; role: iam.Role } {
  const logGroup = new logs.LogGroup(scope, props.ids.logs, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  const role = new iam.Role(scope, props.ids.role, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: props.description });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  const fn = new nodejs.NodejsFunction(scope, props.ids.function, {
    entry: `${REPO_ROOT}${props.entry}`,
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    role,
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
    layers: props.layers ?? [],
    environment: props.environment,
    ...esmBundling(props.externalModules),
  });
  acknowledgeFindings(fn, [{ id: 'AwsSolutions-L1', reason: 'nodejs22.x is the runtime the project targets and tests; move to a newer one after testing on it.' }]);
  acknowledgeFindings(role, [{ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level scope.' }]);
  return { function: fn, role };
}

import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

export interface Finding {
  /** A cdk-nag rule id (`AwsSolutions-S1`) or one finding of it (`AwsSolutions-IAM5[Resource::*]`). */
  readonly id: string;
  readonly reason: string;
}

/** Acknowledges cdk-nag findings on a construct and everything under it, each with its reason. */
export function acknowledgeFindings(scope: IConstruct, findings: readonly Finding[]): void {
  Validations.of(scope).acknowledge(...findings);
}

/**
 * The id cdk-nag gives a wildcard resource in an IAM policy (`AwsSolutions-IAM5[Resource::...]`), so one exact
 * resource can be acknowledged rather than every wildcard of the role.
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(arn))}]`;
}

import { Aws } from 'aws-cdk-lib';

/**
 * Physical names of the stateful resources. Both stacks derive them from the same prefix, so the stateless stack
 * refers to buckets and tables by name instead of through CloudFormation exports (exports pin the stateful
 * resources and block their replacement), and its IAM policies name exact ARNs.
 */
export interface ResourceNames {
  readonly uploadBucket: string;
  readonly artifactBucket: string;
  readonly accessLogBucket: string;
  readonly reportsTable: string;
  readonly idempotencyTable: string;
  readonly profilesTable: string;
  /** OpenSearch domain names are 3-28 characters. */
  readonly searchDomain: string;
}

export const PREFIX_PATTERN = /^[a-z][a-z0-9-]{1,14}$/;

export function resourceNames(prefix: string): ResourceNames {
  if (!PREFIX_PATTERN.test(prefix)) throw new Error(`resource prefix '${prefix}' must match ${PREFIX_PATTERN}`);
  // Bucket names are global: account and region make them unique.
  const bucket = (role: string) => `${prefix}-${role}-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
  return {
    uploadBucket: bucket('uploads'),
    artifactBucket: bucket('artifacts'),
    accessLogBucket: bucket('access-logs'),
    reportsTable: `${prefix}-reports`,
    idempotencyTable: `${prefix}-idempotency`,
    profilesTable: `${prefix}-profiles`,
    searchDomain: `${prefix}-embeddings`,
  };
}

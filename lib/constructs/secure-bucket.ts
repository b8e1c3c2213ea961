import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface SecureBucketProps {
  /** A physical name; omitted: CloudFormation generates one. */
  readonly bucketName?: string;
  readonly accessLogs: s3.IBucket;
  readonly removalPolicy: RemovalPolicy;
  readonly lifecycleRules: s3.LifecycleRule[];
  /** Publish object events to the default EventBridge bus (what starts the workflow). */
  readonly eventBridge?: boolean;
  /** Browser access from other origins (the web page's, to presigned links). */
  readonly cors?: s3.CorsRule[];
}

/**
 * A private bucket: SSE-S3 encryption, versioned, public access blocked, TLS-only, access-logged.
 * SSE-S3 rather than KMS: no per-request KMS charge on every tile read and nothing extra to grant; the data is
 * not subject to a customer-managed-key requirement.
 */
export class SecureBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: `${id.toLowerCase()}/`,
      lifecycleRules: [
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        ...props.lifecycleRules,
      ],
      cors: props.cors,
      removalPolicy: props.removalPolicy,
    });
    if (props.eventBridge) {
      // Set on the L1 resource: the L2 `eventBridgeEnabled` flag deploys a notifications custom-resource Lambda.
      const cfn = this.bucket.node.defaultChild as s3.CfnBucket;
      cfn.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    }
  }
}

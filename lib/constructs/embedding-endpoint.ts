import { ArnFormat, Aws, CfnParameter, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { acknowledgeFindings, wildcardResourceFinding } from '../nag.js';

export interface EmbeddingEndpointProps {
  /** ECR repository name (this account and region) and tag of the model container image. */
  readonly repositoryName: string;
  readonly imageTag: string;
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly backbone: string;
  /** Memory banks (`<tenant>/profiles/...`) the container loads by profile version and caches, to score patches next to the GPU. */
  readonly artifactBucketName: string;
}

/**
 * The GPU real-time endpoint serving the backbone (model-container/). There is no Docker engine at synth time, so
 * the image is not built here: push it to ECR first, then deploy with the repository and tag as stack parameters.
 */
export class EmbeddingEndpoint extends Construct {
  readonly endpointName: string;
  readonly endpointArn: string;
  readonly instanceTypeParameter: CfnParameter;

  constructor(scope: Construct, id: string, props: EmbeddingEndpointProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const repositoryName = new CfnParameter(stack, 'ModelRepositoryName', {
      type: 'String',
      default: props.repositoryName,
      description: 'ECR repository (this account and region) holding the model container image',
    }).valueAsString;
    const imageTag = new CfnParameter(stack, 'ModelImageTag', {
      type: 'String',
      default: props.imageTag,
      description: 'Tag of the model container image',
    }).valueAsString;
    this.instanceTypeParameter = new CfnParameter(stack, 'GpuInstanceType', {
      type: 'String',
      default: props.instanceType,
      allowedPattern: '^ml\\.[a-z0-9]+\\.[a-z0-9]+$',
      description: 'SageMaker instance type of the embedding endpoint (GPU, e.g. ml.g5.xlarge; CPU types work more slowly)',
    });
    const instanceCount = new CfnParameter(stack, 'GpuInstanceCount', {
      type: 'Number',
      default: props.instanceCount,
      minValue: 1,
      description: 'Instances behind the embedding endpoint',
    }).valueAsNumber;

    const imageUri = `${Aws.ACCOUNT_ID}.dkr.ecr.${Aws.REGION}.${Aws.URL_SUFFIX}/${repositoryName}:${imageTag}`;
    const repositoryArn = stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: repositoryName });

    const role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'MM-DO model container: pull its image, read memory banks, write logs and metrics',
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'], resources: [repositoryArn] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    const logGroups = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/Endpoints/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [logGroups],
    }));
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/Endpoints' } },
    }));
    const bankObjects = `${stack.formatArn({ service: 's3', region: '', account: '', resource: props.artifactBucketName })}/*/profiles/*`;
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bankObjects] }));

    const model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: role.roleArn,
      primaryContainer: {
        image: imageUri,
        environment: {
          MMDO_BACKBONE: props.backbone,
          MMDO_ARTIFACT_BUCKET: props.artifactBucketName,
        },
      },
    });
    model.node.addDependency(role);

    const endpointConfig = new sagemaker.CfnEndpointConfig(this, 'Config', {
      productionVariants: [
        {
          variantName: 'AllTraffic',
          modelName: model.attrModelName,
          initialInstanceCount: instanceCount,
          instanceType: this.instanceTypeParameter.valueAsString,
          initialVariantWeight: 1,
        },
      ],
    });
    // A fixed lowercase name: endpoint ARNs are lowercase, so the invoke permission can name it exactly.
    const endpointName = `mmdo-embed-${this.node.addr.slice(0, 8)}`;
    const endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', { endpointName, endpointConfigName: endpointConfig.attrEndpointConfigName });
    this.endpointName = endpoint.attrEndpointName;
    this.endpointArn = stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: endpointName });

    acknowledgeFindings(model, [
      { id: 'AwsSolutions-SM1', reason: 'The container only reads memory banks from S3 through its IAM role; a VPC would add NAT or endpoint cost for no extra protection.' },
      { id: 'AwsSolutions-SM3', reason: 'Network isolation would stop the container from loading memory banks from S3 by profile version, which keeps exact patch search next to the GPU.' },
    ]);
    acknowledgeFindings(endpointConfig, [
      { id: 'AwsSolutions-SM2', reason: 'GPU instances with local NVMe storage (ml.g5) reject a KmsKeyId; their instance storage is encrypted by the hardware.' },
    ]);
    acknowledgeFindings(role, [
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ecr:GetAuthorizationToken has no resource scope; PutMetricData is limited by a namespace condition.' },
      { id: wildcardResourceFinding(this, logGroups), reason: 'The SageMaker endpoint log groups and their streams.' },
      { id: wildcardResourceFinding(this, bankObjects), reason: 'Memory banks: any tenant\'s profile versions (<tenant>/profiles/...) in the artifact bucket; the endpoint serves all tenants.' },
    ]);
  }
}

import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledgeFindings, wildcardResourceFinding } from './nag.js';
import { REPORTS_TABLE } from '../lambdas/adapters/aws/dynamodb-tables.js';
import type { MmdoConfig } from './config.js';
import { SecureBucket } from './constructs/secure-bucket.js';
import { PartnerApiTables } from './constructs/partner-api.js';
import { WebhookSubscriptionTable } from './constructs/webhook-dispatch.js';
import { resourceNames, type ResourceNames } from './resource-names.js';

export interface StatefulStackProps extends StackProps {
  readonly config: MmdoConfig;
  /** Adds the webhook subscriptions table and its key (the stateless stack's `webhooks` dispatcher reads it). */
  readonly webhooks?: boolean;
  /** Adds the partner API's tables: tenants and keys, Idempotency-Key records, the usage ledger. */
  readonly partnerApi?: boolean;
  /** Lets the web page (another origin) use the presigned links and upload forms the API hands out. */
  readonly webPage?: boolean;
}


/**
 * Everything that holds data: buckets, tables and the OpenSearch domain. Deployed apart from the stateless stack
 * so functions, the workflow and the endpoint can be replaced freely without touching stored data.
 */
export class StatefulStack extends Stack {
  readonly names: ResourceNames;
  readonly uploadBucket: s3.Bucket;
  readonly artifactBucket: s3.Bucket;
  readonly reportsTable: dynamodb.Table;
  readonly idempotencyTable: dynamodb.Table;
  readonly profilesTable: dynamodb.Table;
  readonly searchDomain: opensearch.Domain;
  /** Attach to whoever publishes locally enrolled profiles (`mmdo enroll --publish`): nothing else may write them. */
  readonly profilePublisherPolicy: iam.ManagedPolicy;
  readonly webhooks?: WebhookSubscriptionTable;
  readonly partnerApi?: PartnerApiTables;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const names = (this.names = resourceNames(config.prefix));

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      bucketName: names.accessLogBucket,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy,
    });
    acknowledgeFindings(accessLogs, [
      { id: 'AwsSolutions-S1', reason: 'This is the server access log bucket; logging it into itself would loop.' },
    ]);

    // Any origin: a presigned URL or form is the credential (no cookies), so CORS only lets a page read what it holds a
    // link for. The page's CloudFront name is not known to this stack, which deploys first.
    const browserAccess = (methods: s3.HttpMethods[]): s3.CorsRule[] | undefined =>
      props.webPage ? [{ allowedOrigins: ['*'], allowedMethods: methods, allowedHeaders: ['*'], maxAge: 3600 }] : undefined;

    this.uploadBucket = new SecureBucket(this, 'Uploads', {
      bucketName: names.uploadBucket,
      accessLogs,
      removalPolicy,
      eventBridge: true,
      cors: browserAccess([s3.HttpMethods.POST]),
      lifecycleRules: [
        // Uploads are read once by the workflow, then kept for audit at the infrequent-access price.
        { id: 'uploads-to-ia', transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }] },
        { id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(30) },
      ],
    }).bucket;

    this.artifactBucket = new SecureBucket(this, 'Artifacts', {
      bucketName: names.artifactBucket,
      accessLogs,
      removalPolicy,
      // Reports' images by presigned link; enrolment images by presigned form.
      cors: browserAccess([s3.HttpMethods.GET, s3.HttpMethods.HEAD, s3.HttpMethods.POST]),
      lifecycleRules: [
        // Intermediate step outputs (tiles, features) are only needed while a workflow runs.
        { id: 'expire-work-files', prefix: 'work/', expiration: Duration.days(7) },
        { id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(30) },
      ],
    }).bucket;

    const tableDefaults = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    } as const;
    const str = dynamodb.AttributeType.STRING;

    // Reports: one item per report under its tenant; GSIs list a tenant's reports by batch and by time.
    this.reportsTable = new dynamodb.Table(this, 'Reports', {
      ...tableDefaults,
      tableName: names.reportsTable,
      partitionKey: { name: REPORTS_TABLE.partitionKey, type: str },
      sortKey: { name: REPORTS_TABLE.sortKey, type: str },
      timeToLiveAttribute: REPORTS_TABLE.ttlAttribute,
    });
    for (const index of [REPORTS_TABLE.byBatchIndex, REPORTS_TABLE.byTimeIndex]) {
      this.reportsTable.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: str },
        sortKey: { name: index.sortKey, type: str },
      });
    }

    // Powertools idempotency records (key `id`, TTL `expiration`: its defaults).
    this.idempotencyTable = new dynamodb.Table(this, 'Idempotency', {
      ...tableDefaults,
      tableName: names.idempotencyTable,
      partitionKey: { name: 'id', type: str },
      timeToLiveAttribute: 'expiration',
    });

    // Profile registry: versions by tenant and name; the memory banks themselves are objects in the artifact bucket.
    this.profilesTable = new dynamodb.Table(this, 'Profiles', {
      ...tableDefaults,
      tableName: names.profilesTable,
      partitionKey: { name: 'pk', type: str },
      sortKey: { name: 'sk', type: str },
    });

    this.searchDomain = this.createSearchDomain(config, names.searchDomain, removalPolicy);
    this.profilePublisherPolicy = this.createProfilePublisherPolicy();
    new CfnOutput(this, 'ArtifactBucketName', { value: this.artifactBucket.bucketName });
    new CfnOutput(this, 'ProfilesTableName', { value: this.profilesTable.tableName });
    new CfnOutput(this, 'SearchDomainUrl', { value: `https://${this.searchDomain.domainEndpoint}` });
    new CfnOutput(this, 'ProfilePublisherPolicyArn', { value: this.profilePublisherPolicy.managedPolicyArn });
    if (props.webhooks) this.webhooks = new WebhookSubscriptionTable(this, 'Webhooks', { prefix: config.prefix, removalPolicy });
    if (props.partnerApi) this.partnerApi = new PartnerApiTables(this, 'PartnerApi', { prefix: config.prefix, removalPolicy });
  }

  /**
   * What publishing a profile version does (S3ProfileStore.saveNewVersion + publishEmbeddings): query the registry
   * for the highest number, claim one with a conditional put, write the version's files, mark it ready; then put
   * the k-NN index template and bulk-index the enrolled images' embeddings. No reads of profile files, no deletes.
   */
  private createProfilePublisherPolicy(): iam.ManagedPolicy {
    const profileObjects = `${this.artifactBucket.bucketArn}/*/profiles/*`;
    const domain = this.searchDomain.domainArn;
    const policy = new iam.ManagedPolicy(this, 'ProfilePublisher', {
      description: 'MM-DO: publish profile versions (files, registry rows, image embeddings)',
      statements: [
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [profileObjects] }),
        new iam.PolicyStatement({ actions: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [this.profilesTable.tableArn] }),
        new iam.PolicyStatement({ actions: ['es:ESHttpPut'], resources: [`${domain}/_index_template/*`] }),
        new iam.PolicyStatement({ actions: ['es:ESHttpPost'], resources: [`${domain}/_bulk`] }),
      ],
    });
    acknowledgeFindings(policy, [
      { id: wildcardResourceFinding(this, profileObjects), reason: "Profile versions of any tenant (<tenant>/profiles/<name>/v<N>/...): the publisher names the tenant per call." },
      { id: wildcardResourceFinding(this, `${domain}/_index_template/*`), reason: 'The k-NN index template of the embedding index of the profile\'s backbone (one per backbone).' },
    ]);
    return policy;
  }

  /**
   * Image-level embeddings for novelty and nearest known samples (k-NN, faiss HNSW).
   * Public endpoint, IAM-only: every request must be SigV4-signed by a principal of this account whose own IAM
   * policy allows it (the workflow's roles). A VPC domain would force the Lambdas into the VPC and add NAT or
   * interface endpoints (a fixed hourly cost) for no gain in this design: there is no password or anonymous path.
   */
  private createSearchDomain(config: MmdoConfig, domainName: string, removalPolicy: RemovalPolicy): opensearch.Domain {
    const logGroup = (name: string) =>
      new logs.LogGroup(this, `Search${name}Logs`, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy });
    const slowSearchLogGroup = logGroup('SlowSearch');
    const slowIndexLogGroup = logGroup('SlowIndex');
    const appLogGroup = logGroup('App');
    // Our own logs resource policy: the L2's default deploys a custom-resource Lambda to write one.
    new logs.ResourcePolicy(this, 'SearchLogsPolicy', {
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('es.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [slowSearchLogGroup, slowIndexLogGroup, appLogGroup].map((g) => `${g.logGroupArn}`),
        }),
      ],
    });

    const multiAz = config.openSearchDataNodes > 1;
    const domain = new opensearch.Domain(this, 'Search', {
      domainName,
      version: opensearch.EngineVersion.OPENSEARCH_2_19,
      capacity: {
        dataNodes: config.openSearchDataNodes,
        dataNodeInstanceType: config.openSearchInstanceType,
        ...(config.openSearchMasterNodes > 0
          ? { masterNodes: config.openSearchMasterNodes, masterNodeInstanceType: config.openSearchInstanceType }
          : {}),
        multiAzWithStandbyEnabled: false,
      },
      zoneAwareness: multiAz ? { enabled: true, availabilityZoneCount: 2 } : { enabled: false },
      ebs: { volumeSize: config.openSearchVolumeGb, volumeType: ec2.EbsDeviceVolumeType.GP3 },
      encryptionAtRest: { enabled: true },
      nodeToNodeEncryption: true,
      enforceHttps: true,
      tlsSecurityPolicy: opensearch.TLSSecurityPolicy.TLS_1_2,
      logging: {
        slowSearchLogEnabled: true,
        slowSearchLogGroup,
        slowIndexLogEnabled: true,
        slowIndexLogGroup,
        appLogEnabled: true,
        appLogGroup,
      },
      suppressLogsResourcePolicy: true,
      removalPolicy,
    });
    // Access policy on the L1 resource (the L2 prop deploys a custom-resource Lambda): the account, so that
    // identity policies decide; no anonymous or IP-based access.
    const cfn = domain.node.defaultChild as opensearch.CfnDomain;
    cfn.accessPolicies = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          principals: [new iam.AccountRootPrincipal()],
          actions: ['es:ESHttp*'],
          resources: [this.formatArn({ service: 'es', resource: 'domain', resourceName: `${domainName}/*` })],
        }),
      ],
    }).toJSON();

    acknowledgeFindings(domain, [
      { id: 'AwsSolutions-OS1', reason: 'IAM-only access with SigV4 (see createSearchDomain); a VPC would add NAT/endpoint hourly cost and VPC Lambdas for no extra protection.' },
      { id: 'AwsSolutions-OS3', reason: 'Access is restricted by IAM principal (account identity policies), not by IP: callers are Lambda functions without fixed addresses.' },
      ...(config.openSearchMasterNodes > 0
        ? []
        : [{ id: 'AwsSolutions-OS4', reason: 'Small k-NN domain of image-level embeddings; dedicated masters are a context switch (mmdo:openSearchMasterNodes=3) for production scale.' }]),
      ...(multiAz
        ? []
        : [{ id: 'AwsSolutions-OS7', reason: 'Single-node development domain chosen by context (mmdo:openSearchDataNodes=1); the default is two nodes across two AZs.' }]),
    ]);
    return domain;
  }
}

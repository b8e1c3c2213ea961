import type { Node } from 'constructs';

/** Deploy-time knobs read from CDK context (`cdk.json` or `-c key=value`); each has a working default. */
export interface MmdoConfig {
  /** Prefix of every physical resource name (see resource-names.ts); change it to deploy a second copy. */
  readonly prefix: string;
  /** OpenSearch data node instance type; memory-optimised because HNSW graphs live in native memory. */
  readonly openSearchInstanceType: string;
  readonly openSearchDataNodes: number;
  /** 0 for none (development); 3 recommended for production. */
  readonly openSearchMasterNodes: number;
  readonly openSearchVolumeGb: number;
  /** Default value of the `GpuInstanceType` stack parameter. */
  readonly gpuInstanceType: string;
  readonly gpuInstanceCount: number;
  readonly backbone: string;
  readonly coresetRatio: number;
  /** ECR repository (in this account and region) holding the model container image, and its tag. */
  readonly modelRepositoryName: string;
  readonly modelImageTag: string;
  /** Lambda layer providing `sharp` for linux-arm64 to the steps that decode or encode images. */
  readonly sharpLayerArn?: string;
  readonly alarmEmail?: string;
  /** `retain` keeps buckets, tables and the domain when the stack is deleted. */
  readonly removalPolicy: 'retain' | 'destroy';
  /** The web page on S3 + CloudFront, same origin as the partner API (`false`: the API only). */
  readonly webPage: boolean;
  /** The page's own host name and an ACM certificate for it in us-east-1 (both or neither): TLS 1.2+ for viewers. */
  readonly webDomainName?: string;
  readonly webCertificateArn?: string;
  /** A WAF web ACL (CLOUDFRONT scope, us-east-1) for the page's distribution. */
  readonly webAclArn?: string;
}

export const DEFAULT_CONFIG: MmdoConfig = {
  prefix: 'mmdo',
  openSearchInstanceType: 'r6g.large.search',
  openSearchDataNodes: 2,
  openSearchMasterNodes: 0,
  openSearchVolumeGb: 20,
  gpuInstanceType: 'ml.g5.xlarge',
  gpuInstanceCount: 1,
  backbone: 'wide_resnet50_2',
  coresetRatio: 0.1,
  modelRepositoryName: 'mmdo-model',
  modelImageTag: 'latest',
  removalPolicy: 'retain',
  webPage: true,
};

/** Reads `mmdo:<key>` context values over the defaults; numbers arrive as strings from `-c`. */
export function configFromContext(node: Node): MmdoConfig {
  const text = (key: keyof MmdoConfig): string | undefined => {
    const value: unknown = node.tryGetContext(`mmdo:${key}`);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const num = (key: keyof MmdoConfig, fallback: number): number => {
    const raw = text(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`context mmdo:${key} must be a number, got '${raw}'`);
    return value;
  };
  const flag = (key: keyof MmdoConfig, fallback: boolean): boolean => {
    const raw = text(key);
    if (raw === undefined) return fallback;
    if (raw !== 'true' && raw !== 'false') throw new Error(`context mmdo:${key} must be true or false, got '${raw}'`);
    return raw === 'true';
  };
  const webDomainName = text('webDomainName');
  const webCertificateArn = text('webCertificateArn');
  if (Boolean(webDomainName) !== Boolean(webCertificateArn)) throw new Error('context mmdo:webDomainName and mmdo:webCertificateArn go together');
  // CloudFront takes viewer certificates from us-east-1 only.
  if (webCertificateArn && !/^arn:aws[\w-]*:acm:us-east-1:/.test(webCertificateArn)) throw new Error('context mmdo:webCertificateArn must be an ACM certificate in us-east-1');
  const removal = text('removalPolicy') ?? DEFAULT_CONFIG.removalPolicy;
  if (removal !== 'retain' && removal !== 'destroy') throw new Error(`context mmdo:removalPolicy must be retain or destroy`);
  return {
    prefix: text('prefix') ?? DEFAULT_CONFIG.prefix,
    openSearchInstanceType: text('openSearchInstanceType') ?? DEFAULT_CONFIG.openSearchInstanceType,
    openSearchDataNodes: num('openSearchDataNodes', DEFAULT_CONFIG.openSearchDataNodes),
    openSearchMasterNodes: num('openSearchMasterNodes', DEFAULT_CONFIG.openSearchMasterNodes),
    openSearchVolumeGb: num('openSearchVolumeGb', DEFAULT_CONFIG.openSearchVolumeGb),
    gpuInstanceType: text('gpuInstanceType') ?? DEFAULT_CONFIG.gpuInstanceType,
    gpuInstanceCount: num('gpuInstanceCount', DEFAULT_CONFIG.gpuInstanceCount),
    backbone: text('backbone') ?? DEFAULT_CONFIG.backbone,
    coresetRatio: num('coresetRatio', DEFAULT_CONFIG.coresetRatio),
    modelRepositoryName: text('modelRepositoryName') ?? DEFAULT_CONFIG.modelRepositoryName,
    modelImageTag: text('modelImageTag') ?? DEFAULT_CONFIG.modelImageTag,
    sharpLayerArn: text('sharpLayerArn'),
    alarmEmail: text('alarmEmail'),
    removalPolicy: removal,
    webPage: flag('webPage', DEFAULT_CONFIG.webPage),
    webDomainName,
    webCertificateArn,
    webAclArn: text('webAclArn'),
  };
}

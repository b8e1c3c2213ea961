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
  };
}

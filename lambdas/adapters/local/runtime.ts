import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { BankIndexCache } from '../../application/bank-index-cache.js';
import type { EnrollmentService, InspectionService, InspectionStage } from '../../application/contracts.js';
import { Enrollment, type EnrollmentSettings } from '../../application/enroll.js';
import { Inspection, type InspectionSettings } from '../../application/inspect.js';
import { MicrostructureStage } from '../../application/stages/microstructure-stage.js';
import type { Backbone } from '../../ports/backbone.js';
import type { ImageDecoder, ImageEncoder } from '../../ports/image-codec.js';
import type { VectorIndexFactory } from '../../ports/vector-index.js';
import { SharpImageDecoder } from './image/sharp-image-decoder.js';
import { SharpImageEncoder } from './image/sharp-image-encoder.js';
import { loadBackbone } from './onnx/model-store.js';
import { FileArtifactStore } from './store/artifact-store.js';
import { FileProfileStore } from './store/profile-store.js';
import { SqliteReportStore } from './store/report-store.js';
import { LocalVectorIndexFactory } from './vector-index/index.js';

/** Settings from the environment, validated once at start-up. */
export const LocalConfigSchema = z.object({
  /** Where all state lives: profiles, reports, artifacts, pulled models. */
  home: z.string().min(1),
  /** ONNX backbone (file, folder or pulled model name); unset means the built-in filter bank. */
  backbone: z.string().min(1).optional(),
  /** Memory banks larger than this are searched with the approximate (HNSW) index. */
  approximateAbove: z.coerce.number().int().positive(),
  /**
   * Tile side for the backbone. One 1024² tile costs less than the nine overlapping 512² tiles that would
   * cover the same image, and fully convolutional backbones accept any multiple of their stride.
   */
  tileSize: z.coerce.number().int().min(32).max(8192),
});
export type LocalConfig = z.infer<typeof LocalConfigSchema>;

export function configFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<LocalConfig> = {}): LocalConfig {
  return LocalConfigSchema.parse({
    home: resolve(overrides.home ?? env.MMDO_HOME ?? join(homedir(), '.mmdo')),
    backbone: overrides.backbone ?? (env.MMDO_BACKBONE || undefined),
    approximateAbove: overrides.approximateAbove ?? env.MMDO_APPROXIMATE_ABOVE ?? 50000,
    tileSize: overrides.tileSize ?? env.MMDO_TILE_SIZE ?? 1024,
  });
}

export interface LocalRuntimeOptions {
  /** Overrides MMDO_HOME. */
  readonly home?: string;
  /** Overrides MMDO_BACKBONE ('builtin' forces the built-in filter bank). */
  readonly backboneOverride?: string;
  readonly enrollment?: Partial<EnrollmentSettings>;
  readonly inspection?: Partial<InspectionSettings>;
  /** Inspection stages after patch scoring; default: the microstructure and consistency stage. */
  readonly stages?: readonly InspectionStage[];
  readonly env?: NodeJS.ProcessEnv;
}

export interface LocalRuntime {
  readonly config: LocalConfig;
  readonly decoder: ImageDecoder;
  readonly encoder: ImageEncoder;
  readonly backbone: Backbone;
  readonly vectorIndexes: VectorIndexFactory;
  readonly profiles: FileProfileStore;
  readonly reports: SqliteReportStore;
  readonly artifacts: FileArtifactStore;
  readonly enrollment: EnrollmentService;
  readonly inspections: InspectionService;
  /** Where an artifact key lives on disk (for people: the CLI prints it). */
  artifactPath(key: string): string;
  close(): Promise<void>;
}

/**
 * The composition root for one machine: sharp codec, ONNX backbone (MMDO_BACKBONE or built-in), in-process
 * vector index, profiles and artifacts as files, reports in SQLite, all under MMDO_HOME.
 */
export async function createLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const config = configFromEnv(options.env ?? process.env, {
    ...(options.home ? { home: options.home } : {}),
    ...(options.backboneOverride ? { backbone: options.backboneOverride } : {}),
  });
  const backbone = await loadBackbone({ ...(config.backbone ? { model: config.backbone } : { model: 'builtin' }), home: config.home });
  const decoder = new SharpImageDecoder();
  const encoder = new SharpImageEncoder();
  const vectorIndexes = new LocalVectorIndexFactory();
  const profiles = new FileProfileStore(join(config.home, 'profiles'));
  const reports = new SqliteReportStore(join(config.home, 'reports.sqlite'));
  const artifacts = new FileArtifactStore(join(config.home, 'artifacts'));
  const bank = new BankIndexCache(profiles, vectorIndexes, (size) => (size > config.approximateAbove ? 'approximate' : 'exact'));
  const tiling = { tileSize: Math.max(config.tileSize, backbone.descriptor.sizeMultiple) };
  const enrollment = new Enrollment({ decoder, backbone, vectorIndexes, profiles, artifacts }, { tiling, ...options.enrollment });
  const inspections = new Inspection(
    { decoder, encoder, backbone, bank, reports, artifacts, stages: options.stages ?? [new MicrostructureStage()] },
    { tiling, ...options.inspection },
  );
  return {
    config,
    decoder,
    encoder,
    backbone,
    vectorIndexes,
    profiles,
    reports,
    artifacts,
    enrollment,
    inspections,
    artifactPath: (key) => artifacts.pathOf(key),
    async close() {
      await bank.dispose();
      await backbone.dispose();
      reports.close();
    },
  };
}

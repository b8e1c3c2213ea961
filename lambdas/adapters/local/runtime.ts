import { homedir } from 'node:os';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import { z } from 'zod';
import type { EnrollmentService, InspectionService } from '../../application/contracts.js';
import { Enrollment, type EnrollmentSettings } from '../../application/enroll.js';
import { LocalPipeline } from '../../application/pipeline/run-local.js';
import { pipelineRescorer, type Rescorer } from '../../application/feedback/rescore.js';
import type { DomainOffload } from '../../application/pipeline/deps.js';
import type { Backbone } from '../../ports/backbone.js';
import { DEFAULT_INGEST_LIMITS, type ImageDecoder, type ImageEncoder, type IngestLimits } from '../../ports/image-codec.js';
import type { VectorIndexFactory } from '../../ports/vector-index.js';
import { MemoryScratch } from '../scratch/memory-scratch.js';
import { SpillScratch } from '../../local/spill-scratch.js';
import { BankIndexCache } from '../scoring/bank-index-cache.js';
import { SharpImageDecoder } from '../image/sharp-image-decoder.js';
import { SharpImageEncoder } from '../image/sharp-image-encoder.js';
import { InProcessPatchScorer } from '../scoring/in-process-patch-scorer.js';
import { evaluationWorkspace } from './evaluation/workspace.js';
import { loadBackbone } from '../onnx/model-store.js';
import { FileArtifactStore } from '../files/file-artifact-store.js';
import { FileProfileStore } from './store/profile-store.js';
import { SqliteReportStore } from './store/report-store.js';
import { SqliteHistoryStore } from './store/history-store.js';
import { SqliteFeedbackStore } from './store/feedback-store.js';
import { ReportHistory } from '../report-history.js';
import { LocalVectorIndexFactory } from './vector-index/index.js';
import { DomainWorker } from '../../local/domain-worker.js';
import { collectGarbage } from '../../local/collect-garbage.js';
import { ProfileEmbeddingIndex } from '../scoring/profile-embeddings.js';

/** Settings from the environment, validated once at start-up. */
export const LocalConfigSchema = z.object({
  /** Where all state lives: profiles, reports, artifacts, pulled models. */
  home: z.string().min(1),
  /** ONNX backbone (file, folder or pulled model name); unset means the built-in filter bank. */
  backbone: z.string().min(1).optional(),
  /** Memory banks larger than this are searched with the approximate (HNSW) index. */
  approximateAbove: z.coerce.number().int().positive(),
  /** Tile side new profiles are enrolled with (each profile version records its own; inspection follows it). */
  tileSize: z.coerce.number().int().min(32).max(8192).optional(),
});
export type LocalConfig = z.infer<typeof LocalConfigSchema>;

export function configFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<LocalConfig> = {}): LocalConfig {
  return LocalConfigSchema.parse({
    home: resolve(overrides.home ?? env.MMDO_HOME ?? join(homedir(), '.mmdo')),
    backbone: overrides.backbone ?? (env.MMDO_BACKBONE || undefined),
    approximateAbove: overrides.approximateAbove ?? env.MMDO_APPROXIMATE_ABOVE ?? 50000,
    tileSize: overrides.tileSize ?? (env.MMDO_TILE_SIZE || undefined),
  });
}

export interface LocalRuntimeOptions {
  /** Overrides MMDO_HOME. */
  readonly home?: string;
  /** Overrides MMDO_BACKBONE ('builtin' forces the built-in filter bank). */
  readonly backboneOverride?: string;
  readonly enrollment?: Partial<EnrollmentSettings>;
  readonly limits?: IngestLimits;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Where the stages' heavy domain work runs: a domain thread of this runtime (default), `null` for this thread (as
   * in the cloud), or the given port (tests).
   */
  readonly offload?: DomainOffload | null;
  /** Images with more pixels than this run their stages one at a time (default: DEFAULT_OVERLAP_MAX_PIXELS). */
  readonly overlapMaxPixels?: number;
}

/** MMDO_DOMAIN_THREAD=0 runs the stages' domain work in the runtime's own thread (as the cloud does). */
function domainThreadWanted(env: NodeJS.ProcessEnv): boolean {
  return env.MMDO_DOMAIN_THREAD !== '0';
}

export interface LocalRuntime {
  readonly config: LocalConfig;
  readonly decoder: ImageDecoder;
  readonly encoder: ImageEncoder;
  readonly backbone: Backbone;
  readonly vectorIndexes: VectorIndexFactory;
  readonly profiles: FileProfileStore;
  readonly reports: SqliteReportStore;
  /** Cycling histories attached to batches (forecasts). */
  readonly histories: SqliteHistoryStore;
  /** Expert judgements of reports and the recalibrations made from them (in reports.sqlite). */
  readonly feedback: SqliteFeedbackStore;
  /** Scores an image against a profile version without writing a report (recalibration, the feedback simulation). */
  readonly rescorer: Rescorer;
  readonly artifacts: FileArtifactStore;
  readonly enrollment: EnrollmentService;
  readonly inspections: InspectionService;
  /** Where an artifact key lives on disk (for people: the CLI prints it). */
  artifactPath(key: string): string;
  close(): Promise<void>;
}

/**
 * The composition root for one machine: sharp codec, ONNX backbone (MMDO_BACKBONE or built-in), in-process
 * memory-bank index and embeddings, profiles and artifacts as files, reports in SQLite, all under MMDO_HOME; the
 * inspection pipeline runs all its stages in this process.
 */
export async function createLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const config = configFromEnv(options.env ?? process.env, {
    ...(options.home ? { home: options.home } : {}),
    ...(options.backboneOverride ? { backbone: options.backboneOverride } : {}),
  });
  const backbone = await loadBackbone({ ...(config.backbone ? { model: config.backbone } : { model: 'builtin' }), home: config.home });
  const limits = options.limits ?? DEFAULT_INGEST_LIMITS;
  const decoder = new SharpImageDecoder();
  const encoder = new SharpImageEncoder();
  const vectorIndexes = new LocalVectorIndexFactory();
  const profiles = new FileProfileStore(join(config.home, 'profiles'));
  const reports = new SqliteReportStore(join(config.home, 'reports.sqlite'));
  const histories = new SqliteHistoryStore(join(config.home, 'reports.sqlite'));
  const feedback = new SqliteFeedbackStore(join(config.home, 'reports.sqlite'));
  const artifacts = new FileArtifactStore(join(config.home, 'artifacts'));
  const banks = new BankIndexCache(profiles, vectorIndexes, (size) => (size > config.approximateAbove ? 'approximate' : 'exact'));
  const recipe = options.enrollment?.recipe ?? {};
  const workspace = () => evaluationWorkspace(backbone, 'exact');
  const enrollment = new Enrollment({ decoder, backbone, vectorIndexes, profiles, artifacts, workspace, encoder }, {
    limits,
    ...options.enrollment,
    recipe: { ...recipe, settings: { ...(config.tileSize ? { tileSize: Math.max(config.tileSize, backbone.descriptor.sizeMultiple) } : {}), ...recipe.settings } },
  });
  const scorer = new InProcessPatchScorer(backbone, banks);
  const embeddings = new ProfileEmbeddingIndex(profiles);
  const spillRoot = join(config.home, 'scratch');
  SpillScratch.sweepOrphans(spillRoot);
  const spillDir = SpillScratch.runtimeDir(spillRoot, threadId);
  // The microstructure analysis and the density's views run on a second thread beside normalise, embed and the patch
  // search (started on first use).
  const worker = options.offload === undefined && domainThreadWanted(options.env ?? process.env) ? new DomainWorker({
    backbone: backbone.source, ...(options.overlapMaxPixels !== undefined ? { densityMaxPixels: options.overlapMaxPixels } : {}),
  }) : undefined;
  const offload = worker ?? options.offload ?? undefined;
  const inspections = new LocalPipeline({
    profiles,
    decoder,
    encoder,
    scorer: async () => scorer,
    embeddings: () => embeddings,
    // Rasters of 16 MB and more (2048² and up) wait on local disk between stages rather than in memory.
    scratch: () => new SpillScratch(spillDir),
    artifacts,
    reports,
    history: new ReportHistory(reports, histories),
    limits,
    ...(offload ? { offload } : {}),
    collectGarbage,
    ...(options.overlapMaxPixels !== undefined ? { overlapMaxPixels: options.overlapMaxPixels } : {}),
  });
  const rescorer = pipelineRescorer({ profiles, decoder, scorer: async () => scorer, embeddings: () => embeddings, scratch: () => new MemoryScratch(), limits });
  return {
    config,
    decoder,
    encoder,
    backbone,
    vectorIndexes,
    profiles,
    reports,
    histories,
    feedback,
    rescorer,
    artifacts,
    enrollment,
    inspections,
    artifactPath: (key) => artifacts.pathOf(key),
    async close() {
      await worker?.close();
      rmSync(spillDir, { recursive: true, force: true });
      await banks.dispose();
      await backbone.dispose();
      histories.close();
      feedback.close();
      reports.close();
    },
  };
}

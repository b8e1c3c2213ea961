import type { BackboneDescriptor } from '../../ports/backbone.js';
import type { EmbeddingIndex } from '../../ports/embedding-index.js';
import type { InspectionHistory } from '../../ports/history.js';
import type { ImageDecoder, ImageEncoder, IngestLimits } from '../../ports/image-codec.js';
import type { InputSource, OnceReportStore, ProfileCatalog } from '../../ports/inspection.js';
import type { PatchScorer } from '../../ports/patch-scorer.js';
import type { Scratch } from '../../ports/scratch.js';
import type { ArtifactStore } from '../../ports/stores.js';
import type { GreyImage } from '../../domain/image/grey-image.js';
import type { AnalyseOptions, MicrostructureAnalysis } from '../../domain/microstructure/index.js';
import type { DensityFeatures, DensityRequest } from '../density.js';

/**
 * Where a stage's heavy synchronous domain work runs when not on the stage's own thread: the local runtime's domain
 * thread (lambdas/local/domain-worker.ts), so that it overlaps the stages that wait on the backbone on another core.
 * Each method returns exactly what the domain function it stands for returns in process.
 */
export interface DomainOffload {
  /** analyseMicrostructure(image, options). The image's data is not changed (it may be copied or shared). */
  microstructure(image: GreyImage, options: AnalyseOptions): Promise<MicrostructureAnalysis>;
  /**
   * densityOfOriginal(the backbone with this sha256, image, request) (application/density.ts), on the offload's own
   * copy of the backbone, so the density's views run beside the patch path; or `inProcess()` where the offload sees
   * no gain (another backbone, an image too large to overlap). Absent: the stage runs it in process.
   */
  density?(image: GreyImage, request: DensityRequest, backboneSha256: string, inProcess: () => Promise<DensityFeatures>): Promise<DensityFeatures>;
  /** Gets ready for work (starts a thread) while the caller does something else; optional. */
  warm?(): void;
}

/** The ports the stages use; each runner wires its own adapters (local: in process; cloud: per step). */
export interface PipelineDeps {
  readonly inputs: InputSource;
  readonly profiles: ProfileCatalog;
  readonly decoder: ImageDecoder;
  readonly encoder: ImageEncoder;
  /** Backbone + memory-bank search (made on first use: the cloud's is described by the endpoint). */
  readonly scorer: () => Promise<PatchScorer>;
  /** The image-embedding index of a backbone (dimensions differ between backbones). */
  readonly embeddings: (backbone: Pick<BackboneDescriptor, 'id' | 'sha256'>, dim: number) => EmbeddingIndex;
  readonly scratch: Scratch;
  readonly artifacts: ArtifactStore;
  readonly reports: OnceReportStore;
  /** Earlier inspections and attached cycling histories (replicates, forecasts). */
  readonly history: InspectionHistory;
  readonly limits: IngestLimits;
  /** Heavy domain work on another thread (the local runtime); absent: the stage runs it in process (the cloud). */
  readonly offload?: DomainOffload;
}

import type { EmbeddingIndex } from '../ports/embedding-index.js';
import { DEFAULT_INGEST_LIMITS, type ImageDecoder, type ImageEncoder, type IngestLimits } from '../ports/image-codec.js';
import type { ProfileCatalog } from '../ports/inspection.js';
import type { PatchScorer } from '../ports/patch-scorer.js';
import type { Scratch } from '../ports/scratch.js';
import type { ArtifactStore, ProfileStore } from '../ports/stores.js';
import type { DomainOffload, PipelineDeps } from './pipeline/deps.js';

/**
 * A profile built only to be measured (evaluation, the operating point at enrolment, tuning) and the pipeline ports
 * that score against it: in memory on one machine (lambdas/adapters/local/evaluation/workspace.ts).
 */
export interface ScoringWorkspace {
  readonly profiles: ProfileStore & ProfileCatalog;
  readonly scorer: PatchScorer;
  readonly embeddings: EmbeddingIndex;
  readonly scratch: () => Scratch;
  /** Heavy domain work on another thread (PipelineDeps.offload; a local workspace's domain thread); absent: in process. */
  readonly offload?: DomainOffload;
  dispose(): Promise<void>;
}

/** A port the scoring stages never call (scoring renders and writes nothing). */
function unused<T>(name: string): T {
  return new Proxy({}, { get: () => () => Promise.reject(new Error(`scoring does not use the ${name} port`)) }) as T;
}

/**
 * The pipeline's ports for the scoring stages (ingest to fuse) of one image's bytes against a workspace's profile:
 * images measured this way are unrelated fields, so there are no replicates and no cycling histories.
 */
export function scoringDeps(workspace: ScoringWorkspace, decoder: ImageDecoder, bytes: Uint8Array, limits: IngestLimits = DEFAULT_INGEST_LIMITS): PipelineDeps {
  return {
    inputs: { read: async () => ({ bytes }) },
    profiles: workspace.profiles,
    decoder,
    encoder: unused<ImageEncoder>('encoder'),
    scorer: async () => workspace.scorer,
    embeddings: () => workspace.embeddings,
    scratch: workspace.scratch(),
    artifacts: unused<ArtifactStore>('artifacts'),
    reports: unused<PipelineDeps['reports']>('reports'),
    history: { replicates: async () => [], cyclingHistories: async () => [] },
    limits,
    ...(workspace.offload ? { offload: workspace.offload } : {}),
  };
}

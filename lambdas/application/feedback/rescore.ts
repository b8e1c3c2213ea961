import type { ScoreComponent, Verdict } from '../../domain/report/report.js';
import type { ImageEncoder } from '../../ports/image-codec.js';
import type { Scratch } from '../../ports/scratch.js';
import type { ArtifactStore } from '../../ports/stores.js';
import { SCORING_STAGES } from '../pipeline/definition.js';
import type { PipelineDeps } from '../pipeline/deps.js';
import { reasonOf, StageFailure } from '../pipeline/failure.js';
import { runStages } from '../pipeline/run-stages.js';

export interface ScoreRequest {
  readonly tenant: string;
  readonly profile: string;
  readonly version: number;
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The synthesis sheet the report was made with (the consistency component reads it). */
  readonly metadata?: Record<string, unknown> | null;
  /** A pixel size the caller declared for the report. */
  readonly pixelSizeUm?: number;
}

export type ScoreOutcome =
  | { readonly score: number; readonly verdict: Verdict; readonly thresholds: { readonly suspect: number; readonly anomalous: number }; readonly components: ScoreComponent[] }
  | { readonly failure: { readonly code: string; readonly message: string } };

/** Scores an image against a profile version without writing a report (the pipeline's scoring stages). */
export interface Rescorer {
  score(request: ScoreRequest): Promise<ScoreOutcome>;
}

export type RescorerDeps = Pick<PipelineDeps, 'profiles' | 'decoder' | 'scorer' | 'embeddings' | 'limits'> & {
  /** A fresh scratch per image. */
  readonly scratch: () => Scratch;
};

/**
 * The scoring stages (ingest to fuse) over one image, as evaluation runs them: the same components and fusion a
 * report of that version would carry, with no replicates or cycling histories (recalibration and the feedback
 * simulation score single images), nothing rendered and nothing stored.
 */
export function pipelineRescorer(deps: RescorerDeps): Rescorer {
  return {
    async score(request) {
      const pipeline: PipelineDeps = {
        ...deps,
        inputs: { read: async () => ({ bytes: request.bytes }) },
        scratch: deps.scratch(),
        encoder: unused<ImageEncoder>('encoder'),
        artifacts: unused<ArtifactStore>('artifacts'),
        reports: unused<PipelineDeps['reports']>('reports'),
        history: { replicates: async () => [], cyclingHistories: async () => [] },
      };
      const job = {
        tenant: request.tenant,
        reportId: `rescore-${request.name}`,
        createdAt: new Date().toISOString(),
        name: request.name,
        profile: { name: request.profile, version: request.version },
        input: { bucket: 'rescore', key: request.name, size: request.bytes.byteLength },
        ...(request.pixelSizeUm !== undefined ? { pixelSizeUm: request.pixelSizeUm } : {}),
        ...(request.metadata ? { metadata: request.metadata } : {}),
      };
      try {
        const state = await runStages({ job, timingsMs: {} }, SCORING_STAGES, pipeline);
        const fused = state.fuse!;
        return { score: fused.score, verdict: fused.verdict, thresholds: fused.thresholds, components: fused.components };
      } catch (error) {
        if (!(error instanceof StageFailure)) throw error;
        const { code, message } = reasonOf(error.cause, error.stage);
        return { failure: { code, message } };
      }
    },
  };
}

/** A port the scoring stages never call. */
function unused<T>(name: string): T {
  return new Proxy({}, { get: () => () => Promise.reject(new Error(`rescoring does not use the ${name} port`)) }) as T;
}

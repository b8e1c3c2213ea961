import { randomUUID } from 'node:crypto';
import type { Report } from '../../domain/report/report.js';
import type { Scratch } from '../../ports/scratch.js';
import type { InspectionService, InspectRequest, ProgressListener } from '../contracts.js';
import { STAGES } from './definition.js';
import type { PipelineDeps } from './deps.js';
import { failedReport, reasonOf, StageFailure } from './failure.js';
import { runStages, type RunStagesOptions } from './run-stages.js';
import type { InspectionState, Job } from './state.js';

/** Where the local runner keeps an inspected image's bytes (by content hash: the same image is kept once). */
export function inputKey(tenant: string, sha256: string): string {
  return `${tenant}/inputs/${sha256}`;
}

export type LocalPipelineDeps = Omit<PipelineDeps, 'inputs' | 'scratch'> & {
  /** A fresh scratch per inspection (in memory, or spilling large rasters to disk); disposed of when it is done. */
  readonly scratch: () => Scratch & { dispose?(): void };
  /**
   * Images with more pixels than this run their stages one at a time rather than side by side (default 4096²): a
   * 64 MP image's stages each hold a gigabyte or more, so overlapping them would add those up.
   */
  readonly overlapMaxPixels?: number;
  /** Collects this thread's garbage: called between the stages of an image that runs them one at a time. */
  readonly collectGarbage?: () => void;
};

/** Above this, an image's stages run one at a time (LocalPipelineDeps.overlapMaxPixels). */
export const DEFAULT_OVERLAP_MAX_PIXELS = 4096 * 4096;

/**
 * The pipeline run in process, every stage on this machine (the local service, the CLI, evaluation): the same stage
 * functions the cloud steps run. Bad input does not throw: it ends in a stored failed report that names the stage,
 * its code and a message, so nothing accepted is lost silently.
 */
export class LocalPipeline implements InspectionService {
  constructor(private readonly deps: LocalPipelineDeps) {}

  async inspect(request: InspectRequest, progress: ProgressListener = () => {}): Promise<Report> {
    const job: Job = {
      tenant: request.tenant,
      reportId: request.reportId ?? randomUUID(),
      createdAt: new Date().toISOString(),
      name: request.name,
      profile: { name: request.profile, ...(request.profileVersion !== undefined ? { version: request.profileVersion } : {}) },
      input: { bucket: 'local', key: request.name, size: request.bytes.byteLength },
      ...(request.pixelSizeUm !== undefined ? { pixelSizeUm: request.pixelSizeUm } : {}),
      ...(request.metadata !== undefined ? { metadata: request.metadata } : {}),
    };
    this.deps.offload?.warm?.();
    const { scratch: makeScratch, overlapMaxPixels = DEFAULT_OVERLAP_MAX_PIXELS, collectGarbage, ...ports } = this.deps;
    const scratch = makeScratch();
    const deps: PipelineDeps = { ...ports, inputs: { read: async () => ({ bytes: request.bytes }) }, scratch };
    const large = (state: InspectionState) => {
      const input = state.ingest?.input;
      return Boolean(input?.width && input.height && input.width * input.height > overlapMaxPixels);
    };
    const options: RunStagesOptions = {
      maxParallel: (state) => (large(state) ? 1 : Infinity),
      ...(collectGarbage ? {
        beforeStart: async (_: unknown, state: InspectionState) => {
          if (!large(state)) return;
          collectGarbage();
          // The collected buffers' memory is handed back in a task of V8's own: one turn of the event loop lets it
          // run before the stage allocates (64 MP, normalise: 2.05-2.10 GB without it, 1.77 with it).
          await new Promise((resolve) => setImmediate(resolve));
        },
      } : {}),
    };
    try {
      await runStages({ job, timingsMs: {} }, STAGES, deps, progress, options);
    } catch (error) {
      if (!(error instanceof StageFailure)) throw error;
      const report = failedReport(error.state, reasonOf(error.cause, error.stage));
      await this.deps.reports.putOnce(report);
      progress('done', 1);
      return report;
    } finally {
      scratch.dispose?.();
    }
    // The stored report: this run's, or the one an earlier run of the same id completed.
    const stored = await this.deps.reports.get(job.tenant, job.reportId);
    if (!stored) throw new Error(`report ${job.reportId} was written but cannot be read back`);
    // Kept by content so an expert can later promote a confirmed normal into the bank (the cloud keeps uploads).
    await this.deps.artifacts.put(inputKey(job.tenant, stored.input.sha256), request.bytes, 'application/octet-stream');
    progress('done', 1);
    return stored;
  }
}

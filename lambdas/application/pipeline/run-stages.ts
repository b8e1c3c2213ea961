import type { ProgressListener } from '../contracts.js';
import type { StageInfo, StageName } from './definition.js';
import type { PipelineDeps } from './deps.js';
import { StageFailure } from './failure.js';
import { STAGE_FUNCTIONS } from './stages/index.js';
import type { InspectionState } from './state.js';

export interface RunStagesOptions {
  /**
   * How many stages may run at once, asked before each start with the state so far (default: no limit). The local
   * runner runs a very large image's stages one at a time, so that their working memory is not held all at once.
   */
  readonly maxParallel?: (state: InspectionState) => number;
  /** Called before a stage starts, with the state so far (the local runner collects garbage between a large image's stages). */
  readonly beforeStart?: (stage: StageName, state: InspectionState) => void;
}

/**
 * Runs stages over a state: each starts once the stages it needs (among those given) are done, so independent
 * ones overlap (microstructure measures while the backbone runs). Results go under the stage's name, durations
 * under `timingsMs`. A failing stage ends the run with a StageFailure once the others in flight have settled.
 * Ready stages start in the definition's order.
 */
export async function runStages(
  initial: InspectionState, stages: readonly StageInfo[], deps: PipelineDeps, progress: ProgressListener = () => {},
  options: RunStagesOptions = {},
): Promise<InspectionState> {
  let state = initial;
  const pending = new Map(stages.map((s) => [s.name, s]));
  const running = new Map<StageName, Promise<void>>();
  let failure: StageFailure | undefined;
  let done = 0; // progress never goes back when overlapping stages start out of order
  const start = (stage: StageInfo) => {
    pending.delete(stage.name);
    options.beforeStart?.(stage.name, state);
    done = Math.max(done, stage.progress);
    progress(stage.name, done);
    const started = performance.now();
    const from = state;
    const run = (STAGE_FUNCTIONS[stage.name] as (s: InspectionState, d: PipelineDeps) => Promise<unknown>)(from, deps).then(
      (result) => {
        state = { ...state, [stage.name]: result, timingsMs: { ...state.timingsMs, [stage.name]: performance.now() - started } };
      },
      (error: unknown) => {
        failure ??= new StageFailure(stage.name, error, { ...state, timingsMs: { ...state.timingsMs, [stage.name]: performance.now() - started } });
      },
    ).finally(() => running.delete(stage.name));
    running.set(stage.name, run);
  };
  while (pending.size > 0 || running.size > 0) {
    if (!failure) {
      const limit = options.maxParallel?.(state) ?? Infinity;
      for (const stage of [...pending.values()]) {
        if (running.size >= limit) break;
        if (stage.needs.every((n) => !pending.has(n) && !running.has(n))) start(stage);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (failure) throw failure;
  return state;
}

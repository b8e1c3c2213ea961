import type { ProgressListener } from '../contracts.js';
import type { ProfileCatalog, ProfileDescription } from '../../ports/inspection.js';
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
  /**
   * Called before a stage starts, with the state so far; the stage waits for it (the local runner collects garbage
   * between a large image's stages).
   */
  readonly beforeStart?: (stage: StageName, state: InspectionState) => void | Promise<void>;
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
  const run = { ...deps, profiles: describingOnce(deps.profiles) };
  const pending = new Map(stages.map((s) => [s.name, s]));
  const running = new Map<StageName, Promise<void>>();
  let failure: StageFailure | undefined;
  let done = 0; // progress never goes back when overlapping stages start out of order
  const start = (stage: StageInfo) => {
    pending.delete(stage.name);
    done = Math.max(done, stage.progress);
    progress(stage.name, done);
    const from = state;
    let started = performance.now();
    const work = (async () => {
      await options.beforeStart?.(stage.name, from);
      started = performance.now();
      return (STAGE_FUNCTIONS[stage.name] as (s: InspectionState, d: PipelineDeps) => Promise<unknown>)(from, run);
    })().then(
      (result) => {
        state = { ...state, [stage.name]: result, timingsMs: { ...state.timingsMs, [stage.name]: performance.now() - started } };
      },
      (error: unknown) => {
        failure ??= new StageFailure(stage.name, error, { ...state, timingsMs: { ...state.timingsMs, [stage.name]: performance.now() - started } });
      },
    ).finally(() => running.delete(stage.name));
    running.set(stage.name, work);
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

/**
 * The catalog for one run: each profile version is described once and every stage reads that description (a version
 * never changes, and the stages of one run then cannot see two). Eleven stages each read and validated the manifest
 * (locally about 11 ms of a 1024² inspection's main thread; in the cloud a registry query and an object read each).
 */
function describingOnce(profiles: ProfileCatalog): ProfileCatalog {
  const described = new Map<string, Promise<ProfileDescription>>();
  return {
    describe(tenant, name, version) {
      const key = JSON.stringify([tenant, name, version ?? null]);
      let description = described.get(key);
      if (!description) {
        description = profiles.describe(tenant, name, version);
        described.set(key, description);
      }
      return description;
    },
    density: (tenant, name, version) => profiles.density(tenant, name, version),
  };
}

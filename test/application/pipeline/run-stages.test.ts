import { STAGES } from '../../../lambdas/application/pipeline/definition.js';
import type { PipelineDeps } from '../../../lambdas/application/pipeline/deps.js';
import { runStages } from '../../../lambdas/application/pipeline/run-stages.js';
import { STAGE_FUNCTIONS } from '../../../lambdas/application/pipeline/stages/index.js';
import type { InspectionState } from '../../../lambdas/application/pipeline/state.js';
import type { ProfileDescription } from '../../../lambdas/ports/inspection.js';

/** Every stage replaced by one that takes a few ticks and notes when it ran. */
function instrumented() {
  const saved = { ...STAGE_FUNCTIONS };
  const log: string[] = [];
  let running = 0;
  let most = 0;
  for (const stage of STAGES) {
    (STAGE_FUNCTIONS as Record<string, unknown>)[stage.name] = async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${stage.name}`);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      log.push(`end ${stage.name}`);
      return { ok: stage.name };
    };
  }
  return { log, most: () => most, restore: () => Object.assign(STAGE_FUNCTIONS, saved) };
}

const initial: InspectionState = {
  job: { tenant: 't', reportId: 'r', createdAt: new Date(0).toISOString(), name: 'a.png', profile: { name: 'p' }, input: { bucket: 'b', key: 'k', size: 1 } },
  timingsMs: {},
};

describe('runStages', () => {
  test('independent stages overlap by default; maxParallel 1 runs them one at a time in the definition\'s order, beforeStart before each', async () => {
    const overlapping = instrumented();
    try {
      await runStages(initial, STAGES, {} as PipelineDeps);
      expect(overlapping.most()).toBeGreaterThan(1);
    } finally {
      overlapping.restore();
    }
    const sequential = instrumented();
    const before: string[] = [];
    try {
      const state = await runStages(initial, STAGES, {} as PipelineDeps, () => {}, {
        maxParallel: (s) => (s.ingest ? 1 : Infinity),
        beforeStart: (stage, s) => void before.push(`${stage}:${Object.keys(s.timingsMs).length}`),
      });
      expect(sequential.most()).toBe(1);
      expect(sequential.log.filter((l) => l.startsWith('start')).map((l) => l.slice(6))).toEqual(STAGES.map((s) => s.name));
      expect(before).toEqual(STAGES.map((s, i) => `${s.name}:${i}`));
      expect(Object.keys(state.timingsMs).sort()).toEqual(STAGES.map((s) => s.name).sort());
    } finally {
      sequential.restore();
    }
  });

  test('a stage waits for an asynchronous beforeStart', async () => {
    const run = instrumented();
    try {
      await runStages(initial, STAGES, {} as PipelineDeps, () => {}, {
        beforeStart: async (stage) => {
          run.log.push(`before ${stage}`);
          await new Promise((r) => setImmediate(r));
          run.log.push(`ready ${stage}`);
        },
      });
      for (const stage of STAGES) {
        expect(run.log.indexOf(`ready ${stage.name}`)).toBeGreaterThan(run.log.indexOf(`before ${stage.name}`));
        expect(run.log.indexOf(`start ${stage.name}`)).toBeGreaterThan(run.log.indexOf(`ready ${stage.name}`));
      }
    } finally {
      run.restore();
    }
  });

  test('each profile version is described once per run, and every stage of the run gets that description', async () => {
    const saved = { ...STAGE_FUNCTIONS };
    const asked: unknown[] = [];
    const seen = new Map<string, unknown[]>();
    for (const stage of STAGES) {
      (STAGE_FUNCTIONS as Record<string, unknown>)[stage.name] = async (_: InspectionState, deps: PipelineDeps) => {
        // Stages ask for the version as the job named it and as ingest resolved it.
        seen.set(stage.name, [await deps.profiles.describe('t', 'p', 3), await deps.profiles.describe('t', 'p')]);
        return {};
      };
    }
    const profiles = {
      describe: async (...args: unknown[]) => (asked.push(args), { settings: { asked: asked.length } } as unknown as ProfileDescription),
      density: async () => { throw new Error('not used'); },
    };
    try {
      await runStages(initial, STAGES, { profiles } as unknown as PipelineDeps);
      expect(asked).toEqual([['t', 'p', 3], ['t', 'p', undefined]]);
      const [first] = [...seen.values()];
      for (const pair of seen.values()) expect(pair.map((d, i) => d === first![i])).toEqual([true, true]);
      expect(seen.size).toBe(STAGES.length);
      // A new run describes again: a cached latest version would not see a newer one.
      await runStages(initial, STAGES, { profiles } as unknown as PipelineDeps);
      expect(asked).toHaveLength(4);
    } finally {
      Object.assign(STAGE_FUNCTIONS, saved);
    }
  });
});

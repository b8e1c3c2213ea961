import { STAGES } from '../../../lambdas/application/pipeline/definition.js';
import type { PipelineDeps } from '../../../lambdas/application/pipeline/deps.js';
import { runStages } from '../../../lambdas/application/pipeline/run-stages.js';
import { STAGE_FUNCTIONS } from '../../../lambdas/application/pipeline/stages/index.js';
import type { InspectionState } from '../../../lambdas/application/pipeline/state.js';

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
        beforeStart: (stage, s) => before.push(`${stage}:${Object.keys(s.timingsMs).length}`),
      });
      expect(sequential.most()).toBe(1);
      expect(sequential.log.filter((l) => l.startsWith('start')).map((l) => l.slice(6))).toEqual(STAGES.map((s) => s.name));
      expect(before).toEqual(STAGES.map((s, i) => `${s.name}:${i}`));
      expect(Object.keys(state.timingsMs).sort()).toEqual(STAGES.map((s) => s.name).sort());
    } finally {
      sequential.restore();
    }
  });
});

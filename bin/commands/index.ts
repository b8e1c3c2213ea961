import type { Command } from 'commander';
import { register as registerServe } from './serve.js';
import { register as registerEnroll } from './enroll.js';
import { register as registerInspect } from './inspect.js';
import { register as registerEvaluate } from './evaluate.js';
import { register as registerSynth } from './synth.js';
import { register as registerBench } from './bench.js';
import { register as registerModel } from './model.js';
import { register as registerTune } from './tune.js';
import { register as registerHistory } from './history.js';
import { register as registerReview } from './review.js';
import { register as registerTenant } from './tenant.js';

/** Each subcommand lives in its own module (`register(program)`). */
export function registerCommands(program: Command): void {
  for (const register of [registerServe, registerEnroll, registerInspect, registerEvaluate, registerSynth, registerBench, registerModel, registerTune, registerHistory, registerReview, registerTenant]) {
    register(program);
  }
}

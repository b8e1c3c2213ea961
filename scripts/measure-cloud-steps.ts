/**
 * Durations of the cloud workflow's functions on this machine, for the cost table: the synthesized state machine
 * run offline (aws-local-stepfunctions) over the real handlers, s3rver, dynalite and the model container on
 * loopback (the same fixture as test/e2e-cloud), on generated micrographs. Prints per function the median wall
 * time and the GB-seconds at the memory size the stack gives it (lib/stateless-stack.ts STEP_SETTINGS).
 *
 *   npx tsx scripts/measure-cloud-steps.ts [--size 1024] [--runs 5]
 */
import { parseArgs } from 'node:util';
import type { Context } from 'aws-lambda';
import { STEP_SETTINGS } from '../lib/stateless-stack.js';
import type { WorkflowFunction } from '../lambdas/application/pipeline/definition.js';
import { generateMicrograph } from '../lambdas/domain/synth/micrograph.js';
import { encodeGreyPng } from '../lambdas/local/demo-profile.js';

// aws-local-stepfunctions calls Promise.withResolvers (Node 22).
(Promise as unknown as { withResolvers?: unknown }).withResolvers ??= function withResolvers<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};
const { startCloudFixture } = await import('../test/e2e-cloud/cloud-fixture.js');
const { InferenceEngine } = await import('../model-container/src/engine.js');
const { BankScorer } = await import('../model-container/src/bank-scorer.js');

// The model container runs in this process on the CPU; on AWS its work (backbone and bank search) is the GPU
// endpoint's. Its time is summed here so the functions' own time (what Lambda bills) can be told apart.
let endpointMs = 0;
for (const [proto, method] of [[InferenceEngine.prototype, 'run'], [BankScorer.prototype, 'score']] as const) {
  const original = (proto as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!;
  (proto as unknown as Record<string, unknown>)[method] = async function timedEndpoint(this: unknown, ...args: unknown[]) {
    const started = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      endpointMs += performance.now() - started;
    }
  };
}

const { values } = parseArgs({ options: { size: { type: 'string', default: '1024' }, runs: { type: 'string', default: '5' } } });
const size = Number(values.size);
const PIXEL_UM = 0.05;
// Thirteen normals, ten in the bank, and a profile that fits its density component on them: every step the product
// runs (the density component needs 50 bank images by default).
const normals = await Promise.all(Array.from({ length: 13 }, (_, i) => encodeGreyPng(generateMicrograph({ seed: 100 + i, width: 256, height: 256, pixelSizeUm: PIXEL_UM }).image)));
const fixture = await startCloudFixture({ tenant: 'acme', profile: 'p', normals, pixelSizeUm: PIXEL_UM, densityMinBankImages: 10 });
const times: Partial<Record<WorkflowFunction, number[]>> = {};
const cpu: Partial<Record<WorkflowFunction, number[]>> = {};
const own: Partial<Record<WorkflowFunction, number[]>> = {};
// Wall time per call, and this process's CPU time over the call (handlers run one at a time here; the model
// container shares the process, so its CPU counts too: on AWS it is the GPU endpoint's).
const timed = Object.fromEntries(Object.entries(fixture.handlers).map(([fn, handler]) => [fn, async (input: unknown, context: Context) => {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const endpointStart = endpointMs;
  try {
    return await handler(input, context);
  } finally {
    const wall = performance.now() - started;
    (times[fn as WorkflowFunction] ??= []).push(wall);
    (own[fn as WorkflowFunction] ??= []).push(wall - (endpointMs - endpointStart));
    const used = process.cpuUsage(cpuStart);
    (cpu[fn as WorkflowFunction] ??= []).push((used.user + used.system) / 1000);
  }
}])) as typeof fixture.handlers;
const walls: number[] = [];
for (let r = 0; r <= Number(values.runs); r++) {
  const png = await encodeGreyPng(generateMicrograph({ seed: 900 + r, width: size, height: size, pixelSizeUm: PIXEL_UM }).image);
  const started = performance.now();
  const run = await fixture.run(await fixture.upload(`acme/p/img-${r}.png`, png), timed);
  if (run.outcome !== 'succeeded') throw new Error(`run ${r} failed: ${JSON.stringify(run.error)}`);
  if (r === 0) for (const fn of Object.keys(times) as WorkflowFunction[]) [times[fn], cpu[fn], own[fn]] = [[], [], []]; // warm-up: caches, ORT shapes
  else walls.push(performance.now() - started);
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const rows = (Object.keys(times) as WorkflowFunction[]).map((fn) => {
  const ms = median(times[fn]!);
  const ownMs = median(own[fn]!);
  const gb = STEP_SETTINGS[fn].memoryMb / 1024;
  return {
    function: fn, memoryMb: STEP_SETTINGS[fn].memoryMb, medianMs: Math.round(ms), medianCpuMs: Math.round(median(cpu[fn]!)),
    // Without the model container's work (the GPU endpoint's on AWS): what the function itself would bill.
    medianOwnMs: Math.round(ownMs), ownGbSeconds: Number(((Math.ceil(ownMs) / 1000) * gb).toFixed(3)),
  };
});
const [load1] = (await import('node:os')).loadavg();
process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), size, runs: walls.length, load1: Number(load1!.toFixed(2)), executionMedianMs: Math.round(median(walls)), functions: rows }, null, 1)}\n`);
await fixture.close();

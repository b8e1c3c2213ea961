/**
 * The deployed workflow's own paths, run on the definition `cdk synth` emits (aws-local-stepfunctions) over the real
 * handlers, s3rver, dynalite and the model container: success, duplicate events, overlapping runs, retries of
 * transient errors, and the failure path (failed report, dead letter, failed event).
 */
import { randomUUID } from 'node:crypto';
import { RESULT_DETAIL_TYPES, type WorkflowFunction } from '../../lambdas/application/pipeline/definition.js';
import type { CloudDeps } from '../../lambdas/application/pipeline/run-step.js';
import { MmdoError } from '../../lambdas/domain/errors.js';
import type { PatchScorer } from '../../lambdas/ports/patch-scorer.js';
import { TASK_RETRY } from '../../lib/constructs/inspection-workflow.js';
import type { StepHandler } from '../support/synthesized-workflow.js';
import { micrographPng } from '../local/support.js';
import { grainTexture, toPng } from '../e2e/textures.js';
import { startCloudFixture, type CloudFixture } from './cloud-fixture.js';

const TENANT = 'acme';
const SIZE = 160;

let fixture: CloudFixture;

beforeAll(async () => {
  const normals = await Promise.all(Array.from({ length: 6 }, (_, i) => micrographPng(100 + i, SIZE)));
  fixture = await startCloudFixture({ tenant: TENANT, profile: 'grains', normals, pixelSizeUm: 0.1 });
}, 120_000);

afterAll(async () => {
  await fixture?.close();
});

/** The handlers over deps whose scorer fails the first `times` calls with `error`, then works. */
async function handlersWithFlakyScorer(error: () => Error, times: number): Promise<{ handlers: Record<WorkflowFunction, StepHandler>; calls: () => number }> {
  let calls = 0;
  const real = await fixture.deps.scorer();
  const flaky: PatchScorer = {
    descriptor: real.descriptor,
    scoreTiles: (tiles, ref) => (++calls <= times ? Promise.reject(error()) : real.scoreTiles(tiles, ref)),
    extract: (images, layers) => real.extract(images, layers),
  };
  const deps: CloudDeps = { ...fixture.deps, scorer: async () => flaky };
  const { createAnalyseHandler } = await import('../../lambdas/handlers/analyse.js');
  return { handlers: { ...fixture.handlers, analyse: createAnalyseHandler(() => deps) }, calls: () => calls };
}

const eventsOf = (type: string) => fixture.sinks.events.filter((e) => e.type === type);

describe('the synthesized inspection workflow', () => {
  let firstEvent: Record<string, unknown>;
  let firstReportId: string;

  test('an upload becomes a stored report, its images and one completed event', async () => {
    firstEvent = await fixture.upload(`${TENANT}/grains/batch-1/normal.png`, await micrographPng(300, SIZE));
    const before = eventsOf(RESULT_DETAIL_TYPES.completed).length;
    const run = await fixture.run(firstEvent);
    expect(run.outcome).toBe('succeeded');
    firstReportId = (run.output as { job: { reportId: string } }).job.reportId;
    const report = (await fixture.reports.get(TENANT, firstReportId))!;
    expect(report).toMatchObject({ status: 'completed', profile: { name: 'grains', version: 1 }, input: { name: 'batch-1/normal.png' } });
    for (const key of Object.values(report.artifacts)) expect((await fixture.artifacts.get(key))?.contentType).toBe('image/png');
    const completed = eventsOf(RESULT_DETAIL_TYPES.completed);
    expect(completed.length).toBe(before + 1);
    expect(completed.at(-1)!.detail).toMatchObject({ tenant: TENANT, reportId: firstReportId, status: 'completed', verdict: report.scores!.verdict, written: true });
  });

  test('a duplicate event (redelivered, or a second notification of the same version) makes no second report or event', async () => {
    const events = fixture.sinks.events.length;
    const redelivered = await fixture.run(firstEvent);
    const second = await fixture.run({ ...firstEvent, id: randomUUID() });
    for (const run of [redelivered, second]) {
      expect(run.outcome).toBe('succeeded');
      expect(run.output).toMatchObject({ duplicate: true, job: { reportId: firstReportId } });
    }
    expect(fixture.sinks.events.length).toBe(events);
    expect((await fixture.reports.list(TENANT)).items.filter((r) => r.id === firstReportId)).toHaveLength(1);
  });

  test('two overlapping runs of one event write one report and emit one completed event', async () => {
    const event = await fixture.upload(`${TENANT}/grains/batch-3/overlap.png`, await micrographPng(302, SIZE));
    // Both runs pass ingest (same event id: the claim's owner) before either writes: hold each at the report step.
    let arrived = 0;
    let release!: () => void;
    const bothThere = new Promise<void>((resolve) => (release = resolve));
    const held = {
      ...fixture.handlers,
      report: async (state: unknown, context: Parameters<StepHandler>[1]) => {
        if (++arrived === 2) release();
        await bothThere;
        return fixture.handlers.report(state, context);
      },
    };
    const before = eventsOf(RESULT_DETAIL_TYPES.completed).length;
    const runs = await Promise.all([fixture.run(event, held), fixture.run(event, held)]);
    expect(runs.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded']);
    const written = runs.map((r) => (r.output as { write: { written: boolean } }).write.written).sort();
    expect(written).toEqual([false, true]);
    expect(eventsOf(RESULT_DETAIL_TYPES.completed).length).toBe(before + 1);
  });

  test('a transient endpoint error (throttling) is retried by the definition and the run completes', async () => {
    const { handlers, calls } = await handlersWithFlakyScorer(() => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }), 1);
    const run = await fixture.run(await fixture.upload(`${TENANT}/grains/batch-4/retried.png`, await micrographPng(303, SIZE)), handlers);
    expect(run.outcome).toBe('succeeded');
    expect(calls()).toBe(2);
    expect((run.output as { write: { status: string } }).write.status).toBe('completed');
  });

  test('retries that run out end in a failed report with the reason, a dead letter and a failed event', async () => {
    const { handlers, calls } = await handlersWithFlakyScorer(() => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }), 99);
    const letters = fixture.sinks.deadLetters.length;
    const run = await fixture.run(await fixture.upload(`${TENANT}/grains/batch-4/throttled.png`, await micrographPng(304, SIZE)), handlers);
    expect(run.outcome).toBe('failed');
    expect(calls()).toBe(1 + TASK_RETRY.maxAttempts); // the first attempt and the definition's retries
    const failed = eventsOf(RESULT_DETAIL_TYPES.failed).at(-1)!.detail as { reportId: string };
    const report = (await fixture.reports.get(TENANT, failed.reportId))!;
    expect(report).toMatchObject({ status: 'failed', failure: { code: 'ThrottlingException' } });
    expect(report.input.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fixture.sinks.deadLetters.length).toBe(letters + 1);
  });

  test('a permanent error in a later step keeps its code and stage in the failed report', async () => {
    const { handlers } = await handlersWithFlakyScorer(() => new MmdoError('payload_too_large', 'one tile is over the endpoint payload limit', 413), 99);
    const run = await fixture.run(await fixture.upload(`${TENANT}/grains/batch-5/too-big.png`, await micrographPng(305, SIZE)), handlers);
    expect(run.outcome).toBe('failed');
    const failed = eventsOf(RESULT_DETAIL_TYPES.failed).at(-1)!.detail as { reportId: string };
    expect((await fixture.reports.get(TENANT, failed.reportId))?.failure).toEqual({ code: 'payload_too_large', message: 'one tile is over the endpoint payload limit', stage: 'embed' });
  });

  test('a corrupt upload fails at ingest: failed report with its hash, dead letter, failed event, failed execution', async () => {
    const png = await toPng(grainTexture(64, 5));
    const corrupt = png.slice(0, 200);
    const letters = fixture.sinks.deadLetters.length;
    const run = await fixture.run(await fixture.upload(`${TENANT}/grains/batch-2/corrupt.png`, corrupt));
    expect(run.outcome).toBe('failed');
    const detail = eventsOf(RESULT_DETAIL_TYPES.failed).at(-1)!.detail as { reportId: string; status: string; written: boolean };
    expect(detail).toMatchObject({ status: 'failed', written: true });
    const stored = (await fixture.reports.get(TENANT, detail.reportId))!;
    expect(stored.status).toBe('failed');
    expect(stored.failure?.stage).toBe('ingest');
    expect(['corrupt_image', 'truncated_image']).toContain(stored.failure?.code);
    expect(stored.input).toMatchObject({ name: 'batch-2/corrupt.png', bytes: 200 });
    expect(stored.input.sha256).not.toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(fixture.sinks.deadLetters.length).toBe(letters + 1);
  });

  test('an upload naming an unknown profile fails with not_found, filed under its tenant', async () => {
    const run = await fixture.run(await fixture.upload(`${TENANT}/no-such-profile/x.png`, await toPng(grainTexture(64, 6))));
    expect(run.outcome).toBe('failed');
    const detail = eventsOf(RESULT_DETAIL_TYPES.failed).at(-1)!.detail as { reportId: string };
    expect((await fixture.reports.get(TENANT, detail.reportId))?.failure).toMatchObject({ code: 'not_found', stage: 'ingest' });
  });

  test('an invalid synthesis sheet in object metadata fails the inspection with the field named, not silently', async () => {
    const run = await fixture.run(await fixture.upload(`${TENANT}/grains/batch-6/bad-sheet.png`, await micrographPng(306, SIZE), { 'sulfur-loading-wt-pct': 'abc' }));
    expect(run.outcome).toBe('failed');
    const detail = eventsOf(RESULT_DETAIL_TYPES.failed).at(-1)!.detail as { reportId: string };
    const failure = (await fixture.reports.get(TENANT, detail.reportId))?.failure;
    expect(failure).toMatchObject({ code: 'validation_failed', stage: 'ingest' });
    expect(failure?.message).toMatch(/sulfur/i);
  });
});

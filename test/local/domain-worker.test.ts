import { createLocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { createGreyImage } from '../../lambdas/domain/image/grey-image.js';
import { analyseMicrostructure } from '../../lambdas/domain/microstructure/index.js';
import { generateMicrograph } from '../../lambdas/domain/synth/index.js';
import { DomainWorker } from '../../lambdas/local/domain-worker.js';
import type { Report } from '../../lambdas/domain/report/report.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineDeps } from '../../lambdas/application/pipeline/deps.js';
import { render } from '../../lambdas/application/pipeline/stages/render.js';
import type { InspectionState } from '../../lambdas/application/pipeline/state.js';
import { SharpImageEncoder } from '../../lambdas/adapters/image/sharp-image-encoder.js';
import { MemoryScratch } from '../../lambdas/adapters/scratch/memory-scratch.js';
import { micrographPng, prepareDemoProfile, tempHome } from './support.js';
import { densityOfOriginal, type DensityFeatures, type DensityRequest } from '../../lambdas/application/density.js';
import { loadBackbone } from '../../lambdas/adapters/onnx/model-store.js';
import { buildFilterBankModel } from '../../lambdas/adapters/onnx/filter-bank-model.js';
import { DEFAULT_SCORING_SETTINGS } from '../../lambdas/domain/profile/settings.js';
import { writeFileSync } from 'node:fs';

const CRASHING = new URL('./fixtures/crashing-domain-thread.mjs', import.meta.url);
/** The in-process fallback where the thread must do the work. */
const never = async (): Promise<DensityFeatures> => { throw new Error('ran in process'); };

/** A report without what differs between two runs of the same image (id, time, timings). */
const comparable = (r: Report) => {
  const { id: _i, createdAt: _c, timingsMs: _t, artifacts: _a, ...rest } = r;
  return rest;
};

describe('DomainWorker: the stages\' heavy domain work on a thread of the runtime', () => {
  test('the microstructure analysis on the thread is the one in process, to the last byte of the overlay', async () => {
    const worker = new DomainWorker();
    try {
      const { image } = generateMicrograph({ seed: 7, width: 192, height: 160, pixelSizeUm: 0.1, anomaly: 'crack' });
      const options = { pixelSizeUm: 0.1, metadata: { sulfurLoadingWtPct: 60 }, modality: 'sem' as const };
      const before = Float32Array.from(image.data);
      const [threaded, inProcess] = [await worker.microstructure(image, options), analyseMicrostructure(image, options)];
      expect(threaded.microstructure).toEqual(inProcess.microstructure);
      expect(threaded.findings).toEqual(inProcess.findings);
      expect(threaded.consistency).toEqual(inProcess.consistency);
      expect(threaded.phaseOverlay.width).toBe(inProcess.phaseOverlay.width);
      expect(Buffer.from(threaded.phaseOverlay.data).equals(Buffer.from(inProcess.phaseOverlay.data))).toBe(true);
      expect(image.data).toEqual(before); // the caller's image is neither moved nor changed
      expect(worker.inFlight).toBe(0);
      // An error in the thread comes back as the same error, and the thread goes on working.
      const bad = { width: 4, height: 4, data: new Float32Array(3) };
      await expect(worker.microstructure(bad, {})).rejects.toThrow(expect.objectContaining({ name: 'RangeError', message: expect.stringMatching(/expected 16/) }));
      expect((await worker.microstructure(createGreyImage(64, 64, new Float32Array(64 * 64).fill(0.5)), {})).phaseOverlay.width).toBe(64);
    } finally {
      await worker.close();
    }
  });

  test('the density\'s views on the thread, on its own session of the runtime\'s backbone, give the blocks in process to the last bit', async () => {
    const backbone = await loadBackbone({ model: 'builtin' });
    const { home, cleanup } = tempHome();
    const worker = new DomainWorker({ backbone: backbone.source });
    try {
      expect(new DomainWorker().density).toBeUndefined(); // without a backbone the stage runs it in process
      const { image } = generateMicrograph({ seed: 12, width: 200, height: 150, pixelSizeUm: 0.1, anomaly: 'void' });
      const request: DensityRequest = {
        imagePixelUm: 0.1, profilePixelUm: 0.12, pad: 16, limits: { maxPixels: 1e6 },
        settings: { ...DEFAULT_SCORING_SETTINGS.density, shortSide: 96, views: 4, layers: [backbone.descriptor.embeddingLayer] }, cells: true,
      };
      const [threaded, inProcess] = [await worker.density!(image, request, backbone.descriptor.sha256, never), await densityOfOriginal(backbone, image, request)];
      const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      expect(threaded.blocks.map((b) => b.length)).toEqual(inProcess.blocks.map((b) => b.length));
      threaded.blocks.forEach((block, i) => expect(bytes(block).equals(bytes(inProcess.blocks[i]!))).toBe(true));
      // The views' cells (for the density map) come back moved, not copied, and the same.
      expect(threaded.views.map((v) => v.transform)).toEqual(inProcess.views.map((v) => v.transform));
      threaded.views.forEach((view, i) => expect(bytes(view.layers[0]!.data).equals(bytes(inProcess.views[i]!.layers[0]!.data))).toBe(true));
      // Another backbone's density, or an image whose stages run one at a time, stays in the caller's thread.
      const answer = { blocks: [Float32Array.of(42)], views: [] };
      const here = async () => answer;
      expect(await worker.density!(image, request, 'f'.repeat(64), here)).toBe(answer);
      const small = new DomainWorker({ backbone: backbone.source, densityMaxPixels: 200 * 149 });
      expect(await small.density!(image, request, backbone.descriptor.sha256, here)).toBe(answer);
      await small.close();
      // A model file that changed since the runtime read it is refused by the thread, by its checksum.
      const file = join(home, 'model.onnx');
      writeFileSync(file, buildFilterBankModel());
      const fromFile = new DomainWorker({ backbone: { ...backbone.source, model: file } });
      try {
        expect((await fromFile.density!(image, request, backbone.descriptor.sha256, never)).blocks.length).toBe(inProcess.blocks.length);
        writeFileSync(file, Buffer.from('not the model'));
        const changed = new DomainWorker({ backbone: { ...backbone.source, model: file } });
        await expect(changed.density!(image, request, backbone.descriptor.sha256, never)).rejects.toMatchObject({ code: 'checksum_mismatch' });
        await changed.close();
      } finally {
        await fromFile.close();
      }
    } finally {
      await worker.close();
      await backbone.dispose();
      cleanup();
    }
  });

  test('a thread that dies fails the work in flight rather than hanging, and the next call gets a new thread', async () => {
    const crashing = new DomainWorker({ entry: CRASHING });
    const image = createGreyImage(32, 32, new Float32Array(32 * 32).fill(0.5));
    await expect(crashing.microstructure(image, {})).rejects.toThrow(/domain thread exited with code 3/);
    await expect(crashing.microstructure(image, {})).rejects.toThrow(/domain thread exited with code 3/);
    await crashing.close();
    await expect(crashing.microstructure(image, {})).rejects.toThrow(/closed/);
    // Killed from outside mid-analysis (the real thread): the work fails, the next one runs on a fresh thread.
    const worker = new DomainWorker();
    try {
      const { image: big } = generateMicrograph({ seed: 3, width: 512, height: 512, pixelSizeUm: 0.1 });
      const doomed = worker.microstructure(big, {});
      await (worker as unknown as { thread: { terminate(): Promise<number> } }).thread.terminate();
      await expect(doomed).rejects.toThrow(/domain thread exited/);
      expect((await worker.microstructure(image, {})).phaseOverlay.width).toBe(32);
    } finally {
      await worker.close();
    }
  });

  test('the local pipeline gives the same report with the domain thread as in process; a dead thread ends in a failed report', async () => {
    const { home, cleanup } = tempHome();
    const threaded = await createLocalRuntime({ home, backboneOverride: 'builtin', env: {} });
    const inProcess = await createLocalRuntime({ home, backboneOverride: 'builtin', env: {}, offload: null });
    const crashingWorker = new DomainWorker({ entry: CRASHING });
    const crashing = await createLocalRuntime({ home, backboneOverride: 'builtin', env: {}, offload: crashingWorker });
    try {
      await prepareDemoProfile(threaded, home);
      const png = await micrographPng(31, 160, 'crack');
      const request = { tenant: 'local', name: 'a.png', profile: 'demo', pixelSizeUm: 0.1, metadata: { sulfurLoadingWtPct: 55 } }; // no batch: the second would have the first as a replicate
      const a = await threaded.inspections.inspect({ ...request, bytes: png.slice(), reportId: 'threaded' });
      const b = await inProcess.inspections.inspect({ ...request, bytes: png.slice(), reportId: 'in-process' });
      expect(a.status).toBe('completed');
      expect(a.microstructure).toBeDefined();
      expect(comparable(a)).toEqual(comparable(b));
      const [phasesA, phasesB] = await Promise.all([threaded.artifacts.get(a.artifacts.phases!), threaded.artifacts.get(b.artifacts.phases!)]);
      expect(Buffer.from(phasesA!.bytes).equals(Buffer.from(phasesB!.bytes))).toBe(true);
      const failed = await crashing.inspections.inspect({ ...request, bytes: png.slice(), reportId: 'crashed' });
      expect(failed).toMatchObject({ status: 'failed', failure: { code: 'internal_error', stage: 'microstructure' } });
      expect(await threaded.reports.get('local', 'crashed')).toMatchObject({ status: 'failed' });
    } finally {
      await crashingWorker.close();
      await Promise.all([threaded.close(), inProcess.close(), crashing.close()]);
      cleanup();
    }
  });

  test('a very large image\'s way (stages one at a time, rasters spilled to disk, images rendered one by one) gives the same report and images', async () => {
    const { home, cleanup } = tempHome();
    const overlapping = await createLocalRuntime({ home, backboneOverride: 'builtin', env: {} });
    const oneAtATime = await createLocalRuntime({ home, backboneOverride: 'builtin', env: {}, overlapMaxPixels: 1 });
    try {
      await prepareDemoProfile(overlapping, home);
      const png = await micrographPng(33, 160, 'void');
      const request = { tenant: 'local', name: 'a.png', profile: 'demo', pixelSizeUm: 0.1 };
      const stages: string[] = [];
      const a = await overlapping.inspections.inspect({ ...request, bytes: png.slice(), reportId: 'overlapping' });
      const b = await oneAtATime.inspections.inspect({ ...request, bytes: png.slice(), reportId: 'one-at-a-time' }, (stage) => stages.push(stage));
      expect(b.status).toBe('completed');
      expect(comparable(b)).toEqual(comparable(a));
      expect(stages).toEqual(['ingest', 'microstructure', 'normalise', 'density', 'embed', 'patch', 'novelty', 'replicates', 'forecast', 'fuse', 'render', 'write', 'done']);
      for (const name of Object.keys(a.artifacts)) {
        const [x, y] = await Promise.all([overlapping.artifacts.get(a.artifacts[name]!), overlapping.artifacts.get(b.artifacts[name]!)]);
        expect(Buffer.from(x!.bytes).equals(Buffer.from(y!.bytes))).toBe(true);
      }
      // Nothing is left in the spill folders once the inspections are done.
      const root = join(home, 'scratch');
      expect(readdirSync(root).flatMap((d) => readdirSync(join(root, d)))).toEqual([]);
    } finally {
      await Promise.all([overlapping.close(), oneAtATime.close()]);
      cleanup();
    }
  });

  test('the render stage makes the same images one at a time (over 16 MP) as all at once', async () => {
    const scratch = new MemoryScratch();
    const { image } = generateMicrograph({ seed: 9, width: 96, height: 80, pixelSizeUm: 0.1, anomaly: 'crack' });
    const map = createGreyImage(96, 80, Float32Array.from(image.data, (v, i) => (i % 97 === 0 ? 0.9 : v * 0.2)));
    const stored = new Map<string, Uint8Array>();
    const deps = {
      scratch,
      encoder: new SharpImageEncoder(),
      artifacts: { put: async (key: string, bytes: Uint8Array) => void stored.set(key, bytes) },
      profiles: { describe: async () => ({ calibration: { pixelThreshold: 0.5 }, settings: { heatmapLow: 0.2 } }) },
    } as unknown as PipelineDeps;
    const state = (width: number, height: number, reportId: string) => ({
      job: { tenant: 't', reportId, createdAt: new Date(0).toISOString(), name: 'a.png', profile: { name: 'p' }, input: { bucket: 'b', key: 'k', size: 1 } },
      ingest: { input: { width, height }, profile: { name: 'p', version: 1 }, original: scratch.putGrey('original', image) },
      patch: { map: scratch.putGrey('map', map) },
      microstructure: { phases: scratch.putRgba('phases', analyseMicrostructure(image).phaseOverlay) },
      timingsMs: {},
    }) as unknown as InspectionState;
    const small = await render(state(96, 80, 'small'), deps);
    const large = await render(state(8192, 8192, 'large'), deps);
    expect(Object.keys(large.artifacts)).toEqual(Object.keys(small.artifacts));
    for (const name of Object.keys(small.artifacts)) {
      expect(Buffer.from(stored.get(large.artifacts[name]!)!).equals(Buffer.from(stored.get(small.artifacts[name]!)!))).toBe(true);
    }
  });
});

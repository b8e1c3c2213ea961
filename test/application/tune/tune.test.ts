import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../../../lambdas/application/evaluate/evaluate.js';
import type { EvaluationSource } from '../../../lambdas/application/evaluate/manifest.js';
import { resolveRecipe } from '../../../lambdas/application/profile-builder.js';
import { saveTunedProfile, tunedProvenance } from '../../../lambdas/application/tune/save-profile.js';
import { bestSoFarChart, curvesTable, formatTune } from '../../../lambdas/application/tune/report.js';
import { overridesOf, pointOf, recipeAt } from '../../../lambdas/application/tune/space.js';
import { evaluationRows, parseTuneManifest } from '../../../lambdas/application/tune/split.js';
import { parseTuneState, type TuneStateStore } from '../../../lambdas/application/tune/state.js';
import { storedSplit, tune, type TuneEvent, type TuneOptions, type TuneResult } from '../../../lambdas/application/tune/tune.js';
import { csvManifestSource } from '../../../lambdas/adapters/local/evaluation/csv-manifest.js';
import { evaluationWorkspace } from '../../../lambdas/adapters/local/evaluation/workspace.js';
import { FileArtifactStore } from '../../../lambdas/adapters/files/file-artifact-store.js';
import { SharpImageDecoder } from '../../../lambdas/adapters/image/sharp-image-decoder.js';
import { FileProfileStore } from '../../../lambdas/adapters/local/store/profile-store.js';
import { loadBackbone } from '../../../lambdas/adapters/onnx/model-store.js';
import { LocalVectorIndexFactory } from '../../../lambdas/adapters/local/vector-index/index.js';
import type { Backbone } from '../../../lambdas/ports/backbone.js';
import { writeSynthSet } from './synth-set.js';

function memoryStore(initial?: string): TuneStateStore & { text?: string } {
  const store: TuneStateStore & { text?: string } = {
    text: initial,
    read: async () => store.text,
    write: async (text) => {
      JSON.parse(text); // always a whole document
      store.text = text;
    },
  };
  return store;
}

/** The manifest's source, recording every file read and whether the search was still running when it happened. */
function spySource(manifest: string) {
  const inner = csvManifestSource(manifest);
  const reads: { path: string; during: 'search' | 'test' }[] = [];
  let during: 'search' | 'test' = 'search';
  const source: EvaluationSource = {
    description: inner.description,
    readRows: () => inner.readRows(),
    readFile: async (path) => {
      reads.push({ path, during });
      return inner.readFile(path);
    },
  };
  return { source, reads, listener: (e: TuneEvent) => { if (e.kind === 'test-start') during = 'test'; } };
}

/** Small on purpose (each trial is a whole evaluation): 3 trials per search, the GP proposing the third. */
const OPTIONS: TuneOptions = {
  metric: 'fused.auroc',
  budget: 3,
  initialPoints: 2,
  seed: 5,
  bankNormals: 6,
  calibrationNormals: 3,
  validationFraction: 0.5,
  validationSize: 8,
  params: ['layers', 'pad', 'k', 'blur', 'normalise', 'noveltyWeight'],
  memoBytes: 64 * 2 ** 20,
  compareDefaults: false,
};

describe('mmdo tune on a tiny synthetic set (built-in backbone)', () => {
  let dir: string;
  let manifest: string;
  let backbone: Backbone;
  let reference: { result: TuneResult; reads: { path: string; during: 'search' | 'test' }[]; events: TuneEvent[]; store: ReturnType<typeof memoryStore> };

  const run = (source: EvaluationSource, store: TuneStateStore, options: TuneOptions = OPTIONS, event?: (e: TuneEvent) => void) => tune(
    { source, decoder: new SharpImageDecoder(), backbone, vectorIndexes: new LocalVectorIndexFactory(), workspace: (b) => evaluationWorkspace(b, 'exact'), state: store },
    options,
    { event },
  );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmdo-tune-'));
    manifest = await writeSynthSet(join(dir, 'set'), { count: 28, size: 64, seed: 11, anomalyRate: 0.4 });
    backbone = await loadBackbone({ model: 'builtin' });
    const spy = spySource(manifest);
    const store = memoryStore();
    const events: TuneEvent[] = [];
    const result = await run(spy.source, store, { ...OPTIONS, compareDefaults: true }, (e) => {
      events.push(e);
      spy.listener(e);
    });
    reference = { result, reads: spy.reads, events, store };
  });

  afterAll(async () => {
    await backbone?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('searches on validation images only: no test image is read until the search is over, then each once', async () => {
    const { result, reads } = reference;
    const split = await storedSplit(reference.store);
    const test = new Set(split.test);
    const { items } = parseTuneManifest(await csvManifestSource(manifest).readRows());
    const masksOf = (paths: readonly string[]) => paths.flatMap((p) => items.find((i) => i.path === p)?.mask ?? []);
    const allowed = new Set([...split.bank, ...split.calibration, ...split.search, ...masksOf([...split.bank, ...split.calibration, ...split.search])]);

    const duringSearch = reads.filter((r) => r.during === 'search').map((r) => r.path);
    expect(duringSearch.length).toBeGreaterThan(0);
    expect(duringSearch.filter((p) => test.has(p))).toEqual([]);
    expect(duringSearch.filter((p) => !allowed.has(p))).toEqual([]);
    // Validation images outside the search subset are not used either.
    expect(split.search.length).toBeLessThan(split.validation.length);
    // Every image and mask is read from the source once, however many trials used it.
    expect(new Set(duringSearch).size).toBe(duringSearch.length);
    // The test images are scored after the search (the spy does see them).
    expect(new Set(reads.filter((r) => r.during === 'test').map((r) => r.path))).toEqual(new Set([...split.test, ...masksOf(split.test)]));

    // Roles are disjoint and complete.
    const roles = [split.bank, split.calibration, split.validation, split.test];
    expect(new Set(roles.flat()).size).toBe(roles.flat().length);
    expect(roles.flat().length).toBe(items.length);
    expect(result.split.test.anomalous).toBeGreaterThan(0);
    expect(result.searches.map((s) => s.trials.length)).toEqual([OPTIONS.budget, OPTIONS.budget]);
  });

  it("keeps each search's best-so-far curve non-decreasing at its running maximum; the winner is the best trial", () => {
    const { result } = reference;
    for (const s of result.searches) {
      let best = -Infinity;
      s.trials.forEach((t, k) => {
        best = Math.max(best, t.value);
        expect(s.bestSoFar[k]).toBe(best);
        if (k > 0) expect(s.bestSoFar[k]).toBeGreaterThanOrEqual(s.bestSoFar[k - 1]!);
      });
      expect(s.best?.value).toBe(s.bestSoFar.at(-1));
    }
    const all = [result.defaults, ...result.searches.flatMap((s) => s.trials)];
    expect(result.winner.value).toBe(Math.max(...all.map((t) => t.value)));
    for (const t of all) {
      expect(t.value).toBeGreaterThanOrEqual(0);
      expect(t.value).toBeLessThanOrEqual(1);
      expect(t.metrics['fused.auroc']).toBe(t.value);
    }
    // The bayes search proposes Latin-hypercube points, then GP/EI points: all inside the space, all distinct from random's.
    const bayes = result.searches.find((s) => s.method === 'bayes')!;
    const random = result.searches.find((s) => s.method === 'random')!;
    expect(bayes.trials.map((t) => JSON.stringify(t.params))).not.toEqual(random.trials.map((t) => JSON.stringify(t.params)));
    expect(result.test.methods.map((m) => m.method)).toEqual(['patch-knn', 'fused', 'centroid']);
  });

  it("starts BO from the base recipe: its point and validation value are the GP's prior; random search has none", async () => {
    const stored = JSON.parse((await reference.store.read())!) as { optimizers: Record<string, { prior: unknown[] }> };
    const base = resolveRecipe(backbone, undefined, { seed: OPTIONS.seed });
    expect(stored.optimizers['bayes']!.prior).toEqual([{ params: pointOf(base, OPTIONS.params!, backbone.descriptor), value: reference.result.defaults.value }]);
    expect(stored.optimizers['random']!.prior).toEqual([]);
  });

  it('resumes after an interruption with exactly the proposals and values of the uninterrupted run', async () => {
    const store = memoryStore();
    let trials = 0;
    await expect(run(csvManifestSource(manifest), store, OPTIONS, (e) => {
      if (e.kind === 'trial' && ++trials === 4) throw new Error('interrupted');
    })).rejects.toThrow('interrupted');
    const stopped = parseTuneState(store.text!, 'memory');
    expect(stopped.trials.map((t) => `${t.method} ${t.index}`)).toEqual(['defaults 0', 'bayes 0', 'random 0', 'bayes 1']);
    expect(stopped.final).toBeUndefined();

    const events: TuneEvent[] = [];
    const resumed = await run(csvManifestSource(manifest), store, OPTIONS, (e) => events.push(e));
    expect(resumed.resumed).toBe(true);
    expect(events[0]).toMatchObject({ kind: 'start', resumed: true, done: 4 });
    expect(events.filter((e) => e.kind === 'trial')).toHaveLength(1 + 2 * OPTIONS.budget - 4);
    const sequence = (r: TuneResult) => r.searches.flatMap((s) => s.trials.map((t) => ({ method: t.method, params: t.params, value: t.value })));
    expect(sequence(resumed)).toEqual(sequence(reference.result));
    expect(resumed.winner.params).toEqual(reference.result.winner.params);
    expect(resumed.test).toEqual({ ...reference.result.test, seconds: resumed.test.seconds });
    expect(resumed.defaultsTest).toBeUndefined();

    // Re-running a finished run evaluates nothing and gives the same result.
    const again: TuneEvent[] = [];
    const finished = await run(csvManifestSource(manifest), store, OPTIONS, (e) => again.push(e));
    expect(again.map((e) => e.kind)).toEqual(['start']);
    expect(finished.winner).toEqual(resumed.winner);
    // Asked afterwards for the base recipe's test figures, it measures only those.
    const later: TuneEvent[] = [];
    const compared = await run(csvManifestSource(manifest), store, { ...OPTIONS, compareDefaults: true }, (e) => later.push(e));
    expect(later.map((e) => e.kind)).toEqual(['start', 'test-start', 'test']);
    expect(compared.defaultsTest).toEqual({ ...reference.result.defaultsTest!, seconds: compared.defaultsTest!.seconds });
    expect(compared.test).toEqual(resumed.test);
  });

  it('refuses a stored run made with other settings, and continues it with a larger budget', async () => {
    const store = memoryStore(reference.store.text);
    await expect(run(csvManifestSource(manifest), store, { ...OPTIONS, metric: 'patch-knn.auroc' })).rejects.toThrow(/metric/);
    await expect(run(csvManifestSource(manifest), store, { ...OPTIONS, budget: 2 })).rejects.toThrow(/budget/);
    const events: TuneEvent[] = [];
    const longer = await run(csvManifestSource(manifest), store, { ...OPTIONS, budget: 4 }, (e) => events.push(e));
    expect(events.filter((e) => e.kind === 'trial')).toHaveLength(2);
    for (const s of longer.searches) {
      const before = reference.result.searches.find((x) => x.method === s.method)!;
      expect(s.trials.slice(0, OPTIONS.budget)).toEqual(before.trials);
      expect(s.trials).toHaveLength(4);
    }
  });

  it("scores a trial exactly as mmdo evaluate does with the winner's recipe on the same explicit split", async () => {
    const { result } = reference;
    const split = await storedSplit(reference.store);
    const inner = csvManifestSource(manifest);
    const { items } = parseTuneManifest(await inner.readRows());
    const index = (paths: readonly string[]) => paths.map((p) => items.findIndex((i) => i.path === p));
    const rows = evaluationRows(items, { bank: index(split.bank), calibration: index(split.calibration), test: index(split.search) });
    const state = parseTuneState(reference.store.text!, 'memory');
    const recipe = result.winner.method === 'defaults' ? state.base : recipeAt(state.base as never, result.winner.params, backbone.descriptor);
    const { result: direct } = await evaluate(
      { source: { ...inner, readRows: async () => rows }, decoder: new SharpImageDecoder(), backbone, vectorIndexes: new LocalVectorIndexFactory(), workspace: () => evaluationWorkspace(backbone, 'exact') },
      { methods: ['fused'], bankNormals: 1, calibrationNormals: 1, seed: OPTIONS.seed, recipe: result.recipe },
    );
    expect(direct.split).toMatchObject({ source: 'manifest', bank: split.bank.length, calibration: split.calibration.length });
    expect(direct.methods[0]!.image.auroc).toBeCloseTo(result.winner.value, 9);
    // The winner's recipe is the base with the winning settings.
    expect(result.recipe).toEqual(overridesOf(recipe as never));
  });

  it('saves the winner as a new profile version that carries its settings and provenance (files, both ways)', async () => {
    const { result } = reference;
    const home = join(dir, 'home');
    const profiles = new FileProfileStore(join(home, 'profiles'));
    const artifacts = new FileArtifactStore(join(home, 'artifacts'));
    const source = csvManifestSource(manifest);
    const split = await storedSplit(reference.store);
    const provenance = {
      tuner: `mmdo tune: ${result.winner.method}`, metric: result.metric, value: result.winner.value, budget: result.budget, splitSeed: result.seed,
      date: result.finishedAt, params: result.winner.settings, manifest: result.manifest, validationImages: 10, test: { 'fused.auroc': 0.9 },
    };
    const deps = { decoder: new SharpImageDecoder(), backbone, vectorIndexes: new LocalVectorIndexFactory(), profiles, artifacts };
    const request = {
      tenant: 'local', profile: 'tuned', recipe: result.recipe, seed: OPTIONS.seed, provenance, calibrationFraction: 3 / 9,
      newProfileImages: async () => Promise.all([...split.bank, ...split.calibration].map(async (p) => ({ name: p, bytes: await source.readFile(p) }))),
    };
    const first = await saveTunedProfile(deps, request);
    expect(first).toMatchObject({ profile: 'tuned', version: 1, images: 'manifest', bankImages: 6, calibrationImages: 3 });

    const saved = await new FileProfileStore(join(home, 'profiles')).load('local', 'tuned');
    const expected = resolveRecipe(backbone, undefined, result.recipe);
    expect(saved.features).toEqual({ ...expected.features, coresetMaxSize: expected.maxBankSize });
    const { tileSize, ...settings } = expected.settings;
    expect(saved.settings).toMatchObject(settings);
    expect(saved.settings.tiling.tileSize).toBe(tileSize);
    expect(saved.provenance).toEqual(provenance);
    expect(JSON.parse(await readFile(join(home, 'profiles', 'local', 'tuned', 'v1', 'profile.json'), 'utf8')).provenance).toEqual(provenance);
    for (const [name, value] of Object.entries(result.winner.settings)) {
      if (name === 'pad') expect(saved.settings.borderPad).toBe(value);
      if (name === 'k') expect(saved.features.k).toBe(value);
      if (name === 'blur') expect(saved.settings.smoothingSigmaPx).toBe(value);
      if (name === 'layers') expect(saved.features.layers.join('+')).toBe(value);
    }

    // The profile exists now: the next save rebuilds it from its own images, as version 2.
    const second = await saveTunedProfile(deps, { ...request, newProfileImages: async () => { throw new Error('not used for an existing profile'); } });
    expect(second).toMatchObject({ version: 2, images: 'profile', bankImages: 6, calibrationImages: 3 });
    const v2 = await profiles.load('local', 'tuned', 2);
    expect([...v2.enrolled.bank, ...v2.enrolled.calibration].sort()).toEqual([...saved.enrolled.bank, ...saved.enrolled.calibration].sort());
    expect(v2.provenance).toEqual(provenance);
  });

  it("a saved version's provenance says what to expect at its operating threshold: recall and normals flagged on test", () => {
    const { result } = reference;
    const fused = result.test.methods.find((m) => m.method === 'fused')!;
    const provenance = tunedProvenance(result);
    expect(provenance.test).toMatchObject({
      'fused.auroc': fused.metrics['fused.auroc'], 'fused.recall': fused.metrics['fused.recall'], 'fused.normals-flagged': fused.normalsFlagged,
    });
    expect(fused.metrics['fused.recall']).toBeGreaterThanOrEqual(0);
    expect(provenance).toMatchObject({ metric: result.metric, value: result.winner.value, splitSeed: result.seed, params: result.winner.settings });
    expect(provenance.validationImages).toBe(result.split.search.normal + result.split.search.anomalous);
  });

  it('prints the curves as a table and a chart, and the whole run as text', () => {
    const { result } = reference;
    const table = curvesTable(result);
    expect(table.split('\n')).toHaveLength(2 + OPTIONS.budget);
    expect(table).toContain('bayes best');
    const svg = bestSoFarChart(result);
    expect(svg).toContain('<svg');
    expect((svg.match(/<polyline/g) ?? []).length).toBe(1 + result.searches.length); // base recipe + one curve per search
    const text = formatTune(result);
    expect(text).toContain('test split');
    expect(text).toContain(`winner: `);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

import type { ManifestItem } from '../../../lambdas/application/evaluate/manifest.js';
import { resolveRecipe } from '../../../lambdas/application/profile-builder.js';
import { allMetrics, METRIC_NAMES, metricNamed } from '../../../lambdas/application/tune/metrics.js';
import {
  changesTiles, defaultTunables, layerChoices, NORMALISE_MODES, overridesOf, pointOf, recipeAt, searchSpaceOf, settingValues, TUNABLE_NAMES, TUNABLES,
} from '../../../lambdas/application/tune/space.js';
import { evaluationRows, parseTuneManifest, tuneSplit } from '../../../lambdas/application/tune/split.js';
import { fingerprintProblems } from '../../../lambdas/application/tune/state.js';
import { encodeParams, paramsFromDesign } from '../../../lambdas/domain/decision/search-space.js';
import { DEFAULT_SCORING_SETTINGS } from '../../../lambdas/domain/profile/settings.js';
import type { Backbone, BackboneDescriptor } from '../../../lambdas/ports/backbone.js';

const descriptor: BackboneDescriptor = {
  id: 'fake', sha256: 'x', sizeMultiple: 32, tileSize: 512,
  layers: [{ name: 'a', stride: 8, channels: 96 }, { name: 'b', stride: 16, channels: 192 }, { name: 'e', stride: 32, channels: 1280 }],
  patchLayers: ['a', 'b'], embeddingLayer: 'e',
};
const backbone = { descriptor } as Backbone;

describe('tuning search space', () => {
  it('offers the non-empty subsets of the backbone patch layers, smallest first', () => {
    expect(layerChoices(descriptor)).toEqual(['a', 'b', 'a+b']);
  });

  it('maps every point to a complete recipe that resolveRecipe gives back unchanged', () => {
    const space = searchSpaceOf(TUNABLE_NAMES, descriptor);
    expect(space.parameters.map((p) => p.name)).toEqual(TUNABLE_NAMES);
    const base = resolveRecipe(backbone, undefined, { seed: 3 });
    for (const v of [0.01, 0.37, 0.62, 0.99]) {
      const params = paramsFromDesign(space, TUNABLE_NAMES.map((_, i) => (v + 0.13 * i) % 1));
      encodeParams(space, params); // inside the space
      const values = settingValues(params, descriptor);
      const recipe = recipeAt(base, params, descriptor);
      expect(recipe.features.layers.join('+')).toBe(values['layers']);
      expect(recipe.settings.borderPad).toBe(values['pad']);
      expect(recipe.features.neighbourhood).toBe(values['neighbourhood']);
      expect(recipe.features.k).toBe(values['k']);
      expect(recipe.features.coresetRatio).toBe(values['coresetRatio']);
      expect(recipe.maxBankSize).toBe(values['bankCap']);
      expect(recipe.features.projectionDim).toBe(values['projection'] === 'none' ? null : values['projection']);
      expect(recipe.settings.smoothingSigmaPx).toBe(values['blur']);
      expect(recipe.settings.tileSize).toBe(values['tileSize']);
      expect(recipe.settings.normalise).toEqual(NORMALISE_MODES[values['normalise'] as keyof typeof NORMALISE_MODES]);
      const w = recipe.settings.fusion.weights;
      expect(w.novelty).toBe(values['noveltyWeight']);
      expect(w.consistency).toBe(values['consistencyWeight']);
      expect(w.patch).toBeCloseTo(1 - w.novelty - w.consistency, 12);
      expect(w.density).toBe(values['densityWeight']);
      expect(recipe.settings.density.enabled).toBe(values['densityWeight'] !== 0);
      expect(recipe.settings.density.views).toBe(values['densityViews']);
      expect(recipe.settings.density.shortSide).toBe(values['densityScale']);
      expect(recipe.settings.density.scales.join(',')).toBe(values['densityScales']);
      expect(recipe.settings.density.map).toBe(values['densityMap'] === 'on');
      expect(recipe.settings.density.mapSmoothingPx).toBe(values['densityMapSmoothing']);
      expect(recipe.settings.density.mapLayersSmoothingPx).toBe(values['densityMapLayersSmoothing'] === 'same' ? null : values['densityMapLayersSmoothing']);
      expect(recipe.settings.density.fitCalibration).toBe(values['densityFitCalibration'] === 'on');
      expect(recipe.settings.noveltyFitCalibration).toBe(values['noveltyFitCalibration'] === 'on');
      expect(recipe.settings.operating.thresholds.suspect).toBe(values['threshold']);
      expect(recipe.settings.operating.thresholds.anomalous).toBe(Math.max(values['threshold'] as number, base.settings.operating.thresholds.anomalous));
      // Settings not searched stay the base's.
      expect(recipe.features.seed).toBe(3);
      expect(recipe.settings.nearest).toBe(base.settings.nearest);
      // Complete overrides: resolving them (over anything) gives the recipe back, projection rules included.
      const resolved = resolveRecipe(backbone, undefined, overridesOf(recipe));
      const projection = recipe.features.projectionDim;
      const patchDim = descriptor.layers.filter((l) => recipe.features.layers.includes(l.name)).reduce((n, l) => n + l.channels, 0);
      expect(resolved).toEqual({ ...recipe, features: { ...recipe.features, projectionDim: projection !== null && projection < patchDim ? projection : null } });
    }
  });

  it('searches only the settings asked for, and the product defaults are a point of the space', () => {
    const space = searchSpaceOf(['pad', 'blur'], descriptor);
    expect(space.parameters).toEqual([{ kind: 'integer', name: 'pad', low: 0, high: 4 }, { kind: 'continuous', name: 'blur', low: 0, high: 8, scale: 'linear' }]);
    expect(() => searchSpaceOf(['pad', 'nope'], descriptor)).toThrow(/unknown tunable 'nope'/);
    const base = resolveRecipe(backbone, undefined, { seed: 1 });
    const defaults = {
      layers: 'a+b', pad: 2, neighbourhood: 1, k: 1, coresetRatio: 0.1, bankCap: 1, projection: 2, blur: 4, workingScale: 2, tileSize: 2, normalise: 'product',
      noveltyWeight: 2, consistencyWeight: 2, densityWeight: 3, densityViews: 3, densityScale: 2, densityScales: 1, densityMap: 'on', densityMapSmoothing: 2, densityMapLayersSmoothing: 0, densityFitCalibration: 'on', noveltyFitCalibration: 'on', threshold: 0.5,
    };
    encodeParams(searchSpaceOf(TUNABLE_NAMES, descriptor), defaults);
    // The base recipe's own point (how it joins BO's observations), read back from the recipe.
    expect(pointOf(base, TUNABLE_NAMES, descriptor)).toEqual(defaults);
    expect(pointOf(base, ['pad', 'blur'], descriptor)).toEqual({ pad: 2, blur: 4 });
    expect(pointOf({ ...base, maxBankSize: 3000 }, TUNABLE_NAMES, descriptor)).toBeUndefined();
    expect(pointOf({ ...base, maxBankSize: 3000 }, ['pad'], descriptor)).toEqual({ pad: 2 });
    expect(pointOf(recipeAt(base, { normalise: 'stretch', densityWeight: 0 }, descriptor), ['normalise', 'densityWeight'], descriptor)).toEqual({ normalise: 'stretch', densityWeight: 0 });
    const at = recipeAt(base, defaults, descriptor);
    expect(at.features).toEqual(base.features);
    expect(at.maxBankSize).toBe(base.maxBankSize);
    expect(at.settings).toEqual({ ...base.settings, fusion: { ...base.settings.fusion, weights: { ...base.settings.fusion.weights, patch: expect.closeTo(DEFAULT_SCORING_SETTINGS.fusion.weights.patch, 12) } } });
    expect(TUNABLES.every((t) => t.describe.length > 0)).toBe(true);
  });

  it('knows which settings change the tiles the backbone sees', () => {
    expect(TUNABLES.filter((t) => t.changesTiles).map((t) => t.name)).toEqual(['pad', 'workingScale', 'tileSize', 'normalise']);
    expect(changesTiles(['k', 'blur', 'noveltyWeight', 'layers', 'projection'])).toBe(false);
    expect(changesTiles(['k', 'pad'])).toBe(true);
  });

  it('searches the operating threshold by default only for metrics measured at it', () => {
    expect(defaultTunables(metricNamed('fused.auroc').atOperatingPoint)).toEqual(TUNABLE_NAMES.filter((n) => n !== 'threshold'));
    expect(defaultTunables(metricNamed('fused.f1').atOperatingPoint)).toEqual(TUNABLE_NAMES);
    expect(metricNamed('patch-knn.f1').atOperatingPoint).toBe(false); // patch-knn's threshold is its calibration's, not the operating point
  });
});

describe('tuning metrics', () => {
  it('names METHOD.METRIC, reads them from evaluate results, and has no pixel metrics for centroid', () => {
    expect(METRIC_NAMES).toContain('fused.auroc');
    expect(METRIC_NAMES).toContain('fused.f1');
    expect(METRIC_NAMES).not.toContain('centroid.aupro');
    expect(() => metricNamed('fused.nope')).toThrow(/unknown metric/);
    const result = {
      method: 'fused', details: {}, thresholds: { suspect: 0.5, anomalous: 0.9 }, perClass: [],
      image: { auroc: 0.8, aupr: 0.7, bestF1: { f1: 0.6, threshold: 0.4 }, operating: { f1: 0.5, recall: 0.4 }, atAnomalous: {} },
    } as never;
    expect(metricNamed('fused.f1').read([result])).toBe(0.5);
    expect(metricNamed('fused.pixel-auroc').read([result])).toBeUndefined();
    expect(metricNamed('patch-knn.auroc').read([result])).toBeUndefined();
    expect(allMetrics([result])).toEqual({ 'fused.auroc': 0.8, 'fused.aupr': 0.7, 'fused.best-f1': 0.6, 'fused.f1': 0.5, 'fused.recall': 0.4 });
  });
});

describe('tuning split', () => {
  const item = (i: number, label: 0 | 1, group?: string): ManifestItem => ({ path: `img-${i}.png`, label, className: label ? 'defect' : 'normal', ...(group ? { group } : {}) });
  // 60 normals (every third in a pair group) and 20 anomalies (pairs share a group with a normal now and then).
  const items: ManifestItem[] = [
    ...Array.from({ length: 60 }, (_, i) => item(i, 0, i % 3 === 0 ? `n${Math.floor(i / 6)}` : undefined)),
    ...Array.from({ length: 20 }, (_, i) => item(60 + i, 1, i % 5 === 0 ? `a${i}` : undefined)),
  ];
  const none = items.map(() => false);
  const options = { bankNormals: 20, calibrationNormals: 6, seed: 7, validationFraction: 0.4 };

  it('splits into four disjoint, group-aware roles, seeded; test does not depend on the validation size', () => {
    const a = tuneSplit(items, none, options);
    const all = [...a.bank, ...a.calibration, ...a.validation, ...a.test];
    expect(new Set(all).size).toBe(items.length);
    expect(all.length).toBe(items.length);
    for (const role of [a.bank, a.calibration]) expect(role.every((i) => items[i]!.label === 0)).toBe(true);
    for (const role of [a.validation, a.test]) {
      expect(role.some((i) => items[i]!.label === 0)).toBe(true);
      expect(role.some((i) => items[i]!.label === 1)).toBe(true);
    }
    // Groups never straddle roles.
    const roleOf = new Map<number, string>();
    for (const [name, role] of Object.entries({ bank: a.bank, calibration: a.calibration, validation: a.validation, test: a.test })) for (const i of role) roleOf.set(i, name);
    const groups = new Map<string, Set<string>>();
    items.forEach((it, i) => { if (it.group) groups.set(it.group, (groups.get(it.group) ?? new Set()).add(roleOf.get(i)!)); });
    for (const roles of groups.values()) expect(roles.size).toBe(1);
    // About 40 % of what is left, per kind.
    const rest = items.length - a.bank.length - a.calibration.length;
    expect(a.validation.length).toBeGreaterThan(0.3 * rest);
    expect(a.validation.length).toBeLessThan(0.5 * rest);
    expect(a.search).toEqual(a.validation);

    expect(tuneSplit(items, none, options)).toEqual(a);
    const small = tuneSplit(items, none, { ...options, validationSize: 8 });
    expect(small.test).toEqual(a.test);
    expect(small.validation).toEqual(a.validation);
    expect(small.search.length).toBeGreaterThanOrEqual(8);
    expect(small.search.length).toBeLessThanOrEqual(10);
    expect(small.search.every((i) => a.validation.includes(i))).toBe(true);
    expect(small.search.some((i) => items[i]!.label === 1)).toBe(true);
    expect(tuneSplit(items, none, { ...options, seed: 8 }).test).not.toEqual(a.test);
  });

  it("honours a manifest split column, with validation rows or validation carved from the manifest's test", () => {
    const rows = items.map((it, i) => ({
      path: it.path, label: String(it.label),
      split: it.label === 1 ? (i % 2 ? 'test' : 'validation') : i < 20 ? 'bank' : i < 26 ? 'calibration' : i % 2 ? 'test' : 'validation',
    }));
    const parsed = parseTuneManifest(rows);
    const given = tuneSplit(parsed.items, parsed.validation, options);
    expect(given.source).toBe('manifest');
    expect(given.validation.map((i) => rows[i]!.split)).toEqual(given.validation.map(() => 'validation'));
    expect(given.test.map((i) => rows[i]!.split)).toEqual(given.test.map(() => 'test'));
    expect(given.bank).toHaveLength(20);

    const noValidation = parseTuneManifest(rows.map((r) => ({ ...r, split: r.split === 'validation' ? 'test' : r.split })));
    const carved = tuneSplit(noValidation.items, noValidation.validation, options);
    expect(carved.validation.length).toBeGreaterThan(0);
    expect([...carved.validation, ...carved.test].sort((x, y) => x - y)).toEqual([...given.validation, ...given.test].sort((x, y) => x - y));
  });

  it('builds evaluate rows with the explicit split and nothing else', () => {
    const rows = evaluationRows(items, { bank: [0, 1], calibration: [2], test: [60, 3] });
    expect(rows.map((r) => [r['path'], r['split']])).toEqual([['img-0.png', 'bank'], ['img-1.png', 'bank'], ['img-2.png', 'calibration'], ['img-60.png', 'test'], ['img-3.png', 'test']]);
    expect(rows[0]).toMatchObject({ label: '0', group: 'n0', class: 'normal' });
  });

  it('names what differs between a stored run and this one', () => {
    expect(fingerprintProblems({ a: 1, b: 'x' }, { a: 1, b: 'y', c: null })).toEqual(['b: "x" then, "y" now', 'c: undefined then, null now']);
  });
});

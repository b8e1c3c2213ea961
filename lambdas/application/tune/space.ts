import { isDeepStrictEqual } from 'node:util';
import type { ParameterSpec, Params, ParamValue, SearchSpace } from '../../domain/decision/search-space.js';
import { normaliseOptionsSchema, type NormaliseOptions } from '../../domain/image/normalise.js';
import type { PatchFeatureConfig } from '../../domain/profile/profile.js';
import type { BackboneDescriptor } from '../../ports/backbone.js';
import type { ProfileRecipe, RecipeOverrides } from '../profile-builder.js';

/**
 * What `mmdo tune` searches: one entry per profile setting, each saying how the optimiser sees it (a
 * ParameterSpec over the unit cube) and how a value changes a recipe. A new profile setting (an input scale, a new
 * fusion component) is one more line in TUNABLES; nothing else in the tuner names a setting.
 *
 * Kinds: `continuous` (linear or log), `integer`, `ordinal` (a short ordered list of values: the optimiser sees one
 * integer coordinate, the recipe gets the value; e.g. pad 0/16/32/48/64 px) and `categorical` (one-hot; no order).
 */
export interface Tunable {
  readonly name: string;
  /** What it is, for --help and the README. */
  readonly describe: string;
  /** The optimiser's view of it (may depend on the backbone, e.g. which layers it offers). */
  spec(backbone: BackboneDescriptor): ParameterSpec;
  /** The setting's value for the optimiser's value (ordinals: index → value; others: as is). */
  value(v: ParamValue, backbone: BackboneDescriptor): SettingValue;
  /** The recipe with this setting changed. */
  apply(recipe: ProfileRecipe, value: SettingValue): ProfileRecipe;
  /** The optimiser's value of this setting in a recipe, or undefined when the recipe's value is not in the space. */
  read(recipe: ProfileRecipe, backbone: BackboneDescriptor): ParamValue | undefined;
  /** True for the operating point: it moves no score, only what is flagged, so it is searched by default only for metrics measured at it. */
  readonly operatingPoint?: boolean;
  /** True when it changes what the backbone sees (the tiles' pixels): trials that differ in it share no backbone work. */
  readonly changesTiles?: boolean;
}

export type SettingValue = number | string;

/** Normalisation modes, as `mmdo evaluate --normalise` names them. */
export const NORMALISE_MODES: Readonly<Record<'product' | 'none' | 'stretch' | 'no-clahe', NormaliseOptions | false>> = {
  product: normaliseOptionsSchema.parse({}),
  none: false,
  stretch: normaliseOptionsSchema.parse({ denoise: false, clahe: false }),
  'no-clahe': normaliseOptionsSchema.parse({ clahe: false }),
};
export type NormaliseMode = keyof typeof NORMALISE_MODES;

type Apply<V extends SettingValue> = (recipe: ProfileRecipe, value: V) => ProfileRecipe;
type Get<V extends SettingValue> = (recipe: ProfileRecipe) => V;

function continuous(name: string, describe: string, low: number, high: number, scale: 'linear' | 'log', get: Get<number>, apply: Apply<number>, extra: Partial<Tunable> = {}): Tunable {
  return {
    name, describe,
    spec: () => ({ kind: 'continuous', name, low, high, scale }),
    value: (v) => v as number,
    apply: (r, v) => apply(r, v as number),
    read: (r) => (get(r) >= low && get(r) <= high ? get(r) : undefined),
    ...extra,
  };
}

function integer(name: string, describe: string, low: number, high: number, get: Get<number>, apply: Apply<number>): Tunable {
  return {
    name, describe,
    spec: () => ({ kind: 'integer', name, low, high }),
    value: (v) => v as number,
    apply: (r, v) => apply(r, v as number),
    read: (r) => (Number.isInteger(get(r)) && get(r) >= low && get(r) <= high ? get(r) : undefined),
  };
}

function ordinal<V extends SettingValue>(name: string, describe: string, values: readonly V[], get: Get<V>, apply: Apply<V>, extra: Partial<Tunable> = {}): Tunable {
  return {
    name, describe,
    spec: () => ({ kind: 'integer', name, low: 0, high: values.length - 1 }),
    value: (v) => values[v as number]!,
    apply: (r, v) => apply(r, v as V),
    read: (r) => (values.includes(get(r)) ? values.indexOf(get(r)) : undefined),
    ...extra,
  };
}

function categorical(name: string, describe: string, choices: (b: BackboneDescriptor) => readonly string[], get: (r: ProfileRecipe) => string | undefined, apply: Apply<string>, extra: Partial<Tunable> = {}): Tunable {
  return {
    name, describe,
    spec: (b) => ({ kind: 'categorical', name, choices: choices(b) }),
    value: (v) => v as string,
    apply: (r, v) => apply(r, v as string),
    read: (r, b) => { const v = get(r); return v !== undefined && choices(b).includes(v) ? v : undefined; },
    ...extra,
  };
}

const features = (r: ProfileRecipe, change: Partial<PatchFeatureConfig>): ProfileRecipe => ({ ...r, features: { ...r.features, ...change } });
const settings = (r: ProfileRecipe, change: Partial<ProfileRecipe['settings']>): ProfileRecipe => ({ ...r, settings: { ...r.settings, ...change } });
/** Fusion weights: novelty and consistency are tuned, patch takes the rest of 1 (so the defaults 0.6/0.25/0.15 are a point). */
const weights = (r: ProfileRecipe, change: { novelty?: number; consistency?: number }): ProfileRecipe => {
  const w = { ...r.settings.fusion.weights, ...change };
  return settings(r, { fusion: { ...r.settings.fusion, weights: { ...w, patch: Math.max(0, 1 - w.novelty - w.consistency) } } });
};

const density = (r: ProfileRecipe, change: Partial<ProfileRecipe['settings']['density']>): ProfileRecipe => settings(r, { density: { ...r.settings.density, ...change } });
const densityWeight = (r: ProfileRecipe, w: number): ProfileRecipe => {
  const withWeight = settings(r, { fusion: { ...r.settings.fusion, weights: { ...r.settings.fusion.weights, density: w } } });
  return density(withWeight, { enabled: w > 0 });
};

/** The mode whose options a recipe's normalisation equals (undefined: options no mode names). */
function normaliseModeOf(n: ProfileRecipe['settings']['normalise']): NormaliseMode | undefined {
  return (Object.keys(NORMALISE_MODES) as NormaliseMode[]).find((m) => isDeepStrictEqual(NORMALISE_MODES[m], n));
}

/** The fused score's operating thresholds: suspect as given, anomalous at least as high. */
const operating = (r: ProfileRecipe, suspect: number): ProfileRecipe => {
  const o = r.settings.operating;
  return settings(r, { operating: { ...o, thresholds: { suspect, anomalous: Math.max(suspect, o.thresholds.anomalous) } } });
};

/** Non-empty subsets of the backbone's patch layers ('+'-joined), smallest first: inspection's backbone offers exactly these. */
export function layerChoices(b: BackboneDescriptor): string[] {
  const layers = b.patchLayers;
  const out: string[][] = [];
  for (let mask = 1; mask < 1 << layers.length; mask++) out.push(layers.filter((_, i) => mask & (1 << i)));
  return out.sort((a, c) => a.length - c.length).map((s) => s.join('+'));
}

/** Every setting the tuner knows, in the order tables list them. One line each. */
export const TUNABLES: readonly Tunable[] = [
  categorical('layers', "backbone patch layers (subsets of the backbone's patch layers)", layerChoices, (r) => r.features.layers.join('+'), (r, v) => features(r, { layers: v.split('+') })),
  ordinal('pad', 'reflected border in px', [0, 16, 32, 48, 64], (r) => r.settings.borderPad, (r, v) => settings(r, { borderPad: v }), { changesTiles: true }),
  ordinal('neighbourhood', 'local averaging window of patch features, cells', [1, 3, 5], (r) => r.features.neighbourhood, (r, v) => features(r, { neighbourhood: v })),
  integer('k', 'nearest bank patches averaged per patch score', 1, 5, (r) => r.features.k, (r, v) => features(r, { k: v })),
  continuous('coresetRatio', 'share of bank patches kept by the greedy coreset', 0.01, 0.25, 'log', (r) => r.features.coresetRatio, (r, v) => features(r, { coresetRatio: v })),
  ordinal('bankCap', 'cap on memory-bank vectors', [1024, 2048, 4096, 8192], (r) => r.maxBankSize, (r, v) => ({ ...r, maxBankSize: v })),
  ordinal<number | 'none'>('projection', 'random projection width of patch features', ['none', 32, 64, 128], (r) => r.features.projectionDim ?? 'none', (r, v) => features(r, { projectionDim: v === 'none' ? null : v })),
  continuous('blur', 'smoothing σ of the anomaly map, px', 0, 8, 'linear', (r) => r.settings.smoothingSigmaPx, (r, v) => settings(r, { smoothingSigmaPx: v })),
  ordinal('workingScale', 'patch path working scale: the image is resized by this factor before the backbone', [0.5, 0.75, 1, 1.5, 2], (r) => r.settings.workingScale, (r, v) => settings(r, { workingScale: v }), { changesTiles: true }),
  ordinal('tileSize', 'tile side in px', [256, 512, 1024], (r) => r.settings.tileSize, (r, v) => settings(r, { tileSize: v }), { changesTiles: true }),
  categorical('normalise', 'intensity normalisation (product = denoise + CLAHE + stretch)', () => Object.keys(NORMALISE_MODES), (r) => normaliseModeOf(r.settings.normalise), (r, v) => settings(r, { normalise: NORMALISE_MODES[v as NormaliseMode] }), { changesTiles: true }),
  // Weights are ordinal so that 0 (the component off: a weightless component never lifts the fused score) is a value.
  ordinal('noveltyWeight', 'fusion weight of novelty (patch gets 1 − novelty − consistency)', [0, 0.1, 0.25, 0.4, 0.6], (r) => r.settings.fusion.weights.novelty, (r, v) => weights(r, { novelty: v })),
  ordinal('consistencyWeight', 'fusion weight of the consistency rules (0: off)', [0, 0.05, 0.15, 0.3], (r) => r.settings.fusion.weights.consistency, (r, v) => weights(r, { consistency: v })),
  // Density weighs against patch + novelty + consistency (1 together); 0 also skips fitting it.
  ordinal('densityWeight', 'fusion weight of the image-level density (0: off)', [0, 0.5, 1, 2, 4], (r) => (r.settings.density.enabled ? r.settings.fusion.weights.density : 0), densityWeight),
  ordinal('densityViews', 'test-time views of the density (1 none, 2 mirror, 4 + half turn, 8 all turns and mirrors)', [1, 2, 4, 8], (r) => r.settings.density.views, (r, v) => density(r, { views: v as 1 | 2 | 4 | 8 })),
  ordinal('densityScale', "density's working scale: short side in px", [256, 320, 448, 640], (r) => r.settings.density.shortSide, (r, v) => density(r, { shortSide: v })),
  ordinal('densityScales', "factors of the density's short side averaged as views (1: one scale)", ['1', '0.9,1,1.1', '0.8,1,1.2'], (r) => r.settings.density.scales.join(','), (r, v) => density(r, { scales: v.split(',').map(Number) })),
  categorical('densityMap', "the density's map joined to the patch map (heatmap, regions, pixel figures)", () => ['on', 'off'], (r) => (r.settings.density.map ? 'on' : 'off'), (r, v) => density(r, { map: v === 'on' })),
  ordinal('densityMapSmoothing', "σ of the density map's smoothing before it is joined, px of the density's working image", [0, 16, 32, 64], (r) => r.settings.density.mapSmoothingPx, (r, v) => density(r, { mapSmoothingPx: v })),
  ordinal<number | 'same'>('densityMapLayersSmoothing', "σ of the smoothing of the density's map-only layers, px ('same': densityMapSmoothing's)", ['same', 0, 16, 32, 64], (r) => r.settings.density.mapLayersSmoothingPx ?? 'same', (r, v) => density(r, { mapLayersSmoothingPx: v === 'same' ? null : v })),
  categorical('densityFitCalibration', 'the density refitted on the bank and calibration images once the thresholds are set', () => ['on', 'off'], (r) => (r.settings.density.fitCalibration ? 'on' : 'off'), (r, v) => density(r, { fitCalibration: v === 'on' })),
  categorical('noveltyFitCalibration', "the calibration images' embeddings joined to the enrolled ones once the thresholds are set", () => ['on', 'off'], (r) => (r.settings.noveltyFitCalibration ? 'on' : 'off'), (r, v) => settings(r, { noveltyFitCalibration: v === 'on' })),
  continuous('threshold', 'operating threshold of the fused score (suspect level; searched by default only for fused.f1 / fused.recall)', 0.2, 0.9, 'linear', (r) => r.settings.operating.thresholds.suspect, operating, { operatingPoint: true }),
];

export const TUNABLE_NAMES = TUNABLES.map((t) => t.name);

/** What a run searches unless told: every setting, the operating point only when the metric is measured at it. */
export function defaultTunables(metricUsesOperatingPoint: boolean): string[] {
  return TUNABLES.filter((t) => !t.operatingPoint || metricUsesOperatingPoint).map((t) => t.name);
}

export function tunableNamed(name: string): Tunable {
  const t = TUNABLES.find((x) => x.name === name);
  if (!t) throw new RangeError(`unknown tunable '${name}'; known: ${TUNABLE_NAMES.join(', ')}`);
  return t;
}

/** Whether any of the named settings changes the tiles the backbone sees (if none does, every trial reuses the first one's backbone work). */
export function changesTiles(names: readonly string[]): boolean {
  return names.some((n) => tunableNamed(n).changesTiles === true);
}

/** The optimiser's space over the named settings (in TUNABLES order). */
export function searchSpaceOf(names: readonly string[], backbone: BackboneDescriptor): SearchSpace {
  const chosen = TUNABLES.filter((t) => names.includes(t.name));
  for (const n of names) tunableNamed(n);
  return { parameters: chosen.map((t) => t.spec(backbone)) };
}

/** The settings an optimiser point stands for (ordinal indices → values). */
export function settingValues(params: Params, backbone: BackboneDescriptor): Record<string, SettingValue> {
  return Object.fromEntries(Object.entries(params).map(([name, v]) => [name, tunableNamed(name).value(v, backbone)]));
}

/** The base recipe with the point's settings applied (in TUNABLES order, so weights compose the same way every time). */
export function recipeAt(base: ProfileRecipe, params: Params, backbone: BackboneDescriptor): ProfileRecipe {
  const values = settingValues(params, backbone);
  return TUNABLES.filter((t) => t.name in values).reduce((r, t) => t.apply(r, values[t.name]!), base);
}

/**
 * The optimiser's point of a recipe over the named settings, or undefined when one of its values is not in the space
 * (e.g. a bank cap of 3,000): how the base recipe joins the GP's observations.
 */
export function pointOf(recipe: ProfileRecipe, names: readonly string[], backbone: BackboneDescriptor): Params | undefined {
  const point: Record<string, ParamValue> = {};
  for (const t of TUNABLES.filter((x) => names.includes(x.name))) {
    const v = t.read(recipe, backbone);
    if (v === undefined) return undefined;
    point[t.name] = v;
  }
  return point;
}

/** A recipe as complete overrides: resolveRecipe(backbone, anything, overridesOf(r)) gives r back. */
export function overridesOf(r: ProfileRecipe): RecipeOverrides {
  return {
    layers: [...r.features.layers],
    neighbourhood: r.features.neighbourhood,
    k: r.features.k,
    coresetRatio: r.features.coresetRatio,
    projectionDim: r.features.projectionDim,
    seed: r.features.seed,
    maxBankSize: r.maxBankSize,
    settings: r.settings,
  };
}

/** One line per recipe, for tables and logs: the tuned settings with their values. */
export function describeSettings(values: Readonly<Record<string, SettingValue>>): string {
  return Object.entries(values).map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : v}`).join(', ');
}

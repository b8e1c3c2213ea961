/**
 * Detection on the synthetic micrograph generator: enrols generated normals (bank + held-out calibration, like
 * the demo profile), then scores held-out normals and every anomaly type and prints AUROC per type, the share
 * of anomalies flagged (verdict suspect or worse) and of normals flagged. Backbone outputs are computed once;
 * `--sweep` (or `--variants '{"name": {partial config}}'`) then compares patch-feature settings on the same outputs.
 * Env: RANGES=1 prints score ranges per kind, DETAIL=1 every score, NORMALISE='{"clahe":false}' normalise options.
 *
 *   npx tsx scripts/synth-detection.ts [--backbone builtin|PATH] [--normals 20] [--held 20] [--per-type 6] [--size 256] [--offset 0] [--sweep]
 */
import { parseArgs } from 'node:util';
import type { FeatureMap } from '../lambdas/domain/features/feature-map.js';
import type { GreyImage } from '../lambdas/domain/image/grey-image.js';
import { createGreyImage } from '../lambdas/domain/image/grey-image.js';
import { normalise } from '../lambdas/domain/image/normalise.js';
import { greedyCoreset, selectRows } from '../lambdas/domain/scoring/coreset.js';
import { buildCalibration, calibrate, verdictOf } from '../lambdas/domain/scoring/calibration.js';
import { buildPatchGrid, type PatchGridConfig } from '../lambdas/domain/scoring/patch-grid.js';
import { ANOMALY_TYPES, generateMicrograph, type AnomalyType } from '../lambdas/domain/synth/index.js';
import { resolveBackbone } from '../lambdas/adapters/local/onnx/model-store.js';
import { OnnxBackbone } from '../lambdas/adapters/local/onnx/onnx-backbone.js';
import { LocalVectorIndexFactory } from '../lambdas/adapters/local/vector-index/index.js';
import { scorePatches } from '../lambdas/application/scoring.js';
import type { ImageFeatures } from '../lambdas/application/features.js';
import { planTiles } from '../lambdas/domain/image/tiling.js';
import { DEFAULT_ENROLLMENT_SETTINGS } from '../lambdas/application/enroll.js';

const { values: args } = parseArgs({
  options: {
    backbone: { type: 'string', default: 'builtin' },
    normals: { type: 'string', default: '20' },
    held: { type: 'string', default: '20' },
    'per-type': { type: 'string', default: '6' },
    size: { type: 'string', default: '256' },
    /** Shifts the held-out and anomaly seeds: a fresh test set for settings tuned on the default one. */
    offset: { type: 'string', default: '0' },
    sweep: { type: 'boolean', default: false },
    /** JSON object {name: partial config} evaluated instead of the built-in sweep list. */
    variants: { type: 'string' },
  },
});
const size = Number(args.size);
const pixelSizeUm = 0.1;

function quantised(image: GreyImage): GreyImage {
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, image.data[i]!)) * 255) / 255;
  return normalise(createGreyImage(image.width, image.height, out), JSON.parse(process.env.NORMALISE ?? '{}')).image;
}

interface Sample { readonly kind: 'bank' | 'calibration' | 'normal' | AnomalyType; readonly maps: FeatureMap[] }

const resolved = await resolveBackbone({ model: args.backbone });
// Every output is requested so the sweep can try any layer set; the defaults use the manifest's patch layers.
const backbone = await OnnxBackbone.create(resolved.bytes, { ...resolved.manifest, patchLayers: resolved.manifest.outputs.map((o) => o.name) }, resolved.sha256);
const defaultLayers = resolved.manifest.patchLayers;
const samples: Sample[] = [];
const nNormals = Number(args.normals);
const nCal = Math.round(nNormals * 0.3);
const make = async (kind: Sample['kind'], seed: number, anomaly?: AnomalyType) => {
  const { image } = generateMicrograph({ seed, width: size, height: size, pixelSizeUm, ...(anomaly ? { anomaly } : {}) });
  const [maps] = await backbone.extract([quantised(image)]);
  samples.push({ kind, maps: maps!.map((m) => ({ ...m, data: Float32Array.from(m.data) })) });
};
for (let i = 0; i < nNormals; i++) await make(i < nCal ? 'calibration' : 'bank', 7000 + i);
const offset = Number(args.offset);
for (let i = 0; i < Number(args.held); i++) await make('normal', 8000 + offset + i);
for (const type of ANOMALY_TYPES) for (let i = 0; i < Number(args['per-type']); i++) await make(type, 9000 + offset + 37 * i + type.length, type);

interface Config extends PatchGridConfig { readonly k: number; readonly maxBank: number; readonly topFraction?: number; readonly coresetRatio: number }

function auroc(pos: number[], neg: number[]): number {
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

const factory = new LocalVectorIndexFactory();
async function evaluate(config: Config): Promise<string> {
  const feat = (s: Sample): ImageFeatures => ({
    width: size, height: size, plan: planTiles(size, size, size, 0, backbone.descriptor.sizeMultiple),
    grids: [buildPatchGrid(s.maps, config)], embedding: new Float32Array(1),
  });
  const bankGrids = samples.filter((s) => s.kind === 'bank').map((s) => feat(s).grids[0]!);
  const dim = bankGrids[0]!.dim;
  const all = new Float32Array(bankGrids.reduce((n, g) => n + g.data.length, 0));
  let o = 0;
  for (const g of bankGrids) { all.set(g.data, o); o += g.data.length; }
  const bank = selectRows(all, dim, greedyCoreset(all, dim, { ratio: config.coresetRatio, maxSize: config.maxBank, seed: 42 }));
  const index = await factory.build(bank.vectors, dim, 'exact');
  const scores = new Map<Sample['kind'], number[]>();
  const maps: GreyImage[] = [];
  for (const s of samples) {
    if (s.kind === 'bank') continue;
    const r = await scorePatches(feat(s), index, config.k);
    const score = config.topFraction === undefined ? r.imageScore : topMean(r.map.data, config.topFraction);
    if (s.kind === 'calibration') maps.push(r.map);
    scores.set(s.kind, [...(scores.get(s.kind) ?? []), score]);
  }
  await index.dispose();
  const cal = buildCalibration({ imageScores: scores.get('calibration')!, scoreMaps: maps, noveltyScores: [] });
  const normal = scores.get('normal')!;
  const flagged = (xs: number[]) => xs.filter((x) => verdictOf(calibrate(x, cal)) !== 'normal').length;
  const parts = ANOMALY_TYPES.map((t) => `${t.slice(0, 5)} ${auroc(scores.get(t)!, normal).toFixed(2)} (${flagged(scores.get(t)!)}/${scores.get(t)!.length})`);
  if (process.env.DETAIL) console.log(JSON.stringify(Object.fromEntries([...scores].map(([k, v]) => [k, v.map((x) => +x.toFixed(2))]))));
  const anomalies = ANOMALY_TYPES.flatMap((t) => scores.get(t)!);
  const stats = (xs: number[]) => `${Math.min(...xs).toFixed(2)}..${Math.max(...xs).toFixed(2)}`;
  const ranges = process.env.RANGES ? ` | ranges normal ${stats(normal)} suspect>${cal.suspect.toFixed(2)} ${ANOMALY_TYPES.map((t) => `${t.slice(0, 5)} ${stats(scores.get(t)!)}`).join(' ')}` : '';
  return `AUROC all ${auroc(anomalies, normal).toFixed(3)} | ${parts.join(' | ')} | normals flagged ${flagged(normal)}/${normal.length} | bank ${bank.count}x${dim}${ranges}`;
}

function topMean(data: Float32Array, fraction: number): number {
  const sorted = Float32Array.from(data).sort();
  const n = Math.max(1, Math.round(sorted.length * fraction));
  let s = 0;
  for (let i = sorted.length - n; i < sorted.length; i++) s += sorted[i]!;
  return s / n;
}

const d = DEFAULT_ENROLLMENT_SETTINGS;
const base: Config = {
  layers: [...defaultLayers], neighbourhood: d.neighbourhood, projectionDim: d.projectionDim, seed: d.seed,
  k: d.k, maxBank: d.maxBankSize, coresetRatio: d.coresetRatio,
};
console.log(`${backbone.descriptor.id} ${size}px, ${nNormals - nCal} bank + ${nCal} calibration normals, ${args.held} held-out normals, ${args['per-type']} per anomaly type`);
console.log(`defaults: ${await evaluate(base)}`);
if (args.variants) {
  for (const [name, v] of Object.entries(JSON.parse(args.variants) as Record<string, Partial<Config>>)) console.log(`${name}: ${await evaluate({ ...base, ...v })}`);
} else if (args.sweep) {
  const layerSets = [...backbone.descriptor.layers.map((l) => [l.name]), [...defaultLayers]];
  const variants: [string, Partial<Config>][] = [
    ['no projection', { projectionDim: null }],
    ['no projection, bank 20000', { projectionDim: null, maxBank: 20000 }],
    ['bank 20000', { maxBank: 20000 }],
    ['coreset 0.25', { coresetRatio: 0.25, maxBank: 20000 }],
    ['neighbourhood 1', { neighbourhood: 1 }],
    ['neighbourhood 5', { neighbourhood: 5 }],
    ['k 3', { k: 3 }],
    ['map top 1%', { topFraction: 0.01 }],
    ...layerSets.map((layers): [string, Partial<Config>] => [`layers ${layers.join('+')}`, { layers }]),
    ...(backbone.descriptor.layers.length > 2 ? [['layers all', { layers: backbone.descriptor.layers.map((l) => l.name).filter((n) => n !== 'out_relu') }] as [string, Partial<Config>]] : []),
  ];
  for (const [name, v] of variants) console.log(`${name}: ${await evaluate({ ...base, ...v })}`);
}
await backbone.dispose();

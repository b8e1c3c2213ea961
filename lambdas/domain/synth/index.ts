export { generateMicrograph, SynthParamsSchema } from './micrograph.js';
export type { Micrograph, MicrographRequest, MicrographTruth, SynthParams, SynthParamsInput } from './micrograph.js';
export { ANOMALY_TYPES } from './anomalies.js';
export type { AnomalyType } from './anomalies.js';
export { PHASE } from './canvas.js';
export { createRandom } from './random.js';
export type { Random } from './random.js';
export { planSynthSet } from './dataset.js';
export type { SynthSetItem, SynthSetOptions } from './dataset.js';

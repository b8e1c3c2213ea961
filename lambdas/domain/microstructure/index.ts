export { analyseMicrostructure, MICROSTRUCTURE_VERSION } from './analyse.js';
export type { AnalyseOptions, MicrostructureAnalysis } from './analyse.js';
export { checkConsistency, DEFAULT_TOLERANCES, RULES, SEVERITY_WEIGHT } from './consistency.js';
export type { ConsistencyTolerances, Finding, RuleCheck, RuleName, Severity } from './consistency.js';
export { DEFAULT_METRIC_SETTINGS, measureMicrostructure } from './metrics.js';
export type { MetricSettings, MicrostructureMeasurements } from './metrics.js';
export { MODALITY_SETTINGS, PHASE_CODE, segmentPhases } from './segmentation.js';
export type { Modality, Segmentation, SegmentationSettings } from './segmentation.js';

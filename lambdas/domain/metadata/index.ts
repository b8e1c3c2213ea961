export { SynthesisMetadataSchema } from './schema.js';
export type { SynthesisMetadata } from './schema.js';
export { fieldForKey, normaliseSheet, parseKeyValueText, SheetValidationError } from './sheet.js';
export type { FieldError } from './sheet.js';
export * from './phase-densities.js';

import { scoreStep } from '../application/cloud/steps.js';
import { stepHandler } from './support/step-handler.js';

/** Patch scoring and novelty: stitch patch scores, find regions, k-NN novelty in OpenSearch. */
export const createScoreHandler = (deps?: Parameters<typeof stepHandler>[2]) => stepHandler('score', scoreStep, deps);

export const handler = createScoreHandler();

import { runStep } from '../application/pipeline/run-step.js';
import { stepHandler } from './support/step-handler.js';

/** The analyse step: normalise, embed (the GPU endpoint), patch scoring and novelty (OpenSearch). */
export const createAnalyseHandler = (deps?: Parameters<typeof stepHandler>[2]) => stepHandler('analyse', (state, d) => runStep('analyse', state, d), deps);

export const handler = createAnalyseHandler();

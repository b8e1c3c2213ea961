import { embedStep } from '../application/cloud/steps.js';
import { stepHandler } from './support/step-handler.js';

/** Embed: the SageMaker endpoint embeds every tile and scores its patches against the memory bank. */
export const createEmbedHandler = (deps?: Parameters<typeof stepHandler>[2]) => stepHandler('embed', embedStep, deps);

export const handler = createEmbedHandler();

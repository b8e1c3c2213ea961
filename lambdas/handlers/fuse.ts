import { fuseStep } from '../application/cloud/steps.js';
import { stepHandler } from './support/step-handler.js';

/** Fuse the calibrated components into the score and verdict. */
export const createFuseHandler = (deps?: Parameters<typeof stepHandler>[2]) => stepHandler('fuse', fuseStep, deps);

export const handler = createFuseHandler();

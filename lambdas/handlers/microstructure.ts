import { microstructureStep } from '../application/cloud/steps.js';
import { stepHandler } from './support/step-handler.js';

/** Microstructure and consistency checks on the original image. */
export const createMicrostructureHandler = (deps?: Parameters<typeof stepHandler>[2]) => stepHandler('microstructure', microstructureStep, deps);

export const handler = createMicrostructureHandler();

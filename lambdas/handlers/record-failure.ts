import { recordFailureStep } from '../application/cloud/steps.js';
import { stepHandler } from './support/step-handler.js';

/** Permanent failure: a failed report with its reason; the result is the failed event detail. */
export const createRecordFailureHandler = (deps?: Parameters<typeof stepHandler>[2]) => stepHandler('record-failure', recordFailureStep, deps);

export const handler = createRecordFailureHandler();

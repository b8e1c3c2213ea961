import { recordFailure } from '../application/pipeline/run-step.js';
import { triggerIfEvent } from './support/s3-upload-events.js';
import { stepHandler } from './support/step-handler.js';

/**
 * The failure path: a failed report with its reason; the result carries the failed event's detail. When ingest
 * itself failed the state is still the triggering event, which then names the upload.
 */
export const createRecordFailureHandler = (deps?: Parameters<typeof stepHandler>[2]) =>
  stepHandler('record-failure', (state, d) => recordFailure(state, d, triggerIfEvent(state)), deps);

export const handler = createRecordFailureHandler();

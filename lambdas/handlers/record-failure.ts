import { recordFailureStep } from '../application/cloud/steps.js';
import { uploadFromEventBridge } from './support/s3-upload-events.js';
import { stepHandler } from './support/step-handler.js';

/**
 * Permanent failure: a failed report with its reason; the result is the failed event detail. The state still
 * carries the triggering event; it is needed (and must parse) only when ingest itself failed.
 */
export const createRecordFailureHandler = (deps?: Parameters<typeof stepHandler>[2]) =>
  stepHandler('record-failure', (state, d) => recordFailureStep(state, d, triggeringUpload(state)), deps);

function triggeringUpload(state: unknown) {
  try {
    return uploadFromEventBridge(state);
  } catch {
    return undefined;
  }
}

export const handler = createRecordFailureHandler();

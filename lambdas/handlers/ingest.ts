import { startInspection } from '../application/pipeline/run-step.js';
import { triggerFromEventBridge } from './support/s3-upload-events.js';
import { stepHandler } from './support/step-handler.js';

/** The first step: input is the EventBridge "Object Created" event; `duplicate: true` ends the run. */
export const createIngestHandler = (deps?: Parameters<typeof stepHandler>[2]) =>
  stepHandler('ingest', (event, d) => startInspection(triggerFromEventBridge(event), d), deps);

export const handler = createIngestHandler();

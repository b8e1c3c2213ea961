import { startInspection } from '../application/pipeline/run-step.js';
import { triggerFromEventBridge } from './support/s3-upload-events.js';
import { stepHandler } from './support/step-handler.js';

/**
 * The first step: input is the EventBridge "Object Created" event; it claims the object version (`duplicate: true`
 * ends the run), then runs the analyse stages (ingest to novelty: the GPU endpoint and the embedding index).
 */
export const createAnalyseHandler = (deps?: Parameters<typeof stepHandler>[2]) =>
  stepHandler('analyse', (event, d) => startInspection(triggerFromEventBridge(event), d), deps);

export const handler = createAnalyseHandler();

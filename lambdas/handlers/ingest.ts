import { ingestStep } from '../application/cloud/steps.js';
import { triggerFromEventBridge } from './support/s3-upload-events.js';
import { logger, metrics, stepHandler } from './support/step-handler.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

/** Ingest and normalise: input is the EventBridge "Object Created" event; `{ duplicate: true }` ends the run. */
export const createIngestHandler = (deps?: Parameters<typeof stepHandler>[2]) =>
  stepHandler('ingest', async (event, d) => {
    const result = await ingestStep(triggerFromEventBridge(event), d);
    if (result.duplicate) {
      metrics.addMetric('duplicateEvents', MetricUnit.Count, 1);
      logger.info('duplicate event: this object version already has an inspection', { reportId: result.reportId });
    }
    return result;
  }, deps);

export const handler = createIngestHandler();

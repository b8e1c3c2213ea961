import { runStep } from '../application/pipeline/run-step.js';
import { stepHandler } from './support/step-handler.js';

/** The report step: fuse, render the images, write the report once; the result carries the completed event's detail. */
export const createReportHandler = (deps?: Parameters<typeof stepHandler>[2]) => stepHandler('report', (state, d) => runStep('report', state, d), deps);

export const handler = createReportHandler();

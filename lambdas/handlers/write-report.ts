import { writeReportStep } from '../application/cloud/steps.js';
import { stepHandler } from './support/step-handler.js';

/** Write the report (DynamoDB, once per object version) and its images (S3); the result is the completed event detail. */
export const createWriteReportHandler = (deps?: Parameters<typeof stepHandler>[2]) => stepHandler('write-report', writeReportStep, deps);

export const handler = createWriteReportHandler();

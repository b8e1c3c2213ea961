import { sheetText } from '../metadata/sheet.js';
import type { Report } from './report.js';

/**
 * The batch a report belongs to (listing by batch): the synthesis sheet's batch field under any spelling a lab sheet
 * uses ("batch", "Batch ID", "lot"...). Both report stores index by it.
 */
export function batchOf(report: Pick<Report, 'metadata'>): string | undefined {
  return sheetText(report.metadata, 'batchId');
}

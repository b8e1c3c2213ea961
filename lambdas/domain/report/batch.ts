import { fieldForKey } from '../metadata/sheet.js';
import type { Report } from './report.js';

/**
 * The batch a report belongs to (listing by batch): the synthesis sheet's batch field under any spelling a lab sheet
 * uses ("batch", "Batch ID", "lot"...). Both report stores index by it.
 */
export function batchOf(report: Pick<Report, 'metadata'>): string | undefined {
  for (const [key, value] of Object.entries(report.metadata ?? {})) {
    if (fieldForKey(key) === 'batchId' && (typeof value === 'string' || typeof value === 'number') && String(value).trim() !== '') return String(value).trim();
  }
  return undefined;
}

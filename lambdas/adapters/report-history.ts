import type { Report } from '../domain/report/report.js';
import { sheetText } from '../domain/metadata/sheet.js';
import type { CyclingHistory, CyclingHistoryStore, InspectionHistory } from '../ports/history.js';
import type { ReportStore } from '../ports/stores.js';

/** Replicates read through any report store's batch listing; histories from any history store. */
export class ReportHistory implements InspectionHistory {
  constructor(private readonly reports: Pick<ReportStore, 'list'>, private readonly histories: CyclingHistoryStore, private readonly maxReplicates = 50) {}

  async replicates(tenant: string, batchId: string, sampleId: string, excludeReportId: string): Promise<Report[]> {
    const out: Report[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.reports.list(tenant, { batch: batchId, limit: 100, ...(cursor ? { cursor } : {}) });
      for (const r of page.items) {
        if (r.id !== excludeReportId && r.status === 'completed' && sheetText(r.metadata, 'sampleId') === sampleId) out.push(r);
      }
      cursor = page.cursor;
    } while (cursor && out.length < this.maxReplicates);
    return out.slice(0, this.maxReplicates);
  }

  cyclingHistories(tenant: string): Promise<CyclingHistory[]> {
    return this.histories.list(tenant);
  }
}

import type { Report } from '../../domain/report/report.js';
import type { OnceReportStore } from '../../ports/inspection.js';
import type { UsageLedger } from '../../ports/partner-api.js';
import { meterReport } from './usage.js';

/**
 * The report store as the write stage sees it, billing each completed report once: after the write, the stored
 * completed report is recorded in the ledger under its id. A duplicate write (a retried step, an overlapping run)
 * records the same event id again, which the ledger ignores; a failed write bills nothing, and a retry bills once.
 */
export class MeteredReportStore implements OnceReportStore {
  constructor(private readonly inner: OnceReportStore, private readonly ledger: UsageLedger) {}

  async putOnce(report: Report): Promise<'written' | 'duplicate'> {
    const outcome = await this.inner.putOnce(report);
    const stored = outcome === 'written' ? report : await this.inner.get(report.tenant, report.id);
    if (stored) await meterReport(this.ledger, stored);
    return outcome;
  }

  get(tenant: string, id: string): Promise<Report | undefined> {
    return this.inner.get(tenant, id);
  }
}

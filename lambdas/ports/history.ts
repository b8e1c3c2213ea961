import type { Report } from '../domain/report/report.js';

/** A batch's measured capacity retention (fraction of initial capacity) against cycle number. */
export interface CyclingHistory {
  readonly batchId: string;
  readonly points: readonly { readonly cycle: number; readonly retention: number }[];
  /** True when the history was generated (a documented degradation model), not measured. */
  readonly synthetic: boolean;
  /** Forecast features of the batch (mean over its reports when the history was attached), if it had any. */
  readonly features?: readonly number[];
  readonly reports: number;
  readonly attachedAt: string;
}

/** What earlier inspections and attached histories say about a new one (replicates, forecasts). */
export interface InspectionHistory {
  /** Completed reports of other fields of view of the same sample (same batch and sample id), newest first. */
  replicates(tenant: string, batchId: string, sampleId: string, excludeReportId: string): Promise<Report[]>;
  /** The tenant's attached cycling histories. */
  cyclingHistories(tenant: string): Promise<CyclingHistory[]>;
}

/** Where cycling histories are kept (one per batch and tenant; attaching again replaces it). */
export interface CyclingHistoryStore {
  put(tenant: string, history: CyclingHistory): Promise<void>;
  list(tenant: string): Promise<CyclingHistory[]>;
}

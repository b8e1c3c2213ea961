import { csvCell } from '../../domain/csv.js';
import type { Report } from '../../domain/report/report.js';
import type { UsageKind, UsageLedger, UsageRecord } from '../../ports/partner-api.js';

/**
 * Metering: one usage record per billable event, keyed by the event's own id, so a retried step, a redelivered S3
 * event or a second run of the same upload never bills twice (the ledger's put is conditional on the id).
 * Billable: a completed inspection, an enrolled image. Failed inspections are not billed.
 */
export function inspectionUsage(report: Report): UsageRecord | undefined {
  if (report.status !== 'completed') return undefined;
  return {
    tenant: report.tenant,
    eventId: `inspection:${report.id}`,
    kind: 'inspection',
    quantity: 1,
    occurredAt: report.createdAt,
    ...(report.profile ? { profile: report.profile.name } : {}),
    reportId: report.id,
  };
}

/** Records the report's usage if it is billable; safe to call on every retry. */
export async function meterReport(ledger: UsageLedger | undefined, report: Report): Promise<void> {
  const record = inspectionUsage(report);
  if (ledger && record) await ledger.record(record);
}

export interface UsageSummary {
  readonly from: string;
  readonly to: string;
  readonly totals: Readonly<Record<UsageKind, number>>;
  readonly byProfile: readonly { profile: string; kind: UsageKind; quantity: number }[];
  readonly byDay: readonly { day: string; kind: UsageKind; quantity: number }[];
}

export function summarise(records: readonly UsageRecord[], from: string, to: string): UsageSummary {
  const totals: Record<UsageKind, number> = { inspection: 0, enrolment_image: 0 };
  const byProfile = new Map<string, number>();
  const byDay = new Map<string, number>();
  for (const r of records) {
    totals[r.kind] += r.quantity;
    const p = `${r.profile ?? ''}\n${r.kind}`;
    byProfile.set(p, (byProfile.get(p) ?? 0) + r.quantity);
    const d = `${r.occurredAt.slice(0, 10)}\n${r.kind}`;
    byDay.set(d, (byDay.get(d) ?? 0) + r.quantity);
  }
  const split = (key: string) => key.split('\n') as [string, UsageKind];
  return {
    from, to, totals,
    byProfile: [...byProfile].map(([k, quantity]) => ({ profile: split(k)[0], kind: split(k)[1], quantity })).sort((a, b) => a.profile.localeCompare(b.profile) || a.kind.localeCompare(b.kind)),
    byDay: [...byDay].map(([k, quantity]) => ({ day: split(k)[0], kind: split(k)[1], quantity })).sort((a, b) => a.day.localeCompare(b.day) || a.kind.localeCompare(b.kind)),
  };
}

const CSV_COLUMNS = ['occurredAt', 'eventId', 'kind', 'quantity', 'profile', 'reportId'] as const;

/** RFC 4180 CSV of the records; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function usageCsv(records: readonly UsageRecord[]): string {
  return [CSV_COLUMNS.join(','), ...records.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n';
}

/**
 * The AWS Marketplace `BatchMeterUsage` records the ledger maps onto (not sent: the seller's metering job sends them
 * hourly). One UsageRecord per (customer, dimension, hour): `CustomerIdentifier` is the tenant's Marketplace customer
 * id, `Dimension` the usage kind, `Quantity` the sum, `Timestamp` the hour. Idempotency is ours (event ids);
 * Marketplace de-duplicates per (customer, dimension, hour) as well.
 */
export function marketplaceRecords(records: readonly UsageRecord[], customerIdentifier: (tenant: string) => string) {
  const hours = new Map<string, { CustomerIdentifier: string; Dimension: UsageKind; Quantity: number; Timestamp: Date }>();
  for (const r of records) {
    const hour = `${r.occurredAt.slice(0, 13)}:00:00.000Z`;
    const key = `${r.tenant}\n${r.kind}\n${hour}`;
    const entry = hours.get(key) ?? { CustomerIdentifier: customerIdentifier(r.tenant), Dimension: r.kind, Quantity: 0, Timestamp: new Date(hour) };
    entry.Quantity += r.quantity;
    hours.set(key, entry);
  }
  return [...hours.values()];
}

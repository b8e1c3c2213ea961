import { z } from 'zod';
import { VerdictSchema, type Report } from '../report/report.js';

/**
 * What a webhook subscriber receives when an inspection ends. A thin, versioned event (Standard Webhooks shape
 * `{ type, timestamp, data }`): the verdict and score a receiver acts on, plus the report's id and links to fetch
 * the full report and its images. Breaking changes bump WEBHOOK_PAYLOAD_VERSION; additions stay on this version.
 */
export const WEBHOOK_PAYLOAD_VERSION = '1' as const;

export const WEBHOOK_EVENT_TYPES = ['inspection.completed', 'inspection.failed'] as const;
export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

export const WebhookPayloadSchema = z.object({
  type: WebhookEventTypeSchema,
  /** When the event happened (the report's creation time), ISO 8601. */
  timestamp: z.iso.datetime(),
  version: z.literal(WEBHOOK_PAYLOAD_VERSION),
  data: z.object({
    reportId: z.string().min(1),
    tenant: z.string().min(1),
    status: z.enum(['completed', 'failed']),
    reportSchemaVersion: z.string(),
    input: z.object({ name: z.string(), sha256: z.string() }),
    profile: z.object({ name: z.string(), version: z.number().int().positive() }).nullable(),
    verdict: VerdictSchema.nullable(),
    score: z.number().min(0).max(1).nullable(),
    regionCount: z.number().int().nonnegative(),
    failure: z.object({ code: z.string(), message: z.string(), stage: z.string() }).nullable(),
    /** Where the full report and its images are, relative to the API base URL (absolute when one is configured). */
    links: z.record(z.string(), z.string()),
  }),
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

export function eventTypeOf(report: Pick<Report, 'status'>): WebhookEventType {
  return report.status === 'completed' ? 'inspection.completed' : 'inspection.failed';
}

/** The event for a finished report; `apiBaseUrl` (no trailing slash) makes the links absolute. */
export function webhookPayloadFromReport(report: Report, apiBaseUrl = ''): WebhookPayload {
  const self = `${apiBaseUrl}/v1/inspections/${encodeURIComponent(report.id)}`;
  const links: Record<string, string> = { report: self };
  for (const kind of ['heatmap', 'overlay'] as const) if (report.artifacts[kind]) links[kind] = `${self}/${kind}.png`;
  return {
    type: eventTypeOf(report),
    timestamp: report.createdAt,
    version: WEBHOOK_PAYLOAD_VERSION,
    data: {
      reportId: report.id,
      tenant: report.tenant,
      status: report.status,
      reportSchemaVersion: report.schemaVersion,
      input: { name: report.input.name, sha256: report.input.sha256 },
      profile: report.profile,
      verdict: report.scores?.verdict ?? null,
      score: report.scores?.score ?? null,
      regionCount: report.regions.length,
      failure: report.failure ?? null,
      links,
    },
  };
}

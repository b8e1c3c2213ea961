import { z } from 'zod';
import { VerdictSchema, type Report } from '../report/report.js';

/**
 * What a webhook subscriber receives. Thin, versioned events (Standard Webhooks shape `{ type, timestamp, data }`):
 * - `inspection.completed` / `inspection.failed` when an inspection ends: the verdict and score a receiver acts on,
 *   plus the report's id and links to fetch the full report and its images (WebhookPayloadSchema);
 * - `profile.updated` when a profile changes through the API: a version created (enrolment, feedback applied),
 *   a version activated, or the profile deleted (ProfileWebhookPayloadSchema).
 * Breaking changes bump WEBHOOK_PAYLOAD_VERSION; additions stay on this version.
 */
export const WEBHOOK_PAYLOAD_VERSION = '1' as const;

export const INSPECTION_EVENT_TYPES = ['inspection.completed', 'inspection.failed'] as const;
export const PROFILE_EVENT_TYPE = 'profile.updated' as const;
/** Every event type a subscription may choose (a new subscription gets all of them unless it names some). */
export const WEBHOOK_EVENT_TYPES = [...INSPECTION_EVENT_TYPES, PROFILE_EVENT_TYPE] as const;
export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

/** The event of a finished inspection (unchanged since version 1). */
export const WebhookPayloadSchema = z.object({
  type: z.enum(INSPECTION_EVENT_TYPES),
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

export function eventTypeOf(report: Pick<Report, 'status'>): (typeof INSPECTION_EVENT_TYPES)[number] {
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

/** What happened to a profile: a version made (enrolment, feedback applied), a version made the active one, or deletion. */
export const PROFILE_UPDATE_ACTIONS = ['version_created', 'version_activated', 'deleted'] as const;
/** What caused it: an enrolment job, a feedback (recalibration) job, or an API call (activate, delete). */
export const PROFILE_UPDATE_SOURCES = ['enrolment', 'feedback', 'api'] as const;

/**
 * A profile change as the runtime that made it announces it (the local outbox; the cloud's EventBridge event
 * `mmdo.profile` / `Profile Updated`, whose detail is exactly this). `eventId` identifies the change: announcing it
 * again (a job's end recorded twice after a crash, a redelivered event) is the same event, with the same webhook-id.
 */
export const ProfileEventSchema = z.object({
  eventId: z.string().min(1).max(300),
  tenant: z.string().min(1),
  profile: z.string().min(1),
  action: z.enum(PROFILE_UPDATE_ACTIONS),
  /** The version created or activated; null when the profile was deleted. */
  version: z.number().int().positive().nullable(),
  /** The version inspections that name none use after the change; null once the profile is deleted. */
  activeVersion: z.number().int().positive().nullable(),
  source: z.enum(PROFILE_UPDATE_SOURCES),
  /** The API job that made the version (enrolment or recalibration), when one did. */
  job: z.object({ kind: z.enum(['enrolment', 'recalibration']), id: z.string().min(1) }).optional(),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type ProfileEvent = z.infer<typeof ProfileEventSchema>;

export const ProfileWebhookPayloadSchema = z.object({
  type: z.literal(PROFILE_EVENT_TYPE),
  /** When the change happened, ISO 8601. */
  timestamp: z.iso.datetime({ offset: true }),
  version: z.literal(WEBHOOK_PAYLOAD_VERSION),
  data: ProfileEventSchema.omit({ occurredAt: true }).extend({
    /** The profile, its versions and the job, relative to the API base URL (absolute when one is configured). */
    links: z.record(z.string(), z.string()),
  }),
});
export type ProfileWebhookPayload = z.infer<typeof ProfileWebhookPayloadSchema>;

/** Any event a subscriber can receive. */
export const AnyWebhookPayloadSchema = z.union([WebhookPayloadSchema, ProfileWebhookPayloadSchema]);
export type AnyWebhookPayload = WebhookPayload | ProfileWebhookPayload;

/** The event for a profile change; `apiBaseUrl` (no trailing slash) makes the links absolute. */
export function profileWebhookPayload(event: ProfileEvent, apiBaseUrl = ''): ProfileWebhookPayload {
  const { occurredAt, ...data } = ProfileEventSchema.parse(event);
  const profile = `${apiBaseUrl}/v1/profiles/${encodeURIComponent(data.profile)}`;
  const links: Record<string, string> = { profile, versions: `${profile}/versions` };
  if (data.job) links.job = `${profile}/${data.job.kind === 'enrolment' ? 'enrolments' : 'recalibrations'}/${encodeURIComponent(data.job.id)}`;
  return { type: PROFILE_EVENT_TYPE, timestamp: new Date(occurredAt).toISOString(), version: WEBHOOK_PAYLOAD_VERSION, data: { ...data, links } };
}

/** What makes two announcements the same event (one delivery per subscriber): the report, or the profile change. */
export function webhookEventKey(payload: AnyWebhookPayload): string {
  return payload.type === PROFILE_EVENT_TYPE ? `${payload.type}:${payload.data.eventId}` : `${payload.type}:${payload.data.reportId}`;
}

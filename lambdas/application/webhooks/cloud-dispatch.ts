import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MmdoError } from '../../domain/errors.js';
import type { Report } from '../../domain/report/report.js';
import { PROFILE_EVENT_TYPE, profileWebhookPayload, ProfileEventSchema, webhookPayloadFromReport, type WebhookEventType } from '../../domain/webhooks/payload.js';
import { classifyResponse, nextRetryDelayMs, type RetryPolicy } from '../../domain/webhooks/retry.js';
import type { WebhookSender } from '../../ports/webhook-sender.js';

/**
 * Cloud webhook delivery. A result event (EventBridge → SQS) fans out to the tenant's subscribers; each failed
 * attempt becomes a retry message on the same queue, delayed by the retry schedule (SQS delays top out at 15
 * minutes, so longer waits hop: a message that arrives early is put back for the rest). Retries re-read the
 * subscription, so a deleted or disabled subscriber gets nothing more. Exhausted or refused deliveries go to the
 * webhook dead-letter queue with their reason. The webhook-id is derived from (subscription, event), so a
 * redelivered event carries the same id and receivers de-duplicate it.
 */
export const SQS_MAX_DELAY_SECONDS = 900;

export const RetryMessageSchema = z.object({
  kind: z.literal('webhook-retry'),
  tenant: z.string().min(1),
  subscriptionId: z.string().min(1),
  messageId: z.string().min(1),
  body: z.string(),
  /** Attempts made so far. */
  attempts: z.number().int().positive(),
  /** Epoch ms before which the next attempt must not run. */
  notBefore: z.number().int(),
});
export type RetryMessage = z.infer<typeof RetryMessageSchema>;

/**
 * Profile changes made in the cloud (the API function: activation, deletion; the profile-jobs function: versions
 * made by enrolment and recalibration) go onto the default event bus with this source and detail type; the detail
 * is the ProfileEvent itself (domain/webhooks/payload.ts), so the dispatcher needs to read nothing back.
 */
export const PROFILE_EVENT_SOURCE = 'mmdo.profile';
export const PROFILE_EVENT_DETAIL_TYPE = 'Profile Updated';

/** The part of the result event detail this reads (pipeline/definition.ts RESULT_DETAIL_TYPES). */
export const ResultEventDetailSchema = z.object({ tenant: z.string().min(1), reportId: z.string().min(1) }).passthrough();

export interface Subscriber {
  readonly id: string;
  readonly tenant: string;
  readonly url: string;
  readonly secrets: readonly string[];
  readonly disabledReason?: string;
}

export interface CloudDispatchDeps {
  readonly subscriptions: {
    forEvent(tenant: string, type: WebhookEventType): Promise<readonly Subscriber[]>;
    getForSigning(tenant: string, id: string): Promise<Subscriber | undefined>;
    disable(tenant: string, id: string, reason: string): Promise<void>;
    /** The delivery log a subscriber reads (GET /v1/webhooks/{id}/deliveries). */
    recordDelivery(tenant: string, id: string, entry: DeliveryLogEntry): Promise<void>;
  };
  readonly reports: { get(tenant: string, id: string): Promise<Report | undefined> };
  readonly retries: {
    schedule(message: RetryMessage, delaySeconds: number): Promise<void>;
    deadLetter(message: RetryMessage, reason: string): Promise<void>;
  };
  readonly send: WebhookSender;
  readonly retry: RetryPolicy;
  /** Makes the payload's links absolute (the API that serves reports), when there is one. */
  readonly apiBaseUrl?: string;
  readonly now: () => number;
  readonly log: (message: string, extra?: Record<string, unknown>) => void;
}

export interface DeliveryLogEntry {
  readonly messageId: string;
  readonly eventType: string;
  readonly status: 'delivered' | 'retrying' | 'dead';
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
}

export type AttemptEnd = 'delivered' | 'retrying' | 'dead' | 'gone' | 'dropped' | 'deferred';

/** Fans one result event out to every active subscriber of its tenant and type. */
export async function dispatchResultEvent(detail: unknown, deps: CloudDispatchDeps): Promise<AttemptEnd[]> {
  const { tenant, reportId } = ResultEventDetailSchema.parse(detail);
  const report = await deps.reports.get(tenant, reportId);
  // The report is written before the event is emitted: missing means a read race or a bug; the SQS redrive retries it.
  if (!report) throw new MmdoError('report_not_found', `report '${reportId}' of tenant '${tenant}' is not stored yet`, 503);
  const payload = webhookPayloadFromReport(report, deps.apiBaseUrl);
  const body = JSON.stringify(payload);
  const subscribers = await deps.subscriptions.forEvent(tenant, payload.type);
  return Promise.all(
    subscribers.map((subscriber) =>
      attempt(subscriber, { kind: 'webhook-retry', tenant, subscriptionId: subscriber.id, messageId: messageIdFor(subscriber.id, payload.type, reportId), body, attempts: 0, notBefore: 0 }, deps),
    ),
  );
}

/** Fans one profile change (`profile.updated`) out to every active subscriber of its tenant to that type. */
export async function dispatchProfileEvent(detail: unknown, deps: CloudDispatchDeps): Promise<AttemptEnd[]> {
  const event = ProfileEventSchema.parse(detail);
  const payload = profileWebhookPayload(event, deps.apiBaseUrl);
  const body = JSON.stringify(payload);
  const subscribers = await deps.subscriptions.forEvent(event.tenant, PROFILE_EVENT_TYPE);
  return Promise.all(
    subscribers.map((subscriber) =>
      attempt(subscriber, {
        kind: 'webhook-retry', tenant: event.tenant, subscriptionId: subscriber.id, messageId: messageIdFor(subscriber.id, PROFILE_EVENT_TYPE, event.eventId), body, attempts: 0, notBefore: 0,
      }, deps),
    ),
  );
}

/** One retry message: waits longer if it came early, then tries the (re-read) subscriber again. */
export async function retryDelivery(message: RetryMessage, deps: CloudDispatchDeps): Promise<AttemptEnd> {
  const waitMs = message.notBefore - deps.now();
  if (waitMs > 1000) {
    await deps.retries.schedule(message, Math.min(SQS_MAX_DELAY_SECONDS, Math.ceil(waitMs / 1000)));
    return 'deferred';
  }
  const subscriber = await deps.subscriptions.getForSigning(message.tenant, message.subscriptionId);
  if (!subscriber || subscriber.disabledReason) {
    deps.log('webhook retry dropped: subscription deleted or disabled', { subscriptionId: message.subscriptionId, messageId: message.messageId });
    return 'dropped';
  }
  return attempt(subscriber, message, deps);
}

async function attempt(subscriber: Subscriber, message: RetryMessage, deps: CloudDispatchDeps): Promise<AttemptEnd> {
  const outcome = await deps.send({ url: subscriber.url, secrets: subscriber.secrets, messageId: message.messageId, body: message.body });
  const attempts = message.attempts + 1;
  const context = { subscriptionId: subscriber.id, messageId: message.messageId, attempts, status: outcome.status, error: outcome.error };
  const log = (status: DeliveryLogEntry['status'], lastError: string | null = outcome.error ?? null) =>
    deps.subscriptions.recordDelivery(subscriber.tenant, subscriber.id, {
      messageId: message.messageId, eventType: eventTypeOf(message.body), status, attempts, lastStatus: outcome.status ?? null, lastError,
    });
  if (outcome.refused) {
    await log('dead');
    await deps.retries.deadLetter({ ...message, attempts }, `target refused: ${outcome.error}`);
    deps.log('webhook target refused', context);
    return 'dead';
  }
  const verdict = classifyResponse(outcome.status);
  if (verdict === 'delivered') {
    await log('delivered', null);
    return 'delivered';
  }
  if (verdict === 'gone') {
    await log('dead', 'the receiver answered 410 Gone');
    await deps.subscriptions.disable(subscriber.tenant, subscriber.id, 'the receiver answered 410 Gone');
    deps.log('webhook subscription disabled (410 Gone)', context);
    return 'gone';
  }
  const delayMs = nextRetryDelayMs(deps.retry, attempts);
  await log(delayMs === undefined ? 'dead' : 'retrying');
  if (delayMs === undefined) {
    await deps.retries.deadLetter({ ...message, attempts }, `gave up after ${attempts} attempts; last: ${outcome.error ?? `HTTP ${outcome.status}`}`);
    deps.log('webhook delivery gave up', context);
    return 'dead';
  }
  await deps.retries.schedule({ ...message, attempts, notBefore: deps.now() + delayMs }, Math.min(SQS_MAX_DELAY_SECONDS, Math.ceil(delayMs / 1000)));
  deps.log('webhook delivery failed; retry scheduled', { ...context, delayMs });
  return 'retrying';
}

function eventTypeOf(body: string): string {
  try {
    return String((JSON.parse(body) as { type?: unknown }).type ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/**
 * Same subscriber and event → same webhook-id, however often the event is delivered to us. The event is named by
 * its report id (inspections) or its event id (profile changes).
 */
export function messageIdFor(subscriptionId: string, type: WebhookEventType, eventKey: string): string {
  return `msg_${createHash('sha256').update(`${subscriptionId}\n${type}\n${eventKey}`).digest('hex').slice(0, 32)}`;
}

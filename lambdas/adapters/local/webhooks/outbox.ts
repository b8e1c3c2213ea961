import type Database from 'better-sqlite3';
import { generateMessageId } from '../../../domain/webhooks/signature.js';
import { webhookEventKey, type AnyWebhookPayload } from '../../../domain/webhooks/payload.js';

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'dead';

/** A delivery due now, with what the sender needs (including the secrets: they never leave this process). */
export interface DueDelivery {
  readonly seq: number;
  readonly messageId: string;
  readonly subscriptionId: string;
  readonly url: string;
  /** The current secret, then the one a rotation replaced while its overlap window lasts. */
  readonly secrets: readonly string[];
  readonly body: string;
  /** Attempts including the one this claim starts. */
  readonly attempts: number;
}

/** A delivery as shown to callers (GET /v1/webhooks/{id}/deliveries). */
export interface DeliveryView {
  readonly messageId: string;
  readonly eventType: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type AttemptResult =
  | { readonly kind: 'delivered'; readonly status: number }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly status?: number; readonly error: string }
  | { readonly kind: 'dead'; readonly status?: number; readonly error: string; readonly disableSubscription?: boolean };

interface DueRow {
  seq: number;
  message_id: string;
  subscription_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  body: string;
  attempts: number;
}

interface ViewRow {
  message_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * The durable delivery outbox: one row per (subscriber, event), written in the same transaction that picks the
 * subscribers, claimed with a lease (a crash mid-send makes the row due again), retried on the caller's schedule,
 * ending `delivered` or `dead` with the last status and error. `now` is injectable for tests.
 */
export class SqliteWebhookOutbox {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * One delivery per active subscription of `tenant` to this event type. Idempotent per event (type + report id,
   * or type + profile event id): announcing the same event again adds nothing. Returns how many deliveries were added.
   */
  enqueue(tenant: string, payload: AnyWebhookPayload): number {
    const t = this.now();
    const body = JSON.stringify(payload);
    const eventKey = webhookEventKey(payload);
    return this.db.transaction(() => {
      const subscribers = this.db
        .prepare(
          `SELECT s.id FROM webhook_subscriptions s, json_each(s.events) e
           WHERE s.tenant = ? AND s.disabled_reason IS NULL AND e.value = ?`,
        )
        .all(tenant, payload.type) as { id: string }[];
      const insert = this.db.prepare(
        `INSERT INTO webhook_deliveries (message_id, subscription_id, tenant, event_type, event_key, body, status, next_attempt_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (subscription_id, event_key) DO NOTHING`,
      );
      let added = 0;
      for (const { id } of subscribers) added += insert.run(generateMessageId(), id, tenant, payload.type, eventKey, body, t, t, t).changes;
      return added;
    })();
  }

  /** Claims up to `limit` due deliveries (or ones whose sender died mid-attempt), oldest first. */
  claimDue(limit: number, leaseMs: number): DueDelivery[] {
    const t = this.now();
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(
          `SELECT d.seq, d.message_id, d.subscription_id, s.url, s.secret, r.previous_secret, d.body, d.attempts
           FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
           LEFT JOIN webhook_secret_rotations r ON r.subscription_id = s.id AND r.expires_at > ?
           WHERE (d.status = 'pending' AND d.next_attempt_at <= ?) OR (d.status = 'delivering' AND d.lease_until <= ?)
           ORDER BY d.next_attempt_at, d.seq LIMIT ?`,
        )
        .all(t, t, t, limit) as DueRow[];
      const claim = this.db.prepare(`UPDATE webhook_deliveries SET status = 'delivering', attempts = attempts + 1, lease_until = ?, updated_at = ? WHERE seq = ?`);
      for (const row of rows) claim.run(t + leaseMs, t, row.seq);
      return rows.map((row) => ({
        seq: row.seq,
        messageId: row.message_id,
        subscriptionId: row.subscription_id,
        url: row.url,
        secrets: row.previous_secret ? [row.secret, row.previous_secret] : [row.secret],
        body: row.body,
        attempts: row.attempts + 1,
      }));
    })();
  }

  /** Records how a claimed attempt ended. */
  record(seq: number, result: AttemptResult): void {
    const t = this.now();
    const status = 'status' in result ? (result.status ?? null) : null;
    const error = result.kind === 'delivered' ? null : result.error;
    const next = result.kind === 'retry' ? t + result.delayMs : t;
    const state: DeliveryStatus = result.kind === 'retry' ? 'pending' : result.kind;
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, lease_until = NULL, last_status = ?, last_error = ?, updated_at = ?
           WHERE seq = ? AND status = 'delivering'`,
        )
        .run(state, next, status, error, t, seq);
      if (result.kind === 'dead' && result.disableSubscription) {
        const { subscription_id: id } = this.db.prepare('SELECT subscription_id FROM webhook_deliveries WHERE seq = ?').get(seq) as { subscription_id: string };
        this.db.prepare('UPDATE webhook_subscriptions SET disabled_reason = ? WHERE id = ?').run(result.error, id);
        this.db
          .prepare(`UPDATE webhook_deliveries SET status = 'dead', last_error = ?, updated_at = ? WHERE subscription_id = ? AND status = 'pending'`)
          .run(`subscription disabled: ${result.error}`, t, id);
      }
    })();
  }

  /** Forgets finished deliveries (delivered or dead) last touched before `before` (epoch ms); returns how many. */
  prune(before: number): number {
    return this.db.prepare(`DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'dead') AND updated_at < ?`).run(before).changes;
  }

  /** When the next pending delivery falls due (ms epoch), or undefined when none is pending. */
  nextDueAt(): number | undefined {
    const row = this.db.prepare(`SELECT MIN(next_attempt_at) AS next FROM webhook_deliveries WHERE status = 'pending'`).get() as { next: number | null };
    return row.next ?? undefined;
  }

  /** The latest deliveries of one subscription, newest first. */
  list(tenant: string, subscriptionId: string, limit = 50): DeliveryView[] {
    const rows = this.db
      .prepare(
        `SELECT message_id, event_type, status, attempts, next_attempt_at, last_status, last_error, created_at, updated_at
         FROM webhook_deliveries WHERE tenant = ? AND subscription_id = ? ORDER BY seq DESC LIMIT ?`,
      )
      .all(tenant, subscriptionId, limit) as ViewRow[];
    return rows.map((row) => ({
      messageId: row.message_id,
      eventType: row.event_type,
      status: row.status,
      attempts: row.attempts,
      nextAttemptAt: row.status === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
      lastStatus: row.last_status,
      lastError: row.last_error,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    }));
  }
}

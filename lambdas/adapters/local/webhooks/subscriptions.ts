import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { generateSecret } from '../../../domain/webhooks/signature.js';
import type { WebhookEventType } from '../../../domain/webhooks/payload.js';

/** A subscription as shown to callers: never its secret. */
export interface WebhookSubscription {
  readonly id: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly description?: string;
  readonly createdAt: string;
  /** Set when deliveries stopped for good (the receiver answered 410 Gone). */
  readonly disabledReason?: string;
}

export interface NewSubscription {
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly description?: string;
}

interface SubscriptionRow {
  id: string;
  tenant: string;
  url: string;
  events: string;
  description: string | null;
  created_at: string;
  disabled_reason: string | null;
}

const PUBLIC_COLUMNS = 'id, tenant, url, events, description, created_at, disabled_reason';

/**
 * Webhook subscriptions per tenant in SQLite. The signing secret is generated here, returned once by `create`,
 * and afterwards read only by the outbox when it signs a delivery.
 */
export class SqliteWebhookSubscriptions {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Stores a subscription (the URL already checked by the caller) with a new secret; the only time it is returned. */
  create(tenant: string, input: NewSubscription): { subscription: WebhookSubscription; secret: string } {
    const id = `wh_${randomUUID().replaceAll('-', '')}`;
    const secret = generateSecret();
    const createdAt = this.now().toISOString();
    this.db
      .prepare('INSERT INTO webhook_subscriptions (id, tenant, url, events, description, secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, tenant, input.url, JSON.stringify([...new Set(input.events)]), input.description ?? null, secret, createdAt);
    return { subscription: this.get(tenant, id)!, secret };
  }

  list(tenant: string): WebhookSubscription[] {
    const rows = this.db.prepare(`SELECT ${PUBLIC_COLUMNS} FROM webhook_subscriptions WHERE tenant = ? ORDER BY created_at, id`).all(tenant) as SubscriptionRow[];
    return rows.map(toSubscription);
  }

  get(tenant: string, id: string): WebhookSubscription | undefined {
    const row = this.db.prepare(`SELECT ${PUBLIC_COLUMNS} FROM webhook_subscriptions WHERE tenant = ? AND id = ?`).get(tenant, id) as SubscriptionRow | undefined;
    return row && toSubscription(row);
  }

  /**
   * A new secret for the subscription, returned this once; the old one keeps signing deliveries (beside the new) for
   * `overlapMs`, so a receiver can switch without refusing anything. False-y when the tenant has no such subscription.
   */
  rotate(tenant: string, id: string, overlapMs: number): { subscription: WebhookSubscription; secret: string; previousSecretExpiresAt: string } | undefined {
    const secret = generateSecret();
    const expiresAt = this.now().getTime() + overlapMs;
    const rotated = this.db.transaction(() => {
      const row = this.db.prepare('SELECT secret FROM webhook_subscriptions WHERE tenant = ? AND id = ?').get(tenant, id) as { secret: string } | undefined;
      if (!row) return false;
      this.db
        .prepare('INSERT INTO webhook_secret_rotations (subscription_id, previous_secret, expires_at) VALUES (?, ?, ?) ON CONFLICT (subscription_id) DO UPDATE SET previous_secret = excluded.previous_secret, expires_at = excluded.expires_at')
        .run(id, row.secret, expiresAt);
      this.db.prepare('UPDATE webhook_subscriptions SET secret = ? WHERE id = ?').run(secret, id);
      return true;
    })();
    return rotated ? { subscription: this.get(tenant, id)!, secret, previousSecretExpiresAt: new Date(expiresAt).toISOString() } : undefined;
  }

  /** Removes the subscription and its deliveries (pending ones are never sent); false when there was none. */
  delete(tenant: string, id: string): boolean {
    return this.db.prepare('DELETE FROM webhook_subscriptions WHERE tenant = ? AND id = ?').run(tenant, id).changes === 1;
  }
}

function toSubscription(row: SubscriptionRow): WebhookSubscription {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEventType[],
    ...(row.description !== null ? { description: row.description } : {}),
    createdAt: row.created_at,
    ...(row.disabled_reason !== null ? { disabledReason: row.disabled_reason } : {}),
  };
}

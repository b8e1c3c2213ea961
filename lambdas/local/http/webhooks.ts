import { Hono } from 'hono';
import { z } from 'zod';
import { MmdoError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { WEBHOOK_EVENT_TYPES, WebhookEventTypeSchema } from '../../domain/webhooks/payload.js';
import type { LocalWebhooks } from '../../adapters/local/webhooks/dispatcher.js';
import { checkTargetAddresses, WebhookTargetError } from '../../adapters/webhooks/target-guard.js';
import { readBodyWithLimit } from './read-body.js';

const MAX_BODY_BYTES = 16 * 1024;

const CreateSchema = z.strictObject({
  url: z.string().min(1).max(2048),
  events: z.array(WebhookEventTypeSchema).min(1).default([...WEBHOOK_EVENT_TYPES]),
  description: z.string().max(500).optional(),
});

const SubscriptionId = z.string().regex(/^wh_[0-9a-f]{32}$/);

/**
 * /v1/webhooks: subscribe a receiver URL to inspection events. The signing secret is generated here and returned
 * only in the 201 answer to POST; GET never shows it (delete and subscribe again to get a new one).
 */
export function webhookRoutes(webhooks: LocalWebhooks, tenant: string): Hono {
  const app = new Hono();

  app.post('/', async (c) => {
    const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') throw new MmdoError('unsupported_media_type', 'Send the subscription as application/json.', 415);
    const text = new TextDecoder().decode(await readBodyWithLimit(c.req.raw.body, MAX_BODY_BYTES));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ValidationError('The body is not valid JSON.');
    }
    const parsed = CreateSchema.safeParse(json);
    if (!parsed.success) {
      throw new ValidationError(`Invalid subscription: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`, {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const input = parsed.data;
    try {
      await checkTargetAddresses(input.url, webhooks.options.policy, webhooks.options.resolve);
    } catch (error) {
      if (error instanceof WebhookTargetError) throw error;
      throw new WebhookTargetError(`The URL's host cannot be resolved: ${(error as Error).message}`, input.url);
    }
    const { subscription, secret } = webhooks.subscriptions.create(tenant, {
      url: input.url,
      events: input.events,
      ...(input.description !== undefined ? { description: input.description } : {}),
    });
    return c.json({ ...subscription, secret }, 201, { Location: `/v1/webhooks/${subscription.id}`, 'Cache-Control': 'no-store' });
  });

  app.get('/', (c) => c.json({ items: webhooks.subscriptions.list(tenant) }));

  app.get('/:id', (c) => c.json(find(webhooks, tenant, c.req.param('id'))));

  app.get('/:id/deliveries', (c) => {
    const subscription = find(webhooks, tenant, c.req.param('id'));
    return c.json({ items: webhooks.outbox.list(tenant, subscription.id) });
  });

  app.delete('/:id', (c) => {
    const id = c.req.param('id');
    if (!SubscriptionId.safeParse(id).success || !webhooks.subscriptions.delete(tenant, id)) throw new NotFoundError('webhook subscription', id);
    return c.body(null, 204);
  });

  return app;
}

function find(webhooks: LocalWebhooks, tenant: string, id: string) {
  const subscription = SubscriptionId.safeParse(id).success ? webhooks.subscriptions.get(tenant, id) : undefined;
  if (!subscription) throw new NotFoundError('webhook subscription', id);
  return subscription;
}

import type Database from 'better-sqlite3';
import { openWebhookDatabase } from '../../../../lambdas/adapters/local/webhooks/database.js';
import { SqliteWebhookOutbox } from '../../../../lambdas/adapters/local/webhooks/outbox.js';
import { SqliteWebhookSubscriptions } from '../../../../lambdas/adapters/local/webhooks/subscriptions.js';
import { profileWebhookPayload, webhookPayloadFromReport } from '../../../../lambdas/domain/webhooks/payload.js';
import { sampleReport } from '../../../domain/webhooks/fixtures.js';

describe('SQLite webhook subscriptions and outbox', () => {
  let db: Database.Database;
  let clock: number;
  let subscriptions: SqliteWebhookSubscriptions;
  let outbox: SqliteWebhookOutbox;
  const completed = webhookPayloadFromReport(sampleReport('completed', 'r1'));
  const failed = webhookPayloadFromReport(sampleReport('failed', 'r2'));

  beforeEach(() => {
    db = openWebhookDatabase(':memory:');
    clock = 1_000_000;
    subscriptions = new SqliteWebhookSubscriptions(db);
    outbox = new SqliteWebhookOutbox(db, () => clock);
  });
  afterEach(() => db.close());

  test('the secret is returned by create only; list and get never show it; tenants are separate', () => {
    const { subscription, secret } = subscriptions.create('local', { url: 'https://a.example.com/h', events: ['inspection.completed', 'inspection.completed'] });
    expect(secret).toMatch(/^whsec_/);
    expect(subscription).toMatchObject({ url: 'https://a.example.com/h', events: ['inspection.completed'] });
    expect(JSON.stringify([subscriptions.list('local'), subscriptions.get('local', subscription.id)])).not.toContain('whsec_');
    expect(subscriptions.list('other')).toEqual([]);
    expect(subscriptions.get('other', subscription.id)).toBeUndefined();
    expect(subscriptions.delete('other', subscription.id)).toBe(false);
    expect(subscriptions.delete('local', subscription.id)).toBe(true);
    expect(subscriptions.list('local')).toEqual([]);
  });

  test('an event is queued once per subscriber of its type and tenant, and only once per report', () => {
    const both = subscriptions.create('local', { url: 'https://a.example.com/', events: ['inspection.completed', 'inspection.failed'] }).subscription;
    const failures = subscriptions.create('local', { url: 'https://b.example.com/', events: ['inspection.failed'] }).subscription;
    subscriptions.create('other', { url: 'https://c.example.com/', events: ['inspection.completed'] });
    expect(outbox.enqueue('local', completed)).toBe(1);
    expect(outbox.enqueue('local', completed)).toBe(0);
    expect(outbox.enqueue('local', failed)).toBe(2);
    expect(outbox.list('local', both.id).map((d) => d.eventType)).toEqual(['inspection.failed', 'inspection.completed']);
    expect(outbox.list('local', failures.id)).toHaveLength(1);
    const due = outbox.claimDue(10, 1000);
    expect(due).toHaveLength(3);
    expect(new Set(due.map((d) => d.messageId)).size).toBe(3);
    expect(JSON.parse(due[0]!.body)).toEqual(completed);
  });

  test('profile.updated goes to subscribers of that type only, once per profile event id', () => {
    const all = subscriptions.create('local', { url: 'https://a.example.com/', events: ['inspection.completed', 'inspection.failed', 'profile.updated'] }).subscription;
    subscriptions.create('local', { url: 'https://b.example.com/', events: ['inspection.completed'] });
    subscriptions.create('other', { url: 'https://c.example.com/', events: ['profile.updated'] });
    const event = (eventId: string) => profileWebhookPayload({
      eventId, tenant: 'local', profile: 'grains', action: 'version_activated', version: 1, activeVersion: 1, source: 'api', occurredAt: '2026-12-05T10:00:00Z',
    });
    expect(outbox.enqueue('local', event('evt_1'))).toBe(1);
    expect(outbox.enqueue('local', event('evt_1'))).toBe(0);
    expect(outbox.enqueue('local', event('evt_2'))).toBe(1);
    expect(outbox.list('local', all.id).map((d) => d.eventType)).toEqual(['profile.updated', 'profile.updated']);
    expect(JSON.parse(outbox.claimDue(10, 1000)[0]!.body)).toMatchObject({ type: 'profile.updated', data: { eventId: 'evt_1', profile: 'grains' } });
  });

  test('claims lease; a retry waits its delay; an expired lease is claimed again; dead ends it', () => {
    subscriptions.create('local', { url: 'https://a.example.com/', events: ['inspection.completed'] });
    outbox.enqueue('local', completed);
    const [first] = outbox.claimDue(10, 1000);
    expect(first!.attempts).toBe(1);
    expect(outbox.claimDue(10, 1000)).toEqual([]);
    outbox.record(first!.seq, { kind: 'retry', delayMs: 5000, status: 503, error: 'HTTP 503' });
    expect(outbox.nextDueAt()).toBe(clock + 5000);
    clock += 4999;
    expect(outbox.claimDue(10, 1000)).toEqual([]);
    clock += 1;
    const [second] = outbox.claimDue(10, 1000);
    expect(second).toMatchObject({ messageId: first!.messageId, attempts: 2 });
    // The sender died mid-attempt: after the lease the delivery is due again.
    clock += 1000;
    const [third] = outbox.claimDue(10, 1000);
    expect(third!.attempts).toBe(3);
    outbox.record(third!.seq, { kind: 'dead', error: 'gave up' });
    expect(outbox.nextDueAt()).toBeUndefined();
    clock += 10_000_000;
    expect(outbox.claimDue(10, 1000)).toEqual([]);
  });

  test('410 Gone disables the subscription: its pending deliveries end and new events skip it', () => {
    const { subscription } = subscriptions.create('local', { url: 'https://a.example.com/', events: ['inspection.completed', 'inspection.failed'] });
    outbox.enqueue('local', completed);
    outbox.enqueue('local', failed);
    const [delivery] = outbox.claimDue(1, 1000);
    outbox.record(delivery!.seq, { kind: 'dead', status: 410, error: 'the receiver answered 410 Gone', disableSubscription: true });
    expect(subscriptions.get('local', subscription.id)!.disabledReason).toMatch(/410/);
    expect(outbox.list('local', subscription.id).map((d) => d.status)).toEqual(['dead', 'dead']);
    expect(outbox.enqueue('local', webhookPayloadFromReport(sampleReport('completed', 'r3')))).toBe(0);
  });

  test('prune forgets finished deliveries older than the cut-off and keeps pending ones', () => {
    const { subscription } = subscriptions.create('local', { url: 'https://a.example.com/', events: ['inspection.completed', 'inspection.failed'] });
    outbox.enqueue('local', completed);
    outbox.enqueue('local', failed);
    const [first] = outbox.claimDue(1, 1000);
    outbox.record(first!.seq, { kind: 'delivered', status: 200 });
    clock += 10;
    expect(outbox.prune(clock - 5)).toBe(1);
    expect(outbox.list('local', subscription.id).map((d) => d.status)).toEqual(['pending']);
  });

  test('deleting a subscription removes its deliveries', () => {
    const { subscription } = subscriptions.create('local', { url: 'https://a.example.com/', events: ['inspection.completed'] });
    outbox.enqueue('local', completed);
    subscriptions.delete('local', subscription.id);
    expect(outbox.claimDue(10, 1000)).toEqual([]);
    expect(outbox.list('local', subscription.id)).toEqual([]);
  });
});

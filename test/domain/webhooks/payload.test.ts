import {
  AnyWebhookPayloadSchema, profileWebhookPayload, ProfileWebhookPayloadSchema, webhookEventKey, webhookPayloadFromReport, WebhookPayloadSchema, WEBHOOK_EVENT_TYPES,
} from '../../../lambdas/domain/webhooks/payload.js';
import { sampleReport } from './fixtures.js';

describe('webhook payload', () => {
  test('a completed report becomes inspection.completed with verdict, score, region count and absolute links', () => {
    const payload = webhookPayloadFromReport(sampleReport('completed'), 'http://127.0.0.1:7433');
    expect(WebhookPayloadSchema.parse(payload)).toEqual(payload);
    expect(payload).toMatchObject({
      type: 'inspection.completed',
      version: '1',
      timestamp: '2026-11-25T12:00:00.000Z',
      data: { reportId: 'rep-1', tenant: 'local', status: 'completed', verdict: 'anomalous', score: 0.82, regionCount: 1, failure: null, profile: { name: 'demo', version: 2 } },
    });
    expect(payload.data.links).toEqual({
      report: 'http://127.0.0.1:7433/v1/inspections/rep-1',
      heatmap: 'http://127.0.0.1:7433/v1/inspections/rep-1/heatmap.png',
      overlay: 'http://127.0.0.1:7433/v1/inspections/rep-1/overlay.png',
    });
  });

  test('a failed report becomes inspection.failed with its failure and no image links', () => {
    const payload = webhookPayloadFromReport(sampleReport('failed', 'id with/slash'));
    expect(payload.type).toBe('inspection.failed');
    expect(payload.data).toMatchObject({ verdict: null, score: null, regionCount: 0, failure: { code: 'corrupt_image', stage: 'ingest' } });
    expect(payload.data.links).toEqual({ report: '/v1/inspections/id%20with%2Fslash' });
  });

  test('the schema refuses an unknown event type or version', () => {
    const payload = webhookPayloadFromReport(sampleReport('completed'));
    expect(WebhookPayloadSchema.safeParse({ ...payload, type: 'inspection.started' }).success).toBe(false);
    expect(WebhookPayloadSchema.safeParse({ ...payload, version: '2' }).success).toBe(false);
  });

  test('profile.updated: a version made by an enrolment job, with links to the profile, its versions and the job', () => {
    const payload = profileWebhookPayload({
      eventId: 'acme:grains:v3:created', tenant: 'acme', profile: 'grains', action: 'version_created', version: 3, activeVersion: 3,
      source: 'enrolment', job: { kind: 'enrolment', id: 'enr_1' }, occurredAt: '2026-12-05T10:00:00Z',
    }, 'https://api.example.com');
    expect(ProfileWebhookPayloadSchema.parse(payload)).toEqual(payload);
    expect(AnyWebhookPayloadSchema.parse(payload)).toEqual(payload);
    expect(payload).toEqual({
      type: 'profile.updated', timestamp: '2026-12-05T10:00:00.000Z', version: '1',
      data: {
        eventId: 'acme:grains:v3:created', tenant: 'acme', profile: 'grains', action: 'version_created', version: 3, activeVersion: 3, source: 'enrolment',
        job: { kind: 'enrolment', id: 'enr_1' },
        links: {
          profile: 'https://api.example.com/v1/profiles/grains', versions: 'https://api.example.com/v1/profiles/grains/versions',
          job: 'https://api.example.com/v1/profiles/grains/enrolments/enr_1',
        },
      },
    });
    expect(webhookEventKey(payload)).toBe('profile.updated:acme:grains:v3:created');
    expect(webhookEventKey(webhookPayloadFromReport(sampleReport('completed')))).toBe('inspection.completed:rep-1');
  });

  test('profile.updated: a deletion has no version; inspection events keep their own schema; every type can be subscribed to', () => {
    const deleted = profileWebhookPayload({ eventId: 'evt_1', tenant: 'acme', profile: 'grains', action: 'deleted', version: null, activeVersion: null, source: 'api', occurredAt: '2026-12-05T10:00:00Z' });
    expect(deleted.data).toMatchObject({ action: 'deleted', version: null, activeVersion: null, links: { profile: '/v1/profiles/grains' } });
    expect(deleted.data.links.job).toBeUndefined();
    expect(WebhookPayloadSchema.safeParse(deleted).success).toBe(false);
    expect(ProfileWebhookPayloadSchema.safeParse({ ...deleted, data: { ...deleted.data, action: 'renamed' } }).success).toBe(false);
    expect(WEBHOOK_EVENT_TYPES).toEqual(['inspection.completed', 'inspection.failed', 'profile.updated']);
  });
});

import { webhookPayloadFromReport, WebhookPayloadSchema } from '../../../lambdas/domain/webhooks/payload.js';
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
});

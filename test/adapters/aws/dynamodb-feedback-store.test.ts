import { DynamoDbFeedbackStore } from '../../../lambdas/adapters/aws/dynamodb-feedback-store.js';
import { DynamoDbReportStore } from '../../../lambdas/adapters/aws/dynamodb-report-store.js';
import { reportsTableDefinition } from '../../../lambdas/adapters/aws/dynamodb-tables.js';
import { REPORT_SCHEMA_VERSION } from '../../../lambdas/domain/report/report.js';
import { feedbackStoreContract, judgement } from '../../support/feedback-store-contract.js';
import { startDynalite, type LoopbackDynamo } from '../../support/loopback-aws.js';

const TABLE = 'mmdo-reports-feedback-test';

describe('DynamoDbFeedbackStore against dynalite (in the reports table)', () => {
  let dynamo: LoopbackDynamo;
  let store: DynamoDbFeedbackStore;
  beforeAll(async () => {
    dynamo = await startDynalite([reportsTableDefinition(TABLE)]);
    store = new DynamoDbFeedbackStore(dynamo.client, TABLE);
  });
  afterAll(async () => { await dynamo.stop(); });

  feedbackStoreContract(() => store);

  test('judgements live beside the reports without showing up in report listings', async () => {
    const reports = new DynamoDbReportStore(dynamo.client, TABLE);
    await reports.put({
      schemaVersion: REPORT_SCHEMA_VERSION, id: 'beside', tenant: 'acme', createdAt: '2026-12-01T09:00:00.000Z', status: 'completed',
      input: { name: 'x.png', sha256: 'a'.repeat(64), bytes: 10, warnings: [] }, metadata: null, backbone: null,
      profile: { name: 'cathode', version: 1 }, scores: null, regions: [], artifacts: {}, timingsMs: {},
    });
    await store.put(judgement({ reportId: 'beside' }));
    expect((await reports.list('acme')).items.map((r) => r.id)).toEqual(['beside']);
    expect((await store.list('acme', { reportId: 'beside' })).map((r) => r.reportId)).toEqual(['beside']);
  });

  test('a tenant id that cannot be a key is refused', async () => {
    await expect(store.get('a#b', 'r1', { kind: 'report' })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

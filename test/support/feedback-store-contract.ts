import type { FeedbackRecord, RecalibrationRecord } from '../../lambdas/domain/feedback/feedback.js';
import type { FeedbackStore } from '../../lambdas/ports/feedback.js';

/** A judgement with defaults; tests override what they check. */
export function judgement(overrides: Partial<FeedbackRecord> = {}): FeedbackRecord {
  return {
    tenant: 'acme',
    reportId: 'r1',
    target: { kind: 'report' },
    action: 'confirm',
    label: 'normal',
    reviewer: 'ada',
    at: '2026-12-01T10:00:00.000Z',
    profile: { name: 'cathode', version: 1 },
    sha256: 'a'.repeat(64),
    verdict: 'normal',
    score: 0.2,
    ...overrides,
  };
}

export function recalibration(overrides: Partial<RecalibrationRecord> = {}): RecalibrationRecord {
  return {
    profile: 'cathode',
    fromVersion: 1,
    version: 2,
    at: '2026-12-01T11:00:00.000Z',
    labels: { total: 12, normal: 6, anomalous: 6, used: 12, rescored: 0 },
    reportIds: ['r1', 'r2'],
    confirmedNormals: [],
    before: { thresholds: { suspect: 0.5, anomalous: 0.9 }, weights: { patch: 0.6, novelty: 0.25, consistency: 0.15, reproducibility: 0.1 } },
    after: { thresholds: { suspect: 0.42, anomalous: 0.9 }, weights: { patch: 0.7, novelty: 0.15, consistency: 0.15, reproducibility: 0.1 }, f1: 0.9 },
    rules: { weights: 'learnt', thresholds: 'F1' },
    warnings: [],
    ...overrides,
  };
}

/** What every FeedbackStore must do (SQLite and DynamoDB run the same checks). */
export function feedbackStoreContract(store: () => FeedbackStore): void {
  test('a judgement round-trips under its tenant only', async () => {
    const record = judgement({ reportId: 'round', note: 'looks fine' });
    expect(await store().put(record)).toBe('written');
    expect(await store().get('acme', 'round', { kind: 'report' })).toEqual(record);
    expect(await store().get('other', 'round', { kind: 'report' })).toBeUndefined();
    expect(await store().list('other')).toEqual([]);
  });

  test('one record per (report, target): the same judgement again is idempotent, a later one replaces it, an older one never does', async () => {
    const first = judgement({ reportId: 'idem', at: '2026-12-01T10:00:00.000Z' });
    expect(await store().put(first)).toBe('written');
    expect(await store().put(first)).toBe('written');
    expect(await store().list('acme', { reportId: 'idem' })).toEqual([first]);
    const later = judgement({ reportId: 'idem', action: 'reject', label: 'anomalous', at: '2026-12-01T12:00:00.000Z' });
    expect(await store().put(later)).toBe('written');
    const late = judgement({ reportId: 'idem', action: 'relabel', label: 'crack', at: '2026-12-01T11:00:00+00:00' });
    expect(await store().put(late)).toBe('stale');
    expect(await store().list('acme', { reportId: 'idem' })).toEqual([later]);
  });

  test('a report and each of its regions are separate targets; listing filters by profile and report', async () => {
    const whole = judgement({ reportId: 'multi', label: 'anomalous', action: 'confirm', verdict: 'anomalous' });
    const region = judgement({ reportId: 'multi', target: { kind: 'region', regionId: 2 }, action: 'reject', label: 'normal', verdict: 'anomalous' });
    const other = judgement({ reportId: 'multi-other', profile: { name: 'separator', version: 3 } });
    for (const r of [whole, region, other]) await store().put(r);
    expect(await store().list('acme', { reportId: 'multi' })).toEqual([region, whole]);
    expect(await store().get('acme', 'multi', { kind: 'region', regionId: 2 })).toEqual(region);
    expect(await store().get('acme', 'multi', { kind: 'region', regionId: 3 })).toBeUndefined();
    const separator = await store().list('acme', { profile: 'separator' });
    expect(separator).toEqual([other]);
    expect((await store().list('acme', { profile: 'cathode' })).map((r) => r.reportId)).not.toContain('multi-other');
  });

  test('invalid records are refused before they are stored', async () => {
    await expect(store().put(judgement({ reportId: 'bad', sha256: 'not-a-hash' }))).rejects.toThrow();
    await expect(store().put(judgement({ reportId: 'bad', label: '!!' }))).rejects.toThrow();
    await expect(store().put(judgement({ reportId: 'bad', at: 'yesterday' }))).rejects.toThrow();
    expect(await store().list('acme', { reportId: 'bad' })).toEqual([]);
  });

  test('recalibrations are kept per profile version, oldest first', async () => {
    const second = recalibration({ version: 3, fromVersion: 2 });
    const first = recalibration();
    await store().putRecalibration('acme', second);
    await store().putRecalibration('acme', first);
    await store().putRecalibration('acme', recalibration({ profile: 'separator' }));
    expect(await store().listRecalibrations('acme', 'cathode')).toEqual([first, second]);
    expect(await store().listRecalibrations('other', 'cathode')).toEqual([]);
  });
}

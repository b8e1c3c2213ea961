import { canonicalJson, dedupeKey, sha256Hex, type InspectionJob } from '../../lambdas/local/jobs.js';

const job: Omit<InspectionJob, 'submittedAt'> = {
  tenant: 'local', name: 'a.png', sha256: 'a'.repeat(64), bytes: 10, profile: 'demo', source: { kind: 'http' },
};

describe('job identity (dedupe key)', () => {
  test('the metadata sheet is part of it: a corrected sheet is a new job; key order and spacing are not', () => {
    const a = dedupeKey({ ...job, metadata: { sulfurLoadingWtPct: 60, batchId: 'B1' } });
    expect(dedupeKey({ ...job, metadata: { batchId: 'B1', sulfurLoadingWtPct: 60 } })).toBe(a);
    expect(dedupeKey({ ...job, metadata: { batchId: 'B1', sulfurLoadingWtPct: 70 } })).not.toBe(a);
    expect(dedupeKey({ ...job, metadata: { batchId: 'B1', nested: { y: 1, x: [2, { b: 1, a: 2 }] } } }))
      .toBe(dedupeKey({ ...job, metadata: { nested: { x: [2, { a: 2, b: 1 }], y: 1 }, batchId: 'B1' } }));
    expect(dedupeKey(job)).not.toBe(a);
  });

  test('a job without a sheet keeps the key it had before sheets counted (queued jobs stay deduplicated across the upgrade)', () => {
    expect(dedupeKey(job)).toBe(sha256Hex(JSON.stringify([job.tenant, job.sha256, job.name, job.profile, null, null, job.source])));
  });

  test('canonicalJson sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 4, e: 5 }] } })).toBe('{"a":{"c":[3,{"e":5,"f":4}],"d":2},"b":1}');
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { Command } from 'commander';
import { formatApply, register } from '../../../bin/commands/review.js';
import { SqliteReportStore } from '../../../lambdas/adapters/local/store/report-store.js';
import type { ApplyFeedbackResult } from '../../../lambdas/application/feedback/index.js';
import { DEFAULT_FUSION_WEIGHTS, DEFAULT_SCORING_SETTINGS } from '../../../lambdas/domain/profile/settings.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../../../lambdas/domain/report/report.js';

const run = promisify(execFile);

function report(id: string, score: number): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION, id, tenant: 'local', createdAt: `2026-12-01T10:00:0${id.length % 10}.000Z`, status: 'completed',
    input: { name: `${id}.png`, sha256: id.padStart(64, '0'), bytes: 10, warnings: [] }, metadata: null, backbone: null,
    profile: { name: 'cathode', version: 1 },
    scores: { score, verdict: score >= 0.5 ? 'suspect' : 'normal', thresholds: { suspect: 0.5, anomalous: 0.9 }, components: [{ name: 'patch', raw: score, calibrated: score, weight: 0.6, contribution: 1 }] },
    regions: [], artifacts: {}, timingsMs: {},
  };
}

describe('mmdo review', () => {
  let home: string;
  const saved = { home: process.env.MMDO_HOME, backbone: process.env.MMDO_BACKBONE, reviewer: process.env.MMDO_REVIEWER };
  let out: string[];
  let write: ReturnType<typeof jest.spyOn>;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'mmdo-review-cli-'));
    Object.assign(process.env, { MMDO_HOME: home, MMDO_BACKBONE: 'builtin', MMDO_REVIEWER: 'ada' });
    const reports = new SqliteReportStore(join(home, 'reports.sqlite'));
    for (const [id, score] of [['aaa1', 0.2], ['aaa2', 0.52], ['aaa3', 0.97]] as const) await reports.put(report(id, score));
    reports.close();
  });
  afterAll(async () => {
    for (const [key, value] of [['MMDO_HOME', saved.home], ['MMDO_BACKBONE', saved.backbone], ['MMDO_REVIEWER', saved.reviewer]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await rm(home, { recursive: true, force: true });
  });
  beforeEach(() => {
    out = [];
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  });
  afterEach(() => write.mockRestore());

  const mmdo = async (...args: string[]) => {
    const program = new Command('mmdo').exitOverride();
    register(program);
    await program.parseAsync(['node', 'mmdo', ...args]);
    return out.join('');
  };

  test('queue, confirm and relabel; the queue shrinks as reports are judged', async () => {
    const queue = JSON.parse(await mmdo('review', 'queue', '--json'));
    expect(queue.items.map((i: { reportId: string }) => i.reportId)).toEqual(['aaa2', 'aaa3', 'aaa1']);
    out = [];
    expect(await mmdo('review', 'confirm', 'aaa2', '--note', 'a real crack', '--label', 'crack')).toBe('report aaa2: crack (confirm of a suspect verdict, by ada; created)\n');
    out = [];
    expect(await mmdo('review', 'relabel', 'aaa1', '--label', 'void', '--reviewer', 'bo')).toMatch(/^report aaa1: void \(relabel of a normal verdict, by bo; created\)/);
    out = [];
    const text = await mmdo('review', 'queue', '--limit', '5');
    expect(text).toMatch(/aaa3/);
    expect(text).not.toMatch(/aaa2|aaa1/);
    expect(text).toMatch(/1 of 1 unreviewed report/);
    out = [];
    const labels = JSON.parse(await mmdo('review', 'labels', '--json'));
    expect(labels.map((l: { reportId: string; label: string }) => [l.reportId, l.label])).toEqual([['aaa1', 'void'], ['aaa2', 'crack']]);
  });

  test('bad input is an MmdoError (the CLI prints one line and exits 1)', async () => {
    await expect(mmdo('review', 'queue', '--limit', 'x')).rejects.toMatchObject({ code: 'validation_failed', message: '--limit: must be a whole number, got "x"' });
    await expect(mmdo('review', 'relabel', 'aaa3')).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/relabel needs a label/) });
    await expect(mmdo('review', 'confirm', 'nope')).rejects.toMatchObject({ code: 'not_found' });
    await expect(mmdo('review', 'confirm', 'aaa3', '--region', '2')).rejects.toMatchObject({ code: 'not_found' });
    await expect(mmdo('review', 'confirm', 'aaa3', '--label', 'normal')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(mmdo('review', 'apply')).rejects.toMatchObject({ code: 'validation_failed', message: '--profile: is required (the profile to recalibrate)' });
    await expect(mmdo('review', 'apply', '--profile', 'nope')).rejects.toMatchObject({ code: 'not_found' });
  });

  test('as a user runs it: one error line on stderr, exit code 1, no stack trace', async () => {
    const env = { ...process.env, NODE_OPTIONS: '' };
    const failed = await run(process.execPath, [join(process.cwd(), 'bin', 'mmdo.mjs'), 'review', 'confirm', 'nope'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1, stderr: "mmdo: not_found: report 'nope' was not found\n" });
  });

  test('apply prints what changed', () => {
    const operating = DEFAULT_SCORING_SETTINGS.operating;
    const result: ApplyFeedbackResult = {
      profile: 'cathode', fromVersion: 3, enrolledVersion: 4, version: 5, recalibrated: true, dryRun: false,
      confirmedNormals: { enrolled: 7, alreadyInProfile: 2, missingBytes: 0 },
      labels: { total: 30, normal: 12, anomalous: 18, used: 23, rescored: 23, stale: 0, inBank: 7, calibrationNormals: 8 },
      weights: { before: { ...DEFAULT_FUSION_WEIGHTS }, after: { ...DEFAULT_FUSION_WEIGHTS, patch: 0.7, novelty: 0.15 }, prior: { ...DEFAULT_FUSION_WEIGHTS }, learnt: true, share: 0.375, switchedOff: [], reason: 'weights learnt from 31 labels' },
      thresholds: { before: operating, after: { ...operating, thresholds: { suspect: 0.412, anomalous: 0.9 }, source: 'feedback' }, chosen: true, constrained: false, reason: 'operating threshold 0.4120 maximises F1' },
      f1: { before: 0.7, after: 0.85 }, warnings: ['few normals'],
    };
    const text = formatApply(result);
    expect(text).toMatch(/^profile cathode: v3 → v5/);
    expect(text).toMatch(/enrolled 7 confirmed normal\(s\) → v4/);
    expect(text).toMatch(/suspect 0\.500 → 0\.412, anomalous 0\.900 → 0\.900 \(source default → feedback\)/);
    expect(text).toMatch(/patch 0\.600 → 0\.700, novelty 0\.250 → 0\.150, consistency 0\.150/);
    expect(text).toMatch(/F1 on the labels used \(in-sample\): 0\.700 → 0\.850/);
    expect(text).toMatch(/warning: few normals/);
  });
});

/**
 * The fault-injection corpus (support/corpus.ts) against every local entry point: the inbox, the HTTP API
 * (POST /v1/inspections) and the CLI (`mmdo inspect`), on the real pipeline (built-in backbone) in worker threads.
 * For each input: exactly one outcome, the expected code, no internal error, no stack trace; the service keeps
 * answering; nothing is reported twice.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Report } from '../../lambdas/domain/report/report.js';
import { PipelinePool, pipelineThreadConfig } from '../../lambdas/local/pipeline-pool.js';
import type { RunningService } from '../../lambdas/local/service.js';
import { createDeps, prepareDemoProfile, start, tempHome, testOptions, waitFor, waitForReport, type TestDeps } from '../local/support.js';
import { buildCorpus, type CorpusCase } from './support/corpus.js';
import { recordFigures } from './support/figures.js';

let corpus: CorpusCase[];
let home: string;
let cleanup: () => void;
let deps: TestDeps;
let pool: PipelinePool;
let service: RunningService;
const log: string[] = [];

beforeAll(async () => {
  corpus = await buildCorpus();
  ({ home, cleanup } = tempHome());
  deps = await createDeps(home);
  await prepareDemoProfile(deps, home);
  pool = await PipelinePool.start({ ...pipelineThreadConfig({ config: { home, backbone: 'builtin' } }, testOptions(home).limits, {}), size: 2 });
  service = await start({ ...deps, inspections: pool }, testOptions(home, { inbox: join(home, 'inbox'), worker: { concurrency: 2, leaseMs: 60_000, maxAttempts: 3, retryDelayMs: 0, pollMs: 50 } }), log);
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await pool?.close();
  await deps?.close();
  cleanup?.();
});

const INTERNAL = /internal_error|pipeline_error|attempts_exhausted/;

test('the corpus has at least 30 generated bad inputs of the kinds the issue lists', () => {
  const bad = corpus.filter((c) => c.code !== null);
  expect(bad.length).toBeGreaterThanOrEqual(30);
  for (const kind of ['zero-byte', 'random bytes', 'truncated PNG', 'truncated JPEG', 'truncated TIFF', 'bomb header', '16-bit', 'float', 'CMYK', 'alpha', 'multi-page', 'huge metadata', 'name']) {
    expect([kind, corpus.some((c) => c.kind.includes(kind))]).toEqual([kind, true]);
  }
});

test('inbox: every dropped file ends in processed/ or failed/ exactly once, with the expected code', async () => {
  const inbox = join(home, 'inbox');
  await mkdir(inbox, { recursive: true });
  for (const c of corpus) {
    if (c.metadata !== undefined) await writeFile(join(inbox, `${c.name}.json`), c.metadata);
    await writeFile(join(inbox, c.name), c.bytes);
  }
  const outcomes = async () => {
    const found: { name: string; dir: 'processed' | 'failed'; code: string | null; reportId: string | null; report?: Report }[] = [];
    for (const dir of ['processed', 'failed'] as const) {
      if (!existsSync(join(inbox, dir))) continue;
      for (const f of readdirSync(join(inbox, dir))) {
        if (f.endsWith('.report.json')) {
          const report = JSON.parse(await readFile(join(inbox, dir, f), 'utf8')) as Report;
          found.push({ name: report.input.name, dir, code: report.failure?.code ?? null, reportId: report.id, report });
        } else if (f.endsWith('.reason.json')) {
          const reason = JSON.parse(await readFile(join(inbox, dir, f), 'utf8')) as { file: string; code: string; reportId: string | null };
          found.push({ name: reason.file, dir, code: reason.code, reportId: reason.reportId });
        }
      }
    }
    return found;
  };
  await waitFor(async () => ((await outcomes()).length >= corpus.length ? true : undefined), 180_000, 'every inbox file to settle');
  await new Promise((r) => setTimeout(r, 500)); // anything settling twice would show now
  const found = await outcomes();
  expect(found.length).toBe(corpus.length);
  expect(readdirSync(inbox).filter((f) => f !== 'processed' && f !== 'failed')).toEqual([]);
  for (const c of corpus) {
    const mine = found.filter((o) => o.name === c.name);
    expect([c.kind, mine.length]).toEqual([c.kind, 1]);
    const got = mine[0]!;
    if (c.code === null) {
      expect([c.kind, got.dir, got.report?.status]).toEqual([c.kind, 'processed', 'completed']);
      if (c.warning) expect([c.kind, got.report!.input.warnings.join(' ')]).toEqual([c.kind, expect.stringMatching(c.warning)]);
    } else {
      expect([c.kind, got.dir, got.code]).toEqual([c.kind, 'failed', c.code]);
      // Refused at the door: no job, no report; otherwise the failed report of its job.
      expect([c.kind, got.reportId === null]).toEqual([c.kind, c.door]);
    }
  }
  const counts = service.queue.counts();
  const jobs = corpus.filter((c) => !c.door).length;
  expect(counts.completed + counts.failed).toBe(jobs);
  expect(log.join('\n')).not.toMatch(INTERNAL);
  recordFigures('inbox', {
    inputs: corpus.length, refusedAtDoor: found.filter((o) => o.reportId === null).length, jobs, reportsOut: found.filter((o) => o.reportId !== null).length,
    duplicates: found.length - new Set(found.map((o) => o.name)).size,
  });
}, 240_000);

test('HTTP: door refusals are 4xx problems with the code; the rest are reports with the code; one report per accepted upload', async () => {
  const results = await Promise.all(corpus.map(async (c, i) => {
    const name = `http-${i}.${c.name.split('.').pop()}`;
    let res: Response;
    if (c.metadata !== undefined) {
      const form = new FormData();
      form.set('image', new Blob([c.bytes as Uint8Array<ArrayBuffer>]), name);
      form.set('metadata', c.metadata);
      res = await fetch(`${service.url}/v1/inspections`, { method: 'POST', body: form });
    } else {
      res = await fetch(`${service.url}/v1/inspections?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: c.bytes as Uint8Array<ArrayBuffer> });
    }
    const body = (await res.json()) as { id?: string; code?: string };
    return { c, status: res.status, body };
  }));
  const accepted: { c: CorpusCase; id: string }[] = [];
  for (const { c, status, body } of results) {
    expect([c.kind, status < 500]).toEqual([c.kind, true]);
    if (c.metadata !== undefined && c.door && status === 202) {
      // How the API treats a sheet is the API's contract (validated at the door, or by the pipeline): one outcome.
      accepted.push({ c: { ...c, code: 'any' }, id: body.id! });
    } else if (c.door) {
      expect([c.kind, status >= 400, body.code]).toEqual([c.kind, true, c.metadata !== undefined ? expect.any(String) : c.code]);
    } else {
      expect([c.kind, status]).toEqual([c.kind, 202]);
      accepted.push({ c, id: body.id! });
    }
  }
  for (const { c, id } of accepted) {
    const report = await waitForReport(service.url, id, 120_000);
    if (c.code === null) expect([c.kind, report.status]).toEqual([c.kind, 'completed']);
    else if (c.code === 'any') expect([c.kind, report.failure?.code ?? 'completed']).not.toEqual([c.kind, expect.stringMatching(INTERNAL)]);
    else expect([c.kind, report.status, report.failure?.code]).toEqual([c.kind, 'failed', c.code]);
  }
  const sheetsAccepted = accepted.filter((a) => a.c.code === 'any').map((a) => a.c.kind);
  if (sheetsAccepted.length > 0) process.stderr.write(`reliability: the HTTP API accepted these sheets the inbox and CLI refuse: ${sheetsAccepted.join('; ')}\n`);
  const ids = new Set(accepted.map((a) => a.id));
  expect(ids.size).toBe(accepted.length);
  expect(log.join('\n')).not.toMatch(INTERNAL);
  expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  const stored = (await Promise.all([...ids].map((id) => deps.reports.get('local', id)))).filter(Boolean).length;
  expect(stored).toBe(accepted.length);
  recordFigures('http', { inputs: corpus.length, refusedAtDoor: results.length - accepted.length, accepted: accepted.length, reportsOut: stored, duplicates: accepted.length - ids.size });
}, 240_000);

test('CLI: `mmdo inspect` over the corpus prints one outcome per file with the expected code and no stack trace', async () => {
  const dir = join(home, 'cli');
  await mkdir(dir, { recursive: true });
  const plain = corpus.filter((c) => c.metadata === undefined);
  for (const c of plain) await writeFile(join(dir, c.name), c.bytes);
  const env = { ...process.env, NODE_OPTIONS: '', MMDO_HOME: home, MMDO_BACKBONE: 'builtin' };
  const cli = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['bin/mmdo.mjs', 'inspect', '--profile', 'demo', ...args], { env, maxBuffer: 64 << 20, timeout: 180_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? -1) : 0, stdout, stderr }));
  });
  const withSheet = corpus.filter((c) => c.metadata !== undefined);
  const [all, ...sheets] = await Promise.all([
    cli(['--json', ...plain.map((c) => join(dir, c.name))]),
    ...withSheet.map(async (c) => {
      await writeFile(join(dir, `${c.name}.sheet.json`), c.metadata!);
      await writeFile(join(dir, c.name), c.bytes);
      return cli(['--json', '--metadata', join(dir, `${c.name}.sheet.json`), join(dir, c.name)]);
    }),
  ]);
  expect(all!.code).toBe(1);
  expect(all!.stderr).not.toMatch(/^\s+at |internal error/m);
  const outcomes = JSON.parse(all!.stdout) as ({ status: 'refused'; name: string; failure: { code: string } } | Report)[];
  expect(outcomes.length).toBe(plain.length);
  for (const c of plain) {
    const mine = outcomes.filter((o) => ('input' in o ? o.input.name : o.name) === c.name);
    expect([c.kind, mine.length]).toEqual([c.kind, 1]);
    const got = mine[0]!;
    if (c.code === null) expect([c.kind, got.status]).toEqual([c.kind, 'completed']);
    else expect([c.kind, got.status === 'completed' ? null : got.failure?.code]).toEqual([c.kind, c.code]);
  }
  // A sheet the CLI refuses stops the command with one line; an accepted one inspects the image against it.
  for (const [i, c] of withSheet.entries()) {
    const run = sheets[i]!;
    expect([c.kind, run.code]).toEqual([c.kind, 1]);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    if (c.door) expect([c.kind, run.stderr.trim()]).toEqual([c.kind, expect.stringMatching(new RegExp(`^mmdo: ${c.code}: `))]);
    else expect([c.kind, (JSON.parse(run.stdout) as Report).failure?.code]).toEqual([c.kind, c.code]);
  }
  const names = outcomes.map((o) => ('input' in o ? o.input.name : o.name));
  recordFigures('cli', { inputs: corpus.length, outcomes: outcomes.length + withSheet.length, duplicates: names.length - new Set(names).size });
}, 240_000);

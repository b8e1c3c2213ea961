/**
 * kill -9 of the service (a child process running `mmdo serve`) in the middle of a batch of HTTP uploads and inbox
 * files, then a restart on the same MMDO_HOME: every upload accepted before the kill ends in exactly one report,
 * every inbox file in exactly one outcome, and the jobs the killed service was running are requeued at once (not
 * after their 5-minute lease). A second service on the same MMDO_HOME is refused while one runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createDeps, micrographPng, prepareDemoProfile, tempHome, waitFor } from '../local/support.js';
import { recordFigures } from './support/figures.js';

interface Serve {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function serve(home: string, inbox: string): Promise<Serve> {
  const child = spawn(process.execPath, ['bin/mmdo.mjs', 'serve', '--port', '0', '--inbox', inbox, '--concurrency', '2'], {
    env: { ...process.env, MMDO_HOME: home, MMDO_BACKBONE: 'builtin', NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise<Serve>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) {
        clearInterval(timer);
        resolve({ child, url: match[1]!, stderr: () => stderr, exited });
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`serve exited (${code}) before listening:\n${stderr}`));
    });
  });
}

async function statusOf(url: string, id: string): Promise<string> {
  return ((await (await fetch(`${url}/v1/inspections/${id}`)).json()) as { status: string }).status;
}

test('kill -9 mid-batch, restart: uploads in = reports out, nothing twice, running jobs requeued at once', async () => {
  const { home, cleanup } = tempHome();
  const inbox = join(home, 'inbox');
  const deps = await createDeps(home);
  await prepareDemoProfile(deps, home);
  await deps.close();
  await mkdir(inbox, { recursive: true });
  const UPLOADS = 10;
  const FILES = 4;
  let first: Serve | undefined;
  let second: Serve | undefined;
  try {
    first = await serve(home, inbox);
    // Another service on the same MMDO_HOME is refused (one line, exit code 1) while this one runs.
    const rival = spawn(process.execPath, ['bin/mmdo.mjs', 'serve', '--port', '0', '--no-inbox'], {
      env: { ...process.env, MMDO_HOME: home, MMDO_BACKBONE: 'builtin', NODE_OPTIONS: '' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let rivalErr = '';
    rival.stderr!.on('data', (c: Buffer) => (rivalErr += c.toString()));
    expect(await new Promise((r) => rival.on('exit', r))).toBe(1);
    expect(rivalErr.trim().split('\n').at(-1)).toMatch(/^mmdo: service_already_running: another MM-DO service is using this MMDO_HOME \(pid \d+/);

    // Made before the first upload, so the batch arrives faster than it is inspected.
    const images = await Promise.all(Array.from({ length: UPLOADS + FILES }, (_, i) => micrographPng(600 + i, 384)));
    const ids = await Promise.all(images.slice(0, UPLOADS).map(async (body, i) => {
      const res = await fetch(`${first!.url}/v1/inspections?name=batch-${i}.png&pixelSizeUm=0.1`, { method: 'POST', headers: { 'content-type': 'image/png' }, body });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    }));
    for (let i = 0; i < FILES; i++) await writeFile(join(inbox, `drop-${i}.png`), images[UPLOADS + i]!);
    // Kill once some are done and others are running.
    await waitFor(async () => {
      const states = await Promise.all(ids.map((id) => statusOf(first!.url, id)));
      return states.filter((s) => s === 'completed').length >= 2 && states.includes('running') ? true : undefined;
    }, 120_000, 'part of the batch to complete');
    const runningAtKill = (await Promise.all(ids.map((id) => statusOf(first!.url, id)))).filter((s) => s === 'running').length;
    first.child.kill('SIGKILL');
    await first.exited;

    const restarted = Date.now();
    second = await serve(home, inbox);
    const requeued = /requeued (\d+) job\(s\) a stopped service left running/.exec(second.stderr());
    expect(Number(requeued?.[1] ?? 0)).toBeGreaterThanOrEqual(runningAtKill > 0 ? 1 : 0);
    await waitFor(async () => {
      const states = await Promise.all(ids.map((id) => statusOf(second!.url, id)));
      return states.every((s) => s === 'completed') ? true : undefined;
    }, 180_000, 'every accepted upload to have its report');
    const allDoneSeconds = (Date.now() - restarted) / 1000;
    const settled = () => ['processed', 'failed'].flatMap((d) => (existsSync(join(inbox, d)) ? readdirSync(join(inbox, d)) : []).filter((f) => /^drop-\d+(-\d+)?\.png$/.test(f)));
    await waitFor(async () => (settled().length >= FILES ? true : undefined), 120_000, 'every inbox file to settle');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // Count from the stores themselves: one report per accepted upload and per inbox file, no job left behind.
    const reports = new Database(join(home, 'reports.sqlite'), { readonly: true });
    const rows = reports.prepare(`SELECT id, status, json_extract(json, '$.input.name') AS name FROM reports WHERE tenant = 'local'`).all() as { id: string; status: string; name: string }[];
    reports.close();
    const queue = new Database(join(home, 'service', 'queue.sqlite'), { readonly: true });
    const jobs = queue.prepare(`SELECT status, COUNT(*) AS n FROM jobs GROUP BY status`).all() as { status: string; n: number }[];
    queue.close();
    const batch = rows.filter((r) => /^(batch|drop)-\d+\.png$/.test(r.name));
    expect(batch.length).toBe(UPLOADS + FILES);
    expect(new Set(batch.map((r) => r.name)).size).toBe(UPLOADS + FILES);
    expect(batch.every((r) => r.status === 'completed')).toBe(true);
    for (const id of ids) expect(rows.filter((r) => r.id === id)).toHaveLength(1);
    expect(settled().filter((f) => /-\d+-\d+\.png$/.test(f))).toEqual([]); // no file moved twice
    expect(Object.fromEntries(jobs.map((j) => [j.status, j.n]))).toEqual({ completed: UPLOADS + FILES });
    recordFigures('kill -9', {
      uploadsIn: UPLOADS + FILES, reportsOut: batch.length, duplicates: batch.length - new Set(batch.map((r) => r.name)).size,
      runningAtKill, requeuedAtStart: Number(requeued?.[1] ?? 0), secondsToFinishAfterRestart: Math.round(allDoneSeconds * 10) / 10,
    });
  } finally {
    if (first && first.child.exitCode === null) first.child.kill('SIGKILL');
    if (second && second.child.exitCode === null) second.child.kill('SIGKILL');
    cleanup();
  }
}, 420_000);

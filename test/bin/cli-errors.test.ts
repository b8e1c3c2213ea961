import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileProfileStore } from '../../lambdas/adapters/local/store/profile-store.js';
import { saveTinyProfile } from '../local/support.js';
import { micrographPng } from '../local/support.js';

interface Run { code: number | null; stdout: string; stderr: string; ms: number }

function mmdo(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/mmdo.mjs', ...args], { env: { ...process.env, NODE_OPTIONS: '', MMDO_BACKBONE: 'builtin', ...env }, timeout: 90_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** One line on stderr, no stack frames, no zod dump. */
function expectOneCleanLine(run: Run, pattern: RegExp): void {
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  expect({ lines, code: run.code }).toEqual({ lines: [expect.stringMatching(pattern)], code: 1 });
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toMatch(/ZodError|"code":|\[\s*\{/);
}

describe('CLI: expected errors end in one clear line and exit code 1 (issue 12 reproductions)', () => {
  let dir: string;
  let busy: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mmdo-cli-errors-'));
    await saveTinyProfile({ profiles: new FileProfileStore(join(dir, 'home', 'profiles')) }, 'demo');
    await writeFile(join(dir, 'one.png'), await micrographPng(3, 64));
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise((r) => busy.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  test('bad options, too few images, a device file and a taken port', async () => {
    const env = { MMDO_HOME: join(dir, 'home') };
    const port = (busy.address() as AddressInfo).port;
    const [count0, countAbc, sizes, pixel, enrolOne, devZero, takenPort, missing] = await Promise.all([
      mmdo(['synth', '--out', join(dir, 's'), '--count', '0'], env),
      mmdo(['synth', '--out', join(dir, 's'), '--count', 'abc'], env),
      mmdo(['bench', '--sizes', 'abc'], env),
      mmdo(['inspect', '--profile', 'demo', '--pixel-size', '-1', join(dir, 'one.png')], env),
      mmdo(['enroll', '--profile', 'p', join(dir, 'one.png')], env),
      mmdo(['inspect', '--profile', 'demo', '/dev/zero'], env),
      mmdo(['serve', '--port', String(port), '--no-inbox'], env),
      mmdo(['inspect', '--profile', 'demo', join(dir, 'nope.png')], env),
    ]);
    expectOneCleanLine(count0!, /^mmdo: validation_failed: --count: must be greater than 0, got "0"$/);
    expectOneCleanLine(countAbc!, /^mmdo: validation_failed: --count: must be a number, got "abc"$/);
    expectOneCleanLine(sizes!, /^mmdo: validation_failed: --sizes: must be a number, got "abc"$/);
    expectOneCleanLine(pixel!, /^mmdo: validation_failed: --pixel-size: must be greater than 0, got "-1"$/);
    expectOneCleanLine(enrolOne!, /^mmdo: validation_failed: enrolment needs at least 2 images .*found 1$/);
    expectOneCleanLine(devZero!, /^mmdo: not_a_file: \/dev\/zero is not a regular file/);
    expect(devZero!.ms).toBeLessThan(60_000);
    // serve logs its start-up lines first; the refusal is the last line, with no stack trace.
    expect(takenPort!.code).toBe(1);
    expect(takenPort!.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^mmdo: port_in_use: port ${port} on 127\\.0\\.0\\.1 is already in use`));
    expect(takenPort!.stderr).not.toMatch(/^\s+at /m);
    expectOneCleanLine(missing!, /^mmdo: ENOENT: no such file or directory.*nope\.png/);
  });
});

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FileProfileStore } from '../../lambdas/adapters/local/store/profile-store.js';
import { saveTinyProfile, tempHome } from './support.js';

test('`mmdo serve` starts on loopback, answers /healthz, and stops cleanly on SIGTERM', async () => {
  const { home, cleanup } = tempHome();
  try {
    // A profile already exists, so start-up skips the demo enrolment (that path runs in service.test.ts).
    await saveTinyProfile({ profiles: new FileProfileStore(join(home, 'profiles')) }, 'demo');
    const child = spawn(process.execPath, ['bin/mmdo.mjs', 'serve', '--port', '0', '--no-inbox'], {
      env: { ...process.env, MMDO_HOME: home, MMDO_BACKBONE: '', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no 'listening on' line:\n${stderr}`)), 30_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.on('exit', () => reject(new Error(`serve exited early:\n${stderr}`)));
    });
    const health = await (await fetch(`${url}/healthz`)).json();
    expect(health).toMatchObject({ status: 'ok', tenant: 'local', inbox: null });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM: stopping[\s\S]*stopped/);
  } finally {
    cleanup();
  }
});

import { progressBar } from '../../../bin/commands/progress-bar.js';

function fakeStream(isTTY: boolean) {
  const lines: string[] = [];
  return { lines, stream: { isTTY, write: (chunk: string) => { lines.push(...chunk.split('\n').filter(Boolean)); return true; } } as unknown as NodeJS.WritableStream & { isTTY: boolean } };
}

describe('progress without a terminal', () => {
  test('plain lines: the first update, every 5 % (at most one a second), stage changes, a heartbeat, and the end', () => {
    const { lines, stream } = fakeStream(false);
    let t = 0;
    const bar = progressBar('evaluate', { stream, now: () => t, heartbeatMs: 10_000 });
    bar.listener('embed bank', 0.0, '1/600');
    for (let i = 1; i <= 100; i++) {
      t += 300; // a progress event every 300 ms, 0.5 % each
      bar.listener('embed bank', i * 0.005, `${i}/600`);
    }
    // 100 events over 30 s, 50 % of progress: a line per 5 % step (one-second spacing allows it), not one per event.
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines[0]).toBe('evaluate: 0% embed bank 1/600 (0 s)');
    expect(Number(/^evaluate: (\d+)% embed bank/.exec(lines.at(-1)!)?.[1])).toBeGreaterThanOrEqual(45);
    const before = lines.length;
    t += 1500;
    bar.listener('coreset', 0.5);
    expect(lines.at(-1)).toMatch(/^evaluate: 50% coreset/); // a new stage gets its line
    t += 200;
    bar.listener('coreset', 0.51);
    expect(lines.length).toBe(before + 1); // too soon and too little for another
    t += 10_000;
    bar.listener('coreset', 0.52);
    expect(lines.at(-1)).toMatch(/^evaluate: 52% coreset \(42 s\)$/); // heartbeat: alive, even without a 5 % step
    t += 100;
    bar.listener('done', 1);
    bar.stop();
    expect(lines.at(-1)).toMatch(/^evaluate: 100% done/);
    bar.stop(); // idempotent
    expect(lines.at(-1)).toMatch(/^evaluate: 100% done/);
  });

  test('a long stage with no events still prints a heartbeat line', async () => {
    const { lines, stream } = fakeStream(false);
    const bar = progressBar('enroll', { stream, heartbeatMs: 150, minIntervalMs: 0 });
    bar.listener('coreset', 0.7);
    await new Promise((r) => setTimeout(r, 1300));
    bar.stop();
    expect(lines.filter((l) => /^enroll: 70% coreset/.test(l)).length).toBeGreaterThanOrEqual(2);
  });

  test('on a terminal it draws a bar, not lines', () => {
    const { lines, stream } = fakeStream(true);
    const bar = progressBar('inspect', { stream });
    bar.listener('embed', 0.5);
    bar.stop();
    expect(lines.join('')).not.toMatch(/^inspect: 50%/m);
  });
});

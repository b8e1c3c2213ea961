import { SingleBar } from 'cli-progress';
import type { ProgressListener } from '../../lambdas/application/contracts.js';

export interface ProgressOptions {
  /** Where progress goes (stdout stays clean for --json); default stderr. */
  readonly stream?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly now?: () => number;
  /** Without a terminal: a line at least every this many ms while work goes on (default 10 s). */
  readonly heartbeatMs?: number;
  /** Without a terminal: a line whenever progress has advanced this much since the last (default 5 %)... */
  readonly step?: number;
  /** ...but no two lines closer than this (default 1 s). */
  readonly minIntervalMs?: number;
}

/**
 * Progress on stderr. On a terminal, a bar that redraws in place. Elsewhere (CI logs, `2> file`, a pipe), plain lines:
 * one at the start, one each time progress advances by 5 % or the stage changes (at most one a second), and a
 * heartbeat every 10 s while a long stage runs, so a long `evaluate` shows it is alive without flooding the log.
 */
export function progressBar(title: string, options: ProgressOptions = {}): { listener: ProgressListener; stop(): void } {
  const stream = options.stream ?? process.stderr;
  return stream.isTTY ? terminalBar(title, stream) : lineProgress(title, stream, options);
}

function terminalBar(title: string, stream: NodeJS.WritableStream): { listener: ProgressListener; stop(): void } {
  const bar = new SingleBar({
    stream: stream as NodeJS.WriteStream,
    format: `${title} [{bar}] {percentage}% {stage} {detail}`,
    hideCursor: true,
    clearOnComplete: true,
  });
  let started = false;
  return {
    listener(stage, fraction, detail) {
      if (!started) { bar.start(1000, 0, { stage, detail: '' }); started = true; }
      bar.update(Math.round(clamp01(fraction) * 1000), { stage, detail: detail ?? '' });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function lineProgress(title: string, stream: NodeJS.WritableStream, options: ProgressOptions): { listener: ProgressListener; stop(): void } {
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const step = options.step ?? 0.05;
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const started = now();
  let current: { stage: string; fraction: number; detail: string | undefined } | undefined;
  let last: { at: number; stage: string; fraction: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const print = () => {
    if (!current) return;
    const t = now();
    const elapsed = ((t - started) / 1000).toFixed(0);
    stream.write(`${title}: ${Math.round(current.fraction * 100)}% ${current.stage}${current.detail ? ` ${current.detail}` : ''} (${elapsed} s)\n`);
    last = { at: t, stage: current.stage, fraction: current.fraction };
  };
  return {
    listener(stage, fraction, detail) {
      current = { stage, fraction: clamp01(fraction), detail };
      if (!timer && heartbeatMs > 0) {
        timer = setInterval(() => {
          if (last && now() - last.at >= heartbeatMs) print();
        }, Math.min(heartbeatMs, 1000));
        timer.unref();
      }
      const t = now();
      if (!last) return print();
      if (t - last.at < minIntervalMs) return;
      if (current.fraction - last.fraction >= step || stage !== last.stage || t - last.at >= heartbeatMs) print();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (last && current && (current.fraction !== last.fraction || current.stage !== last.stage)) print();
      current = undefined;
      last = undefined;
    },
  };
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

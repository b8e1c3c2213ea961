import { SingleBar } from 'cli-progress';
import type { ProgressListener } from '../../lambdas/application/contracts.js';

/**
 * A progress bar on stderr (stdout stays clean for --json). Draws only on a terminal; elsewhere it is silent,
 * so logs and CI output are not flooded with redraws.
 */
export function progressBar(title: string): { listener: ProgressListener; stop(): void } {
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${title} [{bar}] {percentage}% {stage} {detail}`,
    hideCursor: true,
    clearOnComplete: true,
  });
  let started = false;
  return {
    listener(stage, fraction, detail) {
      if (!process.stderr.isTTY) return;
      if (!started) { bar.start(1000, 0, { stage, detail: '' }); started = true; }
      bar.update(Math.round(Math.min(1, Math.max(0, fraction)) * 1000), { stage, detail: detail ?? '' });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

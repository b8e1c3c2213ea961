import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * A full garbage collection of this thread's heap now. Used only around very large images: V8 collects as a thread
 * allocates, so a stage's garbage (hundreds of megabytes of typed arrays at 64 MP) can otherwise stay resident while
 * the next stage, or another thread, allocates its own.
 */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

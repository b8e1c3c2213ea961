// Entry of a runtime's domain thread (domain-worker.ts): registers the TypeScript loader in this thread, as
// bin/mmdo.mjs does for the process, then runs the thread's main module.
import { register } from 'tsx/esm/api';

register();
await import('./domain-thread-main.ts');

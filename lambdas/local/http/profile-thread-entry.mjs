// Entry of the profile-work thread (profile-thread.ts): registers the TypeScript loader in this thread, as
// bin/mmdo.mjs does for the process, then runs the thread's main module.
import { register } from 'tsx/esm/api';

process.env.ORT_DISABLE_TELEMETRY ??= '1';
register();
await import('./profile-thread-main.ts');

import { createLocalRuntime, type LocalRuntime } from '../adapters/local/runtime.js';
import type { PipelineThreadConfig } from './pipeline-pool.js';

/**
 * The local runtime of one of the service's worker threads (pipeline-thread-main.ts, http/profile-thread-main.ts;
 * both get this config), on the service's MMDO_HOME. A runtime that cannot start is posted as 'failed-to-start' and
 * ends the thread, so the parent rejects at once rather than waiting for 'ready'.
 */
export async function startThreadRuntime(
  config: PipelineThreadConfig,
  send: (message: { type: 'failed-to-start'; message: string }) => void,
): Promise<LocalRuntime> {
  try {
    return await createLocalRuntime({
      home: config.home, backboneOverride: config.backbone, env: config.env, limits: config.limits,
      ...(config.domainThread === false ? { offload: null } : {}),
    });
  } catch (error) {
    send({ type: 'failed-to-start', message: (error as Error).message });
    process.exit(1);
  }
}

import { parentPort, workerData } from 'node:worker_threads';
import { createLocalRuntime, type LocalRuntime } from '../adapters/local/runtime.js';
import type { FromThread, PipelineThreadConfig, ToThread } from './pipeline-pool.js';

/**
 * One pipeline thread: its own local runtime on the service's MMDO_HOME (reports in the same SQLite file, WAL;
 * artifacts and profiles as files), running one inspection at a time for the pool, progress posted as it goes.
 */
const port = parentPort!;
const config = workerData as PipelineThreadConfig;
const send = (message: FromThread) => port.postMessage(message);

let runtime: LocalRuntime;
try {
  runtime = await createLocalRuntime({ home: config.home, backboneOverride: config.backbone, env: config.env, limits: config.limits });
} catch (error) {
  send({ type: 'failed-to-start', message: (error as Error).message });
  process.exit(1);
}

port.on('message', (message: ToThread) => {
  if (message.type !== 'inspect') return;
  const { task, request } = message;
  runtime.inspections
    .inspect(request, (stage, fraction, detail) => send({ type: 'progress', task, stage, fraction, ...(detail !== undefined ? { detail } : {}) }))
    .then(
      (report) => send({ type: 'done', task, report }),
      (error: unknown) => send({ type: 'error', task, name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) }),
    );
});
send({ type: 'ready' });

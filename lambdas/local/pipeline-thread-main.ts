import { parentPort, workerData } from 'node:worker_threads';
import type { FromThread, PipelineThreadConfig, ToThread } from './pipeline-pool.js';
import { setIntraOpThreads } from '../adapters/onnx/onnx-backbone.js';
import { startThreadRuntime } from './thread-runtime.js';

/**
 * One pipeline thread: its own local runtime on the service's MMDO_HOME (reports in the same SQLite file, WAL;
 * artifacts and profiles as files), running one inspection at a time for the pool, progress posted as it goes.
 */
const port = parentPort!;
const config = workerData as PipelineThreadConfig;
const send = (message: FromThread) => port.postMessage(message);
// This thread's ONNX sessions get its share of the cores (the pool shares them out among its threads).
if (config.ortThreads !== undefined) setIntraOpThreads(config.ortThreads);
const runtime = await startThreadRuntime(config, send);

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

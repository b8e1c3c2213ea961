import { parentPort, workerData } from 'node:worker_threads';
import { FeedbackService } from '../../application/feedback/index.js';
import { MmdoError } from '../../domain/errors.js';
import { startThreadRuntime } from '../thread-runtime.js';
import type { FromProfileThread, ProfileThreadConfig, ToProfileThread } from './profile-thread.js';

/**
 * The profile-work thread: its own local runtime on the service's MMDO_HOME (profiles and artifacts as files,
 * reports and feedback in the same SQLite file, WAL), running one enrolment or feedback application at a time.
 */
const port = parentPort!;
const config = workerData as ProfileThreadConfig;
const send = (message: FromProfileThread) => port.postMessage(message);
const runtime = await startThreadRuntime(config, send);
const feedback = new FeedbackService({
  reports: runtime.reports, feedback: runtime.feedback, profiles: runtime.profiles, artifacts: runtime.artifacts, enrollment: runtime.enrollment, rescorer: runtime.rescorer,
});

port.on('message', (message: ToProfileThread) => {
  const progress = (stage: string, fraction: number, detail?: string) => send({ type: 'progress', task: message.task, stage, fraction, ...(detail !== undefined ? { detail } : {}) });
  const work: Promise<unknown> = message.type === 'enrol'
    ? runtime.enrollment.enroll(message.request, progress)
    : feedback.apply(message.tenant, message.request, progress);
  work.then(
    (result) => send({ type: 'done', task: message.task, result }),
    (error: unknown) => send({
      type: 'error', task: message.task, name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error),
      ...(error instanceof MmdoError ? { code: error.code, status: error.status, details: error.details } : {}),
    }),
  );
});
send({ type: 'ready' });

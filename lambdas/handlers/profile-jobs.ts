import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { runProfileJob } from '../application/profile-jobs.js';
import { PROFILE_JOB_TIMEOUT_SECONDS } from './support/profile-job-limits.js';
import { profileJobDepsFromEnv, type CloudProfileJobDeps } from './support/profile-job-runtime.js';

const logger = new Logger({ serviceName: 'mmdo-profile-jobs' });

/** What the API puts on the queue when an enrolment is started or a recalibration asked for. */
export const ProfileJobMessageSchema = z.object({ tenant: z.string().min(1), id: z.string().regex(/^(enr|rcl)_[0-9a-f]{24}$/) });

/** Time kept back from the function's limit to record a job that runs out of it. */
const DEADLINE_MARGIN_MS = 30_000;

export interface ProfileJobHandlerOptions {
  /**
   * After a job ran out of time (its failure recorded), the work still in flight must not resume in a later
   * invocation of this container: the process exits and Lambda discards it. Tests keep the process.
   */
  readonly exitAfterDeadline?: boolean;
}

/**
 * SQS-triggered (batch size 1): runs one profile job to its end with the same application code as the CLI and the
 * local service (runProfileJob). At-most-once: the job is claimed with a conditional update, so a redelivered
 * message finds it running or ended and does nothing, except that a job still `running` past the function's limit
 * (its invocation died: time or memory) is recorded failed with that reason. A job that would outlast the function
 * is stopped 30 s before its end and recorded failed (`profile_job_timeout`), never left running.
 */
export function createProfileJobHandler(deps: () => Promise<CloudProfileJobDeps> = lazy(() => profileJobDepsFromEnv(process.env, (line) => logger.info(line))), options: ProfileJobHandlerOptions = {}) {
  const processor = new BatchProcessor(EventType.SQS);
  let context: Context | undefined;
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const { tenant, id } = ProfileJobMessageSchema.parse(JSON.parse(record.body));
    const d = await deps();
    const job = await d.jobs.get(tenant, id);
    if (!job) {
      logger.warn('profile job not found', { tenant, id });
      return;
    }
    if (job.status === 'running' && job.startedAt && Date.parse(job.startedAt) + PROFILE_JOB_TIMEOUT_SECONDS * 1000 < Date.now()) {
      await d.jobs.finish(tenant, id, {
        status: 'failed', at: new Date().toISOString(),
        failure: { code: 'profile_job_interrupted', message: `The ${job.kind} did not finish within the function's ${PROFILE_JOB_TIMEOUT_SECONDS / 60} minutes (it ran out of time or memory): enrol fewer or smaller images per job.` },
      });
      return;
    }
    if (job.status !== 'queued') return;
    const remaining = context?.getRemainingTimeInMillis?.() ?? PROFILE_JOB_TIMEOUT_SECONDS * 1000;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), Math.max(1000, remaining - DEADLINE_MARGIN_MS))));
    const outcome = await Promise.race([runProfileJob(d, tenant, id), deadline]);
    clearTimeout(timer);
    if (outcome !== 'deadline') return;
    await d.jobs.finish(tenant, id, {
      status: 'failed', at: new Date().toISOString(),
      failure: { code: 'profile_job_timeout', message: `The ${job.kind} did not finish within the function's ${PROFILE_JOB_TIMEOUT_SECONDS / 60} minutes: enrol fewer or smaller images per job, or enrol locally and publish (mmdo enroll --publish).` },
    });
    logger.error('profile job ran out of time', { tenant, id });
    if (options.exitAfterDeadline ?? true) process.exit(1);
  };
  return middy(async (event: SQSEvent, ctx: Context): Promise<SQSBatchResponse> => {
    context = ctx;
    return processPartialResponse(event, handleRecord, processor, { context: ctx, throwOnFullBatchFailure: false });
  }).use(injectLambdaContext(logger));
}

function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make();
    value.catch(() => (value = undefined));
    return value;
  };
}

export const handler = createProfileJobHandler();

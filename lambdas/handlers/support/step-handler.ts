import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { ZodError } from 'zod';
import { RETRYABLE_ERRORS, type PipelineStep } from '../../../lib/handler-entries.js';
import type { CloudDeps } from '../../application/cloud/steps.js';
import { MmdoError } from '../../domain/errors.js';
import { cloudDepsFromEnv } from './deps.js';

export const logger = new Logger({ serviceName: 'mmdo' });
export const metrics = new Metrics({ namespace: 'MMDO', serviceName: 'mmdo' });

const RETRYABLE = new Set<string>(RETRYABLE_ERRORS);

/**
 * What the workflow sees of an error. Transient ones keep (or get) a name in RETRYABLE_ERRORS, so Step Functions
 * retries them with backoff; everything else is permanent: its name is the stable code, its message a JSON
 * { code, message, stage } that record-failure turns into the failed report's reason.
 */
export function workflowError(error: unknown, stage: string): Error {
  const e = error as { name?: string; message?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e?.name && RETRYABLE.has(e.name)) return error as Error;
  const status = e?.$metadata?.httpStatusCode;
  const networkCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'TimeoutError']);
  if (e?.$retryable || (status !== undefined && status >= 500) || networkCodes.has(e?.name ?? '') || networkCodes.has((error as { code?: string })?.code ?? '')) {
    const transient = new Error(`${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`);
    transient.name = 'TransientError';
    return transient;
  }
  const code = error instanceof MmdoError ? error.code : error instanceof ZodError ? 'invalid_state' : 'internal_error';
  const message = error instanceof ZodError ? `invalid input for the ${stage} step: ${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` : (e?.message ?? String(error));
  const permanent = new Error(JSON.stringify({ code, message, stage }));
  permanent.name = code;
  return permanent;
}

/**
 * One workflow step as a Lambda handler: middy with Powertools structured logs (Lambda context, step name) and
 * metrics (duration and outcome per step, EMF). Thin: the step function does the work on the wired adapters.
 * `deps` is built on first use and kept for the container's lifetime; tests pass their own.
 */
export function stepHandler<R>(step: PipelineStep, run: (state: unknown, deps: CloudDeps) => Promise<R> | R, deps: () => CloudDeps = lazyDeps()) {
  return middy(async (state: unknown, _context: Context): Promise<R> => {
    const started = performance.now();
    logger.appendKeys({ step });
    try {
      const result = await run(state, deps());
      metrics.addMetric(`${step}.succeeded`, MetricUnit.Count, 1);
      return result;
    } catch (error) {
      const failure = workflowError(error, step);
      metrics.addMetric(failure.name === 'TransientError' || RETRYABLE.has(failure.name) ? `${step}.retryable` : `${step}.failed`, MetricUnit.Count, 1);
      logger.error('step failed', { errorName: failure.name, error: error as Error });
      throw failure;
    } finally {
      metrics.addMetric(`${step}.duration`, MetricUnit.Milliseconds, performance.now() - started);
    }
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

function lazyDeps(): () => CloudDeps {
  let deps: CloudDeps | undefined;
  return () => (deps ??= cloudDepsFromEnv());
}

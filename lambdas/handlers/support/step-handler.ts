import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { RETRYABLE_ERRORS, type WorkflowFunction } from '../../application/pipeline/definition.js';
import { workflowError } from '../../application/pipeline/failure.js';
import type { CloudDeps } from '../../application/pipeline/run-step.js';
import { cloudRuntimeFromEnv } from './cloud-runtime.js';

export const logger = new Logger({ serviceName: 'mmdo' });
export const metrics = new Metrics({ namespace: 'MMDO', serviceName: 'mmdo' });

const RETRYABLE = new Set<string>(RETRYABLE_ERRORS);

/**
 * One workflow function as a Lambda handler: middy with Powertools structured logs (Lambda context, step name) and
 * metrics (duration and outcome per step, EMF). Thin: the application function does the work on the wired
 * adapters; errors leave shaped for the workflow (retryable by name, or permanent with the JSON reason). `deps` is built on first use and kept for the
 * container's lifetime; tests pass their own.
 */
export function stepHandler<R>(step: WorkflowFunction, run: (event: unknown, deps: CloudDeps) => Promise<R>, deps: () => CloudDeps = lazyDeps()) {
  return middy(async (event: unknown, _context: Context): Promise<R> => {
    const started = performance.now();
    logger.appendKeys({ step });
    try {
      const result = await run(event, deps());
      metrics.addMetric(`${step}.succeeded`, MetricUnit.Count, 1);
      return result;
    } catch (error) {
      const shaped = workflowError(error, step);
      metrics.addMetric(RETRYABLE.has(shaped.name) ? `${step}.retryable` : `${step}.failed`, MetricUnit.Count, 1);
      logger.error('step failed', { errorName: shaped.name, error: error as Error });
      throw shaped;
    } finally {
      metrics.addMetric(`${step}.duration`, MetricUnit.Milliseconds, performance.now() - started);
    }
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

function lazyDeps(): () => CloudDeps {
  let deps: CloudDeps | undefined;
  return () => (deps ??= cloudRuntimeFromEnv());
}

import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Context } from 'aws-lambda';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { z } from 'zod';
import { RETRYABLE_ERRORS } from '../../lambdas/application/pipeline/definition.js';
import { failedReport, failureReasonOf, reasonOf, workflowError } from '../../lambdas/application/pipeline/failure.js';
import type { CloudDeps } from '../../lambdas/application/pipeline/run-step.js';
import { recordFailure } from '../../lambdas/application/pipeline/run-step.js';
import { IngestError, MmdoError, ValidationError } from '../../lambdas/domain/errors.js';
import { DynamoDbClaims } from '../../lambdas/adapters/aws/dynamodb-claims.js';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const { stepHandler } = await import('../../lambdas/handlers/support/step-handler.js');

const context = { functionName: 'mmdo-test', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
const asCause = (e: Error) => ({ Error: e.name, Cause: JSON.stringify({ errorType: e.name, errorMessage: e.message }) });

describe('workflow errors', () => {
  test('throttling keeps its name so the state machine retries it', () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    expect(workflowError(throttled, 'embed')).toBe(throttled);
    expect(RETRYABLE_ERRORS).toContain(workflowError(throttled, 'embed').name);
  });

  test('a 5xx or network error from an SDK becomes a TransientError', () => {
    const serverError = Object.assign(new Error('boom'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    for (const e of [serverError, reset]) expect(workflowError(e, 'score').name).toBe('TransientError');
  });

  test('a product error is permanent, named by its code, and its reason survives the trip through $.error', () => {
    const failure = workflowError(new IngestError('corrupt_image', 'the PNG data is damaged'), 'ingest');
    expect(failure.name).toBe('corrupt_image');
    expect(RETRYABLE_ERRORS as readonly string[]).not.toContain(failure.name);
    expect(failureReasonOf(asCause(failure))).toEqual({ code: 'corrupt_image', message: 'the PNG data is damaged', stage: 'ingest' });
  });

  test('shaping is idempotent: an error already shaped by a step passes the handler unchanged', () => {
    const once = workflowError(new IngestError('corrupt_image', 'damaged'), 'ingest');
    expect(workflowError(once, 'analyse')).toBe(once);
  });

  test('an error that names the input it could not read keeps that in the reason (the failed report shows what arrived)', () => {
    const input = { name: 'a.png', sha256: 'ab'.repeat(32), bytes: 200 };
    const failure = workflowError(new IngestError('truncated_image', 'cut short', { input }), 'ingest');
    const reason = failureReasonOf(asCause(failure));
    expect(reason).toEqual({ code: 'truncated_image', message: 'cut short', stage: 'ingest', input: { ...input, warnings: [] } });
    const report = failedReport({ job: { tenant: 't', reportId: 'r', createdAt: '2026-12-01T00:00:00Z', name: 'a.png', profile: { name: 'p' }, input: { bucket: 'b', key: 'k', size: 200 } }, timingsMs: {} }, reason);
    expect(report.input).toMatchObject({ name: 'a.png', sha256: input.sha256, bytes: 200 });
    expect(report.failure).toEqual({ code: 'truncated_image', message: 'cut short', stage: 'ingest' });
  });

  test('invalid state and unknown errors are permanent too; a runtime failure without our JSON keeps its text', () => {
    const invalid = workflowError(z.object({ a: z.string() }).safeParse({}).error!, 'fuse');
    expect(failureReasonOf(asCause(invalid))).toMatchObject({ code: 'invalid_state', stage: 'fuse' });
    expect(reasonOf(new TypeError('x is undefined'), 'fuse')).toMatchObject({ code: 'internal_error', stage: 'fuse' });
    expect(workflowError(new TypeError('x is undefined'), 'fuse').name).toBe('internal_error');
    expect(failureReasonOf({ Error: 'States.Timeout', Cause: 'Task timed out after 180.00 seconds' }))
      .toEqual({ code: 'States.Timeout', message: 'Task timed out after 180.00 seconds', stage: 'workflow' });
  });
});

describe('step handler (middy + Powertools)', () => {
  const deps = () => ({}) as CloudDeps;

  test('returns the step result', async () => {
    const handler = stepHandler('report', async (state) => ({ echoed: state }), deps);
    await expect(handler({ a: 1 }, context)).resolves.toEqual({ echoed: { a: 1 } });
  });

  test('throws the error shaped for the workflow, with the step as its stage', async () => {
    const handler = stepHandler('analyse', async () => { throw new MmdoError('backbone_mismatch', 'wrong backbone', 409); }, deps);
    const thrown = await handler({}, context).catch((e: Error) => e);
    expect(thrown).toMatchObject({ name: 'backbone_mismatch' });
    expect(failureReasonOf(asCause(thrown as Error))).toEqual({ code: 'backbone_mismatch', message: 'wrong backbone', stage: 'analyse' });
  });

  test('record-failure refuses a state with neither a job nor its triggering event (no store is touched)', async () => {
    await expect(recordFailure({ error: { Error: 'corrupt_image', Cause: 'bad' } }, {} as never)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('DynamoDbClaims against dynalite', () => {
  let server: Server;
  let claims: DynamoDbClaims;

  beforeAll(async () => {
    server = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    await client.send(new CreateTableCommand({
      TableName: 'claims', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }));
    claims = new DynamoDbClaims(client, 'claims');
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('the first event claims an object version; its retries keep it; another event is a duplicate', async () => {
    expect(await claims.claim('uploads/acme/p/a.png#etag:1', 'event-1', 'r1')).toBe('claimed');
    expect(await claims.claim('uploads/acme/p/a.png#etag:1', 'event-1', 'r1')).toBe('claimed');
    expect(await claims.claim('uploads/acme/p/a.png#etag:1', 'event-2', 'r1')).toBe('duplicate');
    expect(await claims.claim('uploads/acme/p/a.png#etag:2', 'event-2', 'r2')).toBe('claimed');
  });
});

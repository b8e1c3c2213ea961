/**
 * The partner API on both runtimes, driven the same way: the local service over HTTP (keys required), and the cloud
 * API Lambda behind a stand-in for API Gateway (the REQUEST authorizer Lambda first, then the API Lambda with the
 * authorizer's context, as REST API proxy events) over s3rver, dynalite and the model container
 * (test/e2e-cloud/cloud-fixture.ts). Each runtime gets two tenants with an admin key each and the same profile.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { apiTableDefinition, DynamoDbApiStore } from '../../lambdas/adapters/aws/dynamodb-api-store.js';
import { DynamoDbUsageLedger, usageTableDefinition } from '../../lambdas/adapters/aws/dynamodb-usage-ledger.js';
import { webhooksTableDefinition } from '../../lambdas/adapters/aws/dynamodb-webhook-subscriptions.js';
import type { S3ProfileStore } from '../../lambdas/adapters/aws/s3-profile-store.js';
import { SqliteApiStore } from '../../lambdas/adapters/local/store/api-store.js';
import { routeTable } from '../../lambdas/api/routes.js';
import { createTenant, issueKey } from '../../lambdas/application/tenancy/api-keys.js';
import { MeteredReportStore } from '../../lambdas/application/metering/metered-reports.js';
import { publishProfile } from '../../lambdas/application/publish-profile.js';
import { createApiHandler } from '../../lambdas/handlers/api.js';
import { createAuthorizer } from '../../lambdas/handlers/authorizer.js';
import { cloudApiBackend } from '../../lambdas/handlers/support/api-backend.js';
import type { CredentialStore, UsageLedger } from '../../lambdas/ports/partner-api.js';
import type { ProfileEvent } from '../../lambdas/ports/profile-jobs.js';
import { createSageMakerClient, SageMakerBackbone, SageMakerEndpoint } from '../../lambdas/adapters/aws/sagemaker-backbone.js';
import { createProfileJobHandler } from '../../lambdas/handlers/profile-jobs.js';
import { cloudProfileJobDeps } from '../../lambdas/handlers/support/profile-job-runtime.js';
import { CLOUD_ENROLMENT_LIMITS } from '../../lambdas/handlers/support/profile-job-limits.js';
import { Receiver } from '../adapters/local/webhooks/receiver.js';
import type { RunningService } from '../../lambdas/local/service.js';
import { ARTIFACTS, startCloudFixture, UPLOADS, type CloudFixture } from '../e2e-cloud/cloud-fixture.js';
import { createDeps, micrographPng, start, tempHome, testOptions, type TestDeps } from '../local/support.js';

export const TENANTS = ['acme', 'globex'] as const;
export const PROFILE = 'grains';
export const SIZE = 128;

export interface CallInit {
  readonly key?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array | string;
}

export interface ApiRuntime {
  readonly name: 'local' | 'cloud';
  /** An admin key per tenant. */
  readonly keys: Readonly<Record<(typeof TENANTS)[number], string>>;
  readonly credentials: CredentialStore;
  readonly usage: UsageLedger;
  call(method: string, path: string, init?: CallInit): Promise<Response>;
  /** Runs (cloud) or waits for (local) everything queued so far, until each has its report. */
  settle(tenant: string, id: string): Promise<void>;
  /**
   * From now on, the tenant's `profile.updated` events as a subscriber gets them: locally a real receiver subscribed
   * through the API (signature verified), in the cloud the events the API and the profile-jobs function put on the
   * bus (the dispatcher's side is test/handlers/webhook-dispatch.test.ts). `stop` ends the watch.
   */
  watchProfileEvents(tenant: (typeof TENANTS)[number]): Promise<{ events(): Omit<ProfileEvent, 'occurredAt'>[]; stop(): Promise<void> }>;
  close(): Promise<void>;
}

async function normals(): Promise<Uint8Array[]> {
  return Promise.all(Array.from({ length: 6 }, (_, i) => micrographPng(100 + i, SIZE)));
}

async function adminKeys(store: CredentialStore): Promise<Record<(typeof TENANTS)[number], string>> {
  const keys = {} as Record<(typeof TENANTS)[number], string>;
  for (const tenant of TENANTS) {
    await createTenant(store, tenant);
    keys[tenant] = (await issueKey(store, tenant, ['admin'], 'test admin')).key;
  }
  return keys;
}

export async function startLocalApi(): Promise<ApiRuntime> {
  const { home, cleanup } = tempHome();
  const deps: TestDeps = await createDeps(home);
  const images = await normals();
  for (const tenant of TENANTS) await deps.enrollment!.enroll({ tenant, profile: PROFILE, images: images.map((bytes, i) => ({ name: `n${i}.png`, bytes })), pixelSizeUm: 0.1 });
  const service: RunningService = await start(deps, { ...testOptions(home, { inbox: null }), apiKeys: 'required', defaultProfile: PROFILE });
  // A second connection to the service's store, as `mmdo tenant`/an operator would use.
  const store = new SqliteApiStore(join(home, 'service', 'queue.sqlite'));
  const keys = await adminKeys(store);
  return {
    name: 'local', keys, credentials: store, usage: store,
    call: (method, path, init = {}) =>
      fetch(`${service.url}${path}`, {
        method,
        headers: { ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), ...init.headers },
        ...(init.body !== undefined ? { body: init.body } : {}),
      }),
    async watchProfileEvents(tenant) {
      const receiver = await Receiver.start();
      const res = await fetch(`${service.url}/v1/webhooks`, {
        method: 'POST', headers: { authorization: `Bearer ${keys[tenant]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, events: ['profile.updated'] }),
      });
      const { id, secret } = (await res.json()) as { id: string; secret: string };
      receiver.secret = secret;
      return {
        events: () => receiver.received.filter((r) => r.verified).map((r) => (JSON.parse(r.body) as { data: Omit<ProfileEvent, 'occurredAt'> }).data),
        async stop() {
          await fetch(`${service.url}/v1/webhooks/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${keys[tenant]}` } });
          await receiver.close();
        },
      };
    },
    async settle() {
      // Everything queued ends (completed or failed): the worker is idle with nothing queued.
      for (let i = 0; i < 1200; i++) {
        const counts = service.queue.counts();
        if (counts.queued === 0 && counts.running === 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the queue did not drain');
    },
    async close() {
      store.close();
      await service.stop();
      await deps.close();
      cleanup();
    },
  };
}

const API_TABLE = 'mmdo-api';
const USAGE_TABLE = 'mmdo-usage';
const WEBHOOKS_TABLE = 'mmdo-webhooks';
const ROUTES = routeTable().map((r) => ({ ...r, pattern: new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));

export async function startCloudApi(): Promise<ApiRuntime> {
  const fixture: CloudFixture = await startCloudFixture({ tenant: TENANTS[0], profile: PROFILE, normals: await normals(), pixelSizeUm: 0.1 });
  // The second tenant gets the same profile, published under its own prefix and registry rows.
  await publishProfile(fixture.local.profiles, fixture.deps.profiles as S3ProfileStore, () => fixture.embeddings, { from: { tenant: TENANTS[0], name: PROFILE }, tenant: TENANTS[1] });
  for (const table of [apiTableDefinition(API_TABLE), usageTableDefinition(USAGE_TABLE), webhooksTableDefinition(WEBHOOKS_TABLE)]) {
    await fixture.dynamo.client.send(new CreateTableCommand(table));
  }
  const store = new DynamoDbApiStore(fixture.dynamo.client, API_TABLE);
  const usage = new DynamoDbUsageLedger(fixture.dynamo.client, USAGE_TABLE);
  // What the API and the profile-jobs function put on the event bus (EventBridge has no stand-in here).
  const published: ProfileEvent[] = [];
  const bus = { publish: async (event: ProfileEvent) => void published.push(event) };
  // The profile-jobs function as deployed (SQS-triggered), features from the model container as the SageMaker endpoint.
  const backbone = await SageMakerBackbone.create(new SageMakerEndpoint(createSageMakerClient({ region: 'us-east-1', endpoint: fixture.modelUrl }), 'mmdo-embed-local'));
  const jobDeps = cloudProfileJobDeps(fixture.deps, fixture.dynamo.client, { api: API_TABLE, usage: USAGE_TABLE, reports: 'mmdo-reports' }, { backbone, events: bus });
  const jobHandler = createProfileJobHandler(async () => jobDeps, { exitAfterDeadline: false });
  const runningJobs: Promise<unknown>[] = [];
  const backend = cloudApiBackend(fixture.deps, { s3: fixture.s3.client, dynamo: fixture.dynamo.client }, {
    uploadBucket: UPLOADS, artifactBucket: ARTIFACTS, reportsTable: 'mmdo-reports', profilesTable: 'mmdo-profiles',
    apiTable: API_TABLE, usageTable: USAGE_TABLE, webhooksTable: WEBHOOKS_TABLE,
    limits: { maxImageBytes: 4 * 1024 * 1024, maxUploadBytes: 200 * 1024 * 1024, maxPixels: 64 * 1024 * 1024, detectMaxPixels: 4 * 1024 * 1024, enrolment: CLOUD_ENROLMENT_LIMITS },
    linkSeconds: 900,
  }, {
    profileEvents: bus,
    // SQS would deliver the message to the profile-jobs function: it runs beside the API, as a separate Lambda would.
    startProfileJob: async (tenant, id) => {
      const event = { Records: [{ messageId: randomUUID(), body: JSON.stringify({ tenant, id }) }] };
      runningJobs.push(jobHandler(event as never, { getRemainingTimeInMillis: () => 900_000, functionName: 'profile-jobs', awsRequestId: randomUUID() } as never));
    },
  });
  const api = createApiHandler(() => backend);
  // The report step as deployed with MMDO_USAGE_TABLE set: completed reports are billed where they are written.
  const { createReportHandler } = await import('../../lambdas/handlers/report.js');
  const handlers = { ...fixture.handlers, report: createReportHandler(() => ({ ...fixture.deps, reports: new MeteredReportStore(fixture.deps.reports, usage) })) };
  const authorizer = createAuthorizer(() => ({ credentials: store, usageKey: async () => undefined }));
  const keys = await adminKeys(store);
  const pendingEvents = new Map<string, Record<string, unknown>>();
  // S3 would send an event per upload; the test runs the workflow for each one that the API put.
  fixture.s3.server.on('event', (notification: { Records: { s3: { bucket: { name: string }; object: { key: string; eTag: string; size: number } } }[] }) => {
    for (const r of notification.Records) {
      const key = decodeURIComponent(r.s3.object.key.replace(/\+/g, ' '));
      // What the stack's EventBridge rule matches: images created in the upload bucket.
      if (r.s3.bucket.name === UPLOADS && /\.(png|jpe?g|tiff?)$/i.test(key)) pendingEvents.set(key, r.s3.object);
    }
  });
  return {
    name: 'cloud', keys, credentials: store, usage,
    async call(method, path, init = {}) {
      const url = new URL(path, 'https://api.example.com');
      const headers: Record<string, string> = { host: 'api.example.com', ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), ...init.headers };
      const route = ROUTES.find((r) => r.pattern.test(url.pathname));
      let authorizerContext: Record<string, unknown> | undefined;
      if (route && !route.public) {
        try {
          const result = await authorizer({
            type: 'REQUEST', methodArn: `arn:aws:execute-api:us-east-1:123456789012:testapi/api/${method}${url.pathname}`, resource: route.path, path: url.pathname,
            httpMethod: method, headers, multiValueHeaders: {}, pathParameters: null, queryStringParameters: null, multiValueQueryStringParameters: null, stageVariables: null,
            requestContext: {} as never,
          });
          authorizerContext = result.context as Record<string, unknown>;
        } catch {
          // API Gateway's UNAUTHORIZED gateway response (lib/constructs/partner-api.ts), as problem+json.
          return new Response(JSON.stringify({ type: 'urn:mmdo:problem:unauthorized', title: 'Unauthorized', status: 401, code: 'unauthorized', detail: 'A valid API key is required.', instance: url.pathname }), {
            status: 401, headers: { 'content-type': 'application/problem+json' },
          });
        }
      }
      const body = init.body === undefined ? null : Buffer.from(typeof init.body === 'string' ? new TextEncoder().encode(init.body) : init.body).toString('base64');
      const query = Object.fromEntries(url.searchParams);
      const event = {
        resource: route?.path ?? '/{proxy+}', path: url.pathname, httpMethod: method, headers,
        multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        queryStringParameters: Object.keys(query).length ? query : null,
        multiValueQueryStringParameters: Object.keys(query).length ? Object.fromEntries([...url.searchParams.keys()].map((k) => [k, url.searchParams.getAll(k)])) : null,
        pathParameters: null, stageVariables: null, body, isBase64Encoded: body !== null,
        requestContext: {
          accountId: '123456789012', apiId: 'testapi', stage: 'api', requestId: randomUUID(), httpMethod: method, path: `/api${url.pathname}`,
          resourcePath: route?.path ?? '/{proxy+}', identity: { sourceIp: '127.0.0.1' }, ...(authorizerContext ? { authorizer: authorizerContext } : {}),
        },
      };
      const result = (await api(event, { awsRequestId: randomUUID() })) as APIGatewayProxyResult;
      const bytes = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
      const responseHeaders = new Headers();
      for (const [k, v] of Object.entries(result.headers ?? {})) responseHeaders.set(k, String(v));
      for (const [k, vs] of Object.entries(result.multiValueHeaders ?? {})) for (const v of vs) responseHeaders.append(k, String(v));
      return new Response([204, 302, 304].includes(result.statusCode) || bytes.length === 0 ? null : bytes, { status: result.statusCode, headers: responseHeaders });
    },
    async watchProfileEvents(tenant) {
      const from = published.length;
      let until: number | undefined;
      return {
        events: () => published.slice(from, until).filter((e) => e.tenant === tenant).map(({ occurredAt: _at, ...event }) => event),
        stop: async () => void (until = published.length),
      };
    },
    async settle(tenant, id) {
      await Promise.all(runningJobs.splice(0));
      for (const [key, object] of pendingEvents) {
        pendingEvents.delete(key);
        const event = {
          version: '0', id: randomUUID(), 'detail-type': 'Object Created', source: 'aws.s3', account: '123456789012', time: new Date().toISOString(),
          region: 'us-east-1', resources: [`arn:aws:s3:::${UPLOADS}`],
          detail: { version: '0', bucket: { name: UPLOADS }, object: { key, size: object.size, etag: object.eTag }, 'request-id': randomUUID(), requester: '123456789012', reason: 'PutObject' },
        };
        await fixture.run(event, handlers);
      }
      // Ids of queued uploads are report ids; slot ids resolve through the API (checked by the caller).
      if (id && !id.startsWith('upl_') && !(await fixture.reports.get(tenant, id))) throw new Error(`inspection ${id} did not settle`);
    },
    close: () => fixture.close(),
  };
}

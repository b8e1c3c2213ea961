import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { createHash, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { IngestError, MmdoError, NotFoundError, ValidationError } from '../domain/errors.js';
import { normaliseSheet } from '../domain/metadata/sheet.js';
import type { Report } from '../domain/report/report.js';
import { checkImageHeader } from '../local/image-header.js';
import { createTenant, issueKey, publicKeyView, requireScope } from '../application/tenancy/api-keys.js';
import { summarise, usageCsv } from '../application/metering/usage.js';
import type { Instrument, Principal, StoredResponse, UploadSlot } from '../ports/partner-api.js';
import type { ProfileJob, ProfileJobKind } from '../ports/profile-jobs.js';
import { enrolmentStagingKey, newProfileJobId } from '../application/profile-jobs.js';
import { enrolledImagesPage } from '../application/enrolled-images.js';
import { calibrationFigures } from '../application/calibration-figures.js';
import type { FeedbackRecord } from '../domain/feedback/feedback.js';
import type { ApiBackend, ArtifactKind, CheckedUpload, InspectionView } from './backend.js';
import { ClientAbortedError, discardBody, readBodyWithLimit, tooLarge } from './body.js';
import { PROBLEM_CONTENT_TYPE, problem, problemFromError, type Problem } from './problem.js';
import { ROUTES, type ApiRoute, type RouteName } from './routes.js';
import {
  ActivateSchema, InstrumentCreateSchema, KeyCreateSchema, ListQuerySchema, RotateSchema, UploadOptionsSchema, UploadRequestSchema, UsageQuerySchema, WebhookCreateSchema,
  EnrolmentRequestSchema, FeedbackRequestSchema, ProfileCreateSchema, RecalibrationRequestSchema, ReviewQueueQuerySchema, EnrolledImagesQuerySchema,
} from './schemas.js';
import { apiUploadKey, instrumentKeyPrefix } from '../application/pipeline/upload-key.js';
import { crossSiteGuard, escapeForLog, hostAllowList, type BrowserPolicy } from './security.js';

export type ApiEnv = { Variables: { principal: Principal; rawBody: Uint8Array } };
type C = Context<ApiEnv>;

export interface ApiAppOptions {
  readonly backend: ApiBackend;
  /** The caller's principal from its credential; throws UnauthorizedError (401) when there is none. */
  readonly authenticate: (c: Context) => Promise<Principal>;
  readonly browser: BrowserPolicy;
  /** Profile used when a request names none. */
  readonly defaultProfile?: string;
  readonly log: (line: string) => void;
}

export const API_TITLE = 'MM-DO partner API';
export const API_VERSION = '1.0.0';

/** Room for the multipart envelope and form fields around an image of the maximum size. */
const MULTIPART_OVERHEAD = 1024 * 1024;
const RAW_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/tiff', 'application/octet-stream']);
const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** How long an upload slot's presigned POST stays valid. */
const UPLOAD_SLOT_MS = 15 * 60_000;
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The one HTTP application of MM-DO, served by the local service (node) and by the API Lambda behind API Gateway:
 * the routes of ./routes.ts with their zod schemas, authentication and scopes (the tenant is the credential's),
 * per-route body limits, Idempotency-Key on POSTs, 405 with Allow, problem+json everywhere.
 */
export function createApiApp(options: ApiAppOptions): OpenAPIHono<ApiEnv> {
  const { backend, log } = options;
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      // A malformed path parameter names nothing that exists.
      if ((result as { target?: string }).target === 'param') throw new NotFoundError('resource', c.req.path);
      throw validationError(result.error, (result as { target?: string }).target ?? 'request');
    },
  });
  registerSecurity(app);

  app.use('*', hostAllowList(options.browser));
  if (options.browser.corsOrigins.length > 0) {
    app.use('*', cors({ origin: [...options.browser.corsOrigins], allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'], exposeHeaders: ['Location', 'Retry-After'], maxAge: 600 }));
  }
  app.use('*', crossSiteGuard(options.browser));

  const handlers: Record<RouteName, (c: C) => Promise<Response>> = {
    health: async (c) => c.json({ status: 'ok', runtime: backend.runtime, ...(await backend.health()) }),
    openapi: async (c) => c.json(openApiDocument()),
    detect: async (c) => {
      const principal = c.get('principal');
      const body = await readImageBody(c);
      return idempotent(c, principal, fingerprintOf(c, body), async () => {
        const upload = await checkUpload(c, body, principal.tenant);
        if (upload.width * upload.height > backend.limits.detectMaxPixels) return accepted(c, await backend.submit(principal.tenant, upload));
        const report = await backend.detect(principal.tenant, upload);
        log(`detect ${report.id}: ${report.status}${report.scores ? `, ${report.scores.verdict} ${report.scores.score.toFixed(3)}` : ''}`);
        return c.json(await withLinks(report), 200);
      });
    },
    submit: async (c) => {
      const principal = c.get('principal');
      const body = await readImageBody(c);
      return idempotent(c, principal, fingerprintOf(c, body), async () => accepted(c, await backend.submit(principal.tenant, await checkUpload(c, body, principal.tenant))));
    },
    createUpload: async (c) => {
      const principal = c.get('principal');
      const input = valid<z.infer<typeof UploadRequestSchema>>(c, 'json');
      return idempotent(c, principal, fingerprintOf(c, c.get('rawBody')), async () => {
        if (input.bytes > backend.limits.maxUploadBytes) throw tooLarge(backend.limits.maxUploadBytes, input.bytes);
        if (input.metadata) normaliseSheet(input.metadata);
        const profile = await resolveProfile(principal.tenant, input.profile ?? options.defaultProfile, input.profileVersion);
        const id = `upl_${randomBytes(16).toString('hex')}`;
        const now = Date.now();
        const slot: UploadSlot = {
          id, tenant: principal.tenant, name: input.name, profile: profile.name, contentType: input.contentType, bytes: input.bytes,
          key: apiUploadKey(principal.tenant, profile.name, profile.version, id, input.name),
          createdAt: new Date(now).toISOString(), expiresAt: new Date(now + UPLOAD_SLOT_MS).toISOString(),
          ...(profile.version !== undefined ? { profileVersion: profile.version } : {}),
          ...(input.pixelSizeUm !== undefined ? { pixelSizeUm: input.pixelSizeUm } : {}),
          ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
        };
        await backend.uploads.putSlot(slot);
        const upload = await backend.presignSlot(slot);
        return c.json({ id, status: 'awaiting_upload', upload, links: { self: selfLink(id) } }, 201, { Location: selfLink(id), 'Cache-Control': 'no-store' });
      });
    },
    listInspections: async (c) => {
      const query = valid<z.infer<typeof ListQuerySchema>>(c, 'query');
      const page = await backend.list(c.get('principal').tenant, query);
      return c.json({ items: await Promise.all(page.items.map(withLinks)), next: page.cursor ?? null });
    },
    getInspection: async (c) => {
      const view = await findInspection(c);
      if (view.kind === 'report') return c.json(await withLinks(view.report));
      const { kind: _kind, ...pending } = view;
      return c.json({ ...pending, links: { self: selfLink(view.id) } }, 200, { 'Retry-After': '1' });
    },
    getArtifact: async (c) => {
      const view = await findInspection(c);
      const kind = c.req.param('artifact')!.replace(/\.png$/, '') as ArtifactKind;
      const id = c.req.param('id')!;
      if (view.kind === 'pending') {
        return problemResponse(c, problem(409, 'inspection_pending', `Inspection '${id}' is ${view.status}; its ${kind} is not ready yet.`, c.req.path), { 'Retry-After': '1' });
      }
      const artifact = await backend.artifact(view.report, kind);
      if (!artifact) {
        const why = view.report.status === 'failed' ? `the inspection failed (${view.report.failure?.code}: ${view.report.failure?.message})` : `the report has no ${kind}`;
        throw new MmdoError('artifact_not_available', `No ${kind} for inspection '${id}': ${why}.`, 404, { id, kind });
      }
      return imageResponse(c, artifact, 3600);
    },
    listProfiles: async (c) => c.json({ defaultProfile: options.defaultProfile ?? null, items: await profilesOf(c.get('principal').tenant) }),
    getProfile: async (c) => c.json(await profileNamed(c.get('principal').tenant, c.req.param('name')!)),
    listProfileVersions: async (c) => {
      const profile = await profileNamed(c.get('principal').tenant, c.req.param('name')!);
      return c.json({ activeVersion: profile.activeVersion, items: profile.versions.map((v) => ({ ...v, active: v.version === profile.activeVersion })) });
    },
    listEnrolledImages: async (c) => {
      const { tenant, name, version } = await profileVersion(c);
      const page = enrolledImagesPage((await backend.describeVersion(tenant, name, version)).sources ?? [], valid<z.infer<typeof EnrolledImagesQuerySchema>>(c, 'query'));
      const images = `/v1/profiles/${encodeURIComponent(name)}/versions/${version}/images`;
      return c.json({ items: page.items.map((s) => ({ ...s, links: { thumbnail: `${images}/${s.sha256}/thumbnail.png` } })), next: page.next });
    },
    getEnrolledThumbnail: async (c) => {
      const { tenant, name, version } = await profileVersion(c);
      const sha256 = c.req.param('sha256')!;
      if (!((await backend.describeVersion(tenant, name, version)).sources ?? []).some((s) => s.sha256 === sha256)) throw new NotFoundError(`image of profile '${name}' v${version}`, sha256);
      const thumbnail = await backend.enrolledThumbnail(tenant, name, sha256);
      if (!thumbnail) {
        throw new MmdoError('artifact_not_available', `No thumbnail of image ${sha256} of profile '${name}': it was enrolled before thumbnails were kept (the next enrolment into the profile writes them).`, 404, { profile: name, version, sha256 });
      }
      // Named by content hash: the thumbnail never changes.
      return imageResponse(c, thumbnail, 86_400);
    },
    getCalibrationFigures: async (c) => {
      const { tenant, name, version } = await profileVersion(c);
      return c.json(await calibrationFigures({ describe: (t, p, v) => backend.describeVersion(t, p, v), labelled: (t, p) => backend.feedback.labelled(t, p) }, tenant, name, version));
    },
    activateProfileVersion: async (c) => {
      const tenant = c.get('principal').tenant;
      const name = c.req.param('name')!;
      const { version } = valid<z.infer<typeof ActivateSchema>>(c, 'json');
      const profile = (await backend.listProfiles(tenant)).find((p) => p.name === name);
      if (!profile) throw new NotFoundError('profile', name);
      if (!profile.versions.some((v) => v.version === version)) throw new MmdoError('profile_not_found', `Profile '${name}' has no version ${version}.`, 404, { profile: name, version });
      await backend.profileControls.activate(tenant, name, version);
      log(`profile ${escapeForLog(name)} of tenant ${tenant}: version ${version} active`);
      await backend.profileEvents.publish({
        eventId: `evt_${randomBytes(12).toString('hex')}`, tenant, profile: name, action: 'version_activated', version, activeVersion: version, source: 'api', occurredAt: new Date().toISOString(),
      });
      return c.json(await profileNamed(tenant, name));
    },
    deleteProfile: async (c) => {
      const tenant = c.get('principal').tenant;
      const name = c.req.param('name')!;
      await profileNamed(tenant, name);
      const at = new Date().toISOString();
      await backend.profileControls.markDeleted(tenant, name, at);
      await backend.profileEvents.publish({
        eventId: `evt_${randomBytes(12).toString('hex')}`, tenant, profile: name, action: 'deleted', version: null, activeVersion: null, source: 'api', occurredAt: at,
      });
      return c.body(null, 204);
    },
    createProfile: async (c) => {
      const principal = c.get('principal');
      const input = valid<z.infer<typeof ProfileCreateSchema>>(c, 'json');
      return idempotent(c, principal, fingerprintOf(c, c.get('rawBody')), async () => {
        const { name, ...request } = input;
        if ((await backend.listProfiles(principal.tenant)).some((p) => p.name === name)) {
          const deleted = (await backend.profileControls.getControl(principal.tenant, name))?.deletedAt;
          throw new MmdoError('profile_exists', deleted
            ? `Profile '${name}' was deleted; its versions remain: activate one (PUT /v1/profiles/${name}/active-version) to restore it, or choose another name.`
            : `Profile '${name}' exists: enrol more images with POST /v1/profiles/${name}/enrolments.`, 409, { profile: name });
        }
        return createEnrolment(c, principal.tenant, name, request, true);
      });
    },
    createEnrolment: async (c) => {
      const principal = c.get('principal');
      const name = c.req.param('name')!;
      const input = valid<z.infer<typeof EnrolmentRequestSchema>>(c, 'json');
      return idempotent(c, principal, fingerprintOf(c, c.get('rawBody')), async () => {
        await profileNamed(principal.tenant, name);
        return createEnrolment(c, principal.tenant, name, input, false);
      });
    },
    getEnrolment: async (c) => profileJobResponse(c, await findProfileJob(c, 'enrolment')),
    startEnrolment: async (c) => {
      const principal = c.get('principal');
      return idempotent(c, principal, fingerprintOf(c, new Uint8Array(0)), async () => {
        const job = await findProfileJob(c, 'enrolment');
        if (job.status !== 'awaiting_upload') {
          throw new MmdoError('enrolment_not_awaiting_upload', `Enrolment '${job.id}' is ${job.status}: it was started already.`, 409, { status: job.status });
        }
        const uploaded = await backend.uploadedEnrolmentImages(job);
        const missing = (job.images ?? []).filter((i) => !uploaded.has(i.index)).map((i) => ({ index: i.index, name: i.name }));
        if (missing.length > 0) {
          throw new MmdoError('enrolment_incomplete', `${missing.length} of ${job.images!.length} image(s) are not uploaded (with their declared size) yet: ${missing.slice(0, 5).map((m) => `${m.index} '${m.name}'`).join(', ')}${missing.length > 5 ? ', ...' : ''}.`, 409, { missing });
        }
        if (!(await backend.profileJobs.queue(principal.tenant, job.id, new Date().toISOString()))) {
          throw new MmdoError('enrolment_not_awaiting_upload', `Enrolment '${job.id}' was started already.`, 409);
        }
        await backend.runProfileJob(principal.tenant, job.id);
        log(`enrolment ${job.id} of ${principal.tenant}/${escapeForLog(job.profile)} queued (${job.images!.length} image(s))`);
        return profileJobResponse(c, (await backend.profileJobs.get(principal.tenant, job.id))!, 202);
      });
    },
    listLabels: async (c) => {
      const tenant = c.get('principal').tenant;
      const name = c.req.param('name')!;
      await profileNamed(tenant, name);
      const items = (await backend.feedback.labelled(tenant, name)).map((l) => ({
        reportId: l.report.id, name: l.report.input.name, createdAt: l.report.createdAt, profile: l.report.profile, label: l.label, anomalous: l.anomalous,
        source: l.source, reviewers: l.reviewers, at: l.at, verdict: l.report.scores?.verdict ?? null, score: l.report.scores?.score ?? null,
        links: { self: selfLink(l.report.id), feedback: `${selfLink(l.report.id)}/feedback` },
      }));
      return c.json({ items });
    },
    createRecalibration: async (c) => {
      const principal = c.get('principal');
      const name = c.req.param('name')!;
      const input = RecalibrationRequestSchema.parse(valid<z.input<typeof RecalibrationRequestSchema> | undefined>(c, 'json') ?? {});
      return idempotent(c, principal, fingerprintOf(c, c.get('rawBody')), async () => {
        await profileNamed(principal.tenant, name);
        const now = new Date().toISOString();
        const id = newProfileJobId('recalibration');
        await backend.profileJobs.create({
          id, tenant: principal.tenant, kind: 'recalibration', profile: name, status: 'queued', createdAt: now,
          recalibration: { reviewer: input.reviewer ?? defaultReviewer(principal), dryRun: input.dryRun, enrolNormals: input.enrolNormals },
        });
        await backend.runProfileJob(principal.tenant, id);
        log(`recalibration ${id} of ${principal.tenant}/${escapeForLog(name)} queued${input.dryRun ? ' (dry run)' : ''}`);
        return profileJobResponse(c, (await backend.profileJobs.get(principal.tenant, id))!, 202);
      });
    },
    getRecalibration: async (c) => profileJobResponse(c, await findProfileJob(c, 'recalibration')),
    reviewQueue: async (c) => {
      const query = valid<z.infer<typeof ReviewQueueQuerySchema>>(c, 'query');
      const queue = await backend.feedback.queue(c.get('principal').tenant, { limit: query.limit, ...(query.profile ? { profile: query.profile } : {}) });
      return c.json({ ...queue, items: queue.items.map((item) => ({ ...item, links: { self: selfLink(item.reportId), feedback: `${selfLink(item.reportId)}/feedback` } })) });
    },
    listFeedback: async (c) => {
      const items = await backend.feedback.ofReport(c.get('principal').tenant, c.req.param('id')!);
      return c.json({ items: items.map(feedbackView) });
    },
    recordFeedback: async (c) => {
      const principal = c.get('principal');
      const input = valid<z.infer<typeof FeedbackRequestSchema>>(c, 'json');
      return idempotent(c, principal, fingerprintOf(c, c.get('rawBody')), async () => {
        const recorded = await backend.feedback.record(principal.tenant, c.req.param('id')!, { ...input, reviewer: input.reviewer ?? defaultReviewer(principal) });
        return c.json({ feedback: feedbackView(recorded.feedback), outcome: recorded.outcome }, recorded.outcome === 'created' ? 201 : 200);
      });
    },
    createWebhook: async (c) => {
      const principal = c.get('principal');
      const input = valid<z.infer<typeof WebhookCreateSchema>>(c, 'json');
      return idempotent(c, principal, fingerprintOf(c, c.get('rawBody')), async () => {
        await backend.webhooks.checkTarget(input.url);
        const { subscription, secret } = await backend.webhooks.create(principal.tenant, input);
        return c.json({ ...subscription, secret }, 201, { Location: `/v1/webhooks/${subscription.id}`, 'Cache-Control': 'no-store' });
      });
    },
    listWebhooks: async (c) => c.json({ items: await backend.webhooks.list(c.get('principal').tenant) }),
    getWebhook: async (c) => {
      const id = c.req.param('id')!;
      const subscription = await backend.webhooks.get(c.get('principal').tenant, id);
      if (!subscription) throw new NotFoundError('webhook subscription', id);
      return c.json(subscription);
    },
    deleteWebhook: async (c) => {
      const id = c.req.param('id')!;
      if (!(await backend.webhooks.delete(c.get('principal').tenant, id))) throw new NotFoundError('webhook subscription', id);
      return c.body(null, 204);
    },
    rotateWebhookSecret: async (c) => {
      const principal = c.get('principal');
      const id = c.req.param('id')!;
      const input = valid<z.infer<typeof RotateSchema>>(c, 'json');
      return idempotent(c, principal, fingerprintOf(c, c.get('rawBody')), async () => {
        const rotated = await backend.webhooks.rotate(principal.tenant, id, (input.overlapSeconds ?? 86_400) * 1000);
        if (!rotated) throw new NotFoundError('webhook subscription', id);
        return c.json({ ...rotated.subscription, secret: rotated.secret, previousSecretExpiresAt: rotated.previousSecretExpiresAt }, 200, { 'Cache-Control': 'no-store' });
      });
    },
    webhookDeliveries: async (c) => {
      const id = c.req.param('id')!;
      const items = await backend.webhooks.deliveries(c.get('principal').tenant, id);
      if (!items) throw new NotFoundError('webhook subscription', id);
      return c.json({ items });
    },
    usage: async (c) => {
      const query = valid<z.infer<typeof UsageQuerySchema>>(c, 'query');
      const now = new Date();
      const from = query.from ? new Date(query.from).toISOString() : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
      const to = query.to ? new Date(query.to).toISOString() : now.toISOString();
      if (from >= to) throw new ValidationError("'from' must be before 'to'", { from, to });
      const records = await backend.usage.list(c.get('principal').tenant, { from, to });
      if (query.format === 'csv') {
        return c.body(usageCsv(records), 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="usage-${from.slice(0, 10)}-${to.slice(0, 10)}.csv"` });
      }
      return c.json(summarise(records, from, to));
    },
    createInstrument: async (c) => {
      const principal = c.get('principal');
      const input = valid<z.infer<typeof InstrumentCreateSchema>>(c, 'json');
      return idempotent(c, principal, fingerprintOf(c, c.get('rawBody')), async () => {
        const profile = await resolveProfile(principal.tenant, input.profile, input.profileVersion);
        const id = `ins_${randomBytes(12).toString('hex')}`;
        // Pinned only when asked: otherwise its images are inspected with the profile's latest version.
        const version = input.profileVersion;
        const instrument: Instrument = {
          id, tenant: principal.tenant, name: input.name, profile: profile.name, keyPrefix: instrumentKeyPrefix(principal.tenant, profile.name, version, id),
          createdAt: new Date().toISOString(), ...(version !== undefined ? { profileVersion: version } : {}),
        };
        await backend.uploads.putInstrument(instrument);
        const credentials = await backend.presignInstrument(instrument);
        log(`instrument ${id} registered for tenant ${principal.tenant}`);
        return c.json({ ...instrumentView(instrument), credentials }, 201, { Location: `/v1/instruments/${id}`, 'Cache-Control': 'no-store' });
      });
    },
    listInstruments: async (c) => c.json({ items: (await backend.uploads.listInstruments(c.get('principal').tenant)).map(instrumentView) }),
    renewInstrumentCredentials: async (c) => {
      const id = c.req.param('id')!;
      const instrument = await backend.uploads.getInstrument(c.get('principal').tenant, id);
      if (!instrument) throw new NotFoundError('instrument', id);
      if (instrument.revokedAt) throw new MmdoError('instrument_revoked', `Instrument '${id}' was revoked at ${instrument.revokedAt}.`, 409);
      return c.json({ credentials: await backend.presignInstrument(instrument) }, 200, { 'Cache-Control': 'no-store' });
    },
    revokeInstrument: async (c) => {
      const id = c.req.param('id')!;
      if (!(await backend.uploads.revokeInstrument(c.get('principal').tenant, id, new Date().toISOString()))) throw new NotFoundError('instrument', id);
      return c.body(null, 204);
    },
    createKey: async (c) => {
      const principal = c.get('principal');
      const input = valid<z.infer<typeof KeyCreateSchema>>(c, 'json');
      return idempotent(c, principal, fingerprintOf(c, c.get('rawBody')), async () => {
        await createTenant(backend.credentials, principal.tenant);
        const { key, record } = await issueKey(backend.credentials, principal.tenant, input.scopes, input.name);
        log(`key ${record.id} issued for tenant ${principal.tenant} (${record.scopes.join(',')})`);
        return c.json({ ...publicKeyView(record), key }, 201, { Location: `/v1/keys/${record.id}`, 'Cache-Control': 'no-store' });
      });
    },
    listKeys: async (c) => c.json({ items: (await backend.credentials.listKeys(c.get('principal').tenant)).map(publicKeyView) }),
    revokeKey: async (c) => {
      const id = c.req.param('id')!;
      if (!(await backend.credentials.revokeKey(c.get('principal').tenant, id, new Date().toISOString()))) throw new NotFoundError('API key', id);
      return c.body(null, 204);
    },
  };

  for (const [name, route] of Object.entries(ROUTES) as [RouteName, ApiRoute][]) {
    const middleware: MiddlewareHandler<ApiEnv>[] = [authenticateFor(route)];
    if (typeof route.body === 'number' && route.body > 0) middleware.push(jsonBody(route.body));
    app.openapi({ ...route.config, middleware } as RouteConfig, handlers[name] as never);
  }

  const known = knownRoutes();
  app.notFound((c) => {
    const allowed = known.filter((r) => r.pattern.test(c.req.path)).map((r) => r.method);
    if (allowed.length > 0) {
      const methods = new Set([...allowed, ...(allowed.includes('GET') ? ['HEAD'] : []), 'OPTIONS']);
      const allow = METHOD_ORDER.filter((m) => methods.has(m)).join(', ');
      if (c.req.method === 'OPTIONS') return c.body(null, 204, { Allow: allow });
      discardBody(c.req.raw);
      return problemResponse(c, problem(405, 'method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow}.`, c.req.path), { Allow: allow });
    }
    return problemResponse(c, problem(404, 'route_not_found', `No route for ${c.req.method} ${c.req.path}.`, c.req.path));
  });

  app.onError((error, c) => {
    const body = error instanceof HTTPException && error.res === undefined ? httpProblem(error, c.req.path) : problemFromError(error, c.req.path);
    if (error instanceof ClientAbortedError) log(`${c.req.method} ${escapeForLog(c.req.path)}: the client closed the connection before its body arrived`);
    else if (body.status >= 500) log(`error on ${c.req.method} ${escapeForLog(c.req.path)}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    discardBody(c.req.raw);
    return problemResponse(c, body);
  });

  return app;

  /** The tenant's profiles as the API shows them: deleted ones hidden, each with the version used by default. */
  async function profilesOf(tenant: string) {
    const [profiles, controls] = await Promise.all([backend.listProfiles(tenant), backend.profileControls.listControls(tenant)]);
    const control = new Map(controls.map((c) => [c.name, c]));
    return profiles
      .filter((p) => !control.get(p.name)?.deletedAt)
      .map((p) => ({ ...p, activeVersion: control.get(p.name)?.activeVersion ?? p.latestVersion }));
  }

  async function profileNamed(tenant: string, name: string) {
    const profile = (await profilesOf(tenant)).find((p) => p.name === name);
    if (!profile) throw new NotFoundError('profile', name);
    return profile;
  }

  /** The profile and version a request's path names; 404 when either does not exist (or the profile was deleted). */
  async function profileVersion(c: C): Promise<{ tenant: string; name: string; version: number }> {
    const tenant = c.get('principal').tenant;
    const name = c.req.param('name')!;
    const version = Number(c.req.param('version'));
    const profile = await profileNamed(tenant, name);
    if (!profile.versions.some((v) => v.version === version)) throw new MmdoError('profile_not_found', `Profile '${name}' has no version ${version}.`, 404, { profile: name, version });
    return { tenant, name, version };
  }

  /** A stored PNG: its bytes (local) or a redirect to a short-lived link (cloud). */
  function imageResponse(c: C, image: { bytes: Uint8Array; contentType: string } | { url: string }, maxAgeSeconds: number): Response {
    if ('url' in image) return c.redirect(image.url, 302);
    return c.body(image.bytes as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': image.contentType, 'Cache-Control': `private, max-age=${maxAgeSeconds}` });
  }

  /** The profile and version an inspection uses: the named version, else the active one. */
  async function resolveProfile(tenant: string, name: string | undefined, version?: number): Promise<{ name: string; version: number }> {
    if (!name) throw new MmdoError('profile_not_found', 'Name a profile: `?profile=…` (GET /v1/profiles lists them).', 404);
    const profile = (await profilesOf(tenant)).find((p) => p.name === name);
    if (!profile) {
      throw new MmdoError('profile_not_found', `Profile '${name}' does not exist; GET /v1/profiles lists the enrolled ones.`, 404, { profile: name });
    }
    if (version !== undefined && !profile.versions.some((v) => v.version === version)) {
      throw new MmdoError('profile_not_found', `Profile '${name}' has no version ${version} (latest is ${profile.latestVersion}).`, 404, { profile: name, version });
    }
    return { name, version: version ?? profile.activeVersion };
  }

  /** A new enrolment job with its images' staging keys, awaiting their uploads (the answer carries an upload form each). */
  async function createEnrolment(c: C, tenant: string, profile: string, input: z.infer<typeof EnrolmentRequestSchema>, creates: boolean): Promise<Response> {
    const limits = backend.limits.enrolment;
    if (input.images.length > limits.maxImages) {
      throw new ValidationError(`An enrolment takes at most ${limits.maxImages} images here; got ${input.images.length}: enrol them in several jobs.`, { maxImages: limits.maxImages });
    }
    const names = new Set<string>();
    let total = 0;
    for (const [index, image] of input.images.entries()) {
      if (names.has(image.name)) throw new ValidationError(`Image names must be unique in an enrolment: '${image.name}' is given twice.`, { index });
      names.add(image.name);
      if (image.bytes > limits.maxImageBytes) throw new IngestError('input_too_large', `Image ${index} ('${image.name}') declares ${image.bytes} bytes, more than the ${limits.maxImageBytes} an enrolment image may have here.`, { index, maxBytes: limits.maxImageBytes });
      total += image.bytes;
    }
    if (total > limits.maxTotalBytes) throw new IngestError('input_too_large', `The images declare ${total} bytes in all, more than the ${limits.maxTotalBytes} one enrolment may hold here: enrol them in several jobs.`, { maxTotalBytes: limits.maxTotalBytes });
    const id = newProfileJobId('enrolment');
    const { images, ...options } = input;
    await backend.profileJobs.create({
      id, tenant, kind: 'enrolment', profile, status: 'awaiting_upload', createdAt: new Date().toISOString(), creates,
      images: images.map((image, index) => ({ index, ...image, key: enrolmentStagingKey(tenant, id, index) })),
      enrolment: options,
    });
    log(`enrolment ${id} of ${tenant}/${escapeForLog(profile)} created (${images.length} image(s), ${total} bytes)`);
    return profileJobResponse(c, (await backend.profileJobs.get(tenant, id))!, 201);
  }

  /** A job of this tenant, of the kind and profile the path names (anything else is 404). */
  async function findProfileJob(c: C, kind: ProfileJobKind): Promise<ProfileJob> {
    const tenant = c.get('principal').tenant;
    const id = c.req.param('id')!;
    let job = await backend.profileJobs.get(tenant, id);
    if (!job || job.kind !== kind || job.profile !== c.req.param('name')) throw new NotFoundError(kind, id);
    // A runner that vanished (the cloud function's time limit, memory) cannot record its end: the lease says it.
    const maxRunMs = backend.limits.enrolment.maxRunMs;
    if (job.status === 'running' && maxRunMs !== undefined && job.startedAt && Date.parse(job.startedAt) + maxRunMs < Date.now()) {
      await backend.profileJobs.finish(tenant, id, {
        status: 'failed', at: new Date().toISOString(),
        failure: { code: 'profile_job_interrupted', message: `The ${kind} did not finish within ${Math.round(maxRunMs / 60_000)} minutes (its function ran out of time or memory): enrol fewer or smaller images per job.` },
      });
      job = (await backend.profileJobs.get(tenant, id))!;
    }
    return job;
  }

  async function profileJobResponse(c: C, job: ProfileJob, status: 200 | 201 | 202 = 200): Promise<Response> {
    const profile = `/v1/profiles/${encodeURIComponent(job.profile)}`;
    const self = `${profile}/${job.kind === 'enrolment' ? 'enrolments' : 'recalibrations'}/${job.id}`;
    const awaiting = job.status === 'awaiting_upload';
    const uploaded = job.kind === 'enrolment' && awaiting ? await backend.uploadedEnrolmentImages(job) : undefined;
    const images = job.images?.map(({ key: _key, ...image }) => ({ ...image, uploaded: uploaded ? uploaded.has(image.index) : true }));
    const uploads = uploaded
      ? await Promise.all((job.images ?? []).filter((i) => !uploaded.has(i.index)).map(async (i) => ({ index: i.index, name: i.name, upload: await backend.presignEnrolmentImage(job, i) })))
      : undefined;
    const pending = job.status === 'queued' || job.status === 'running';
    const body = {
      id: job.id, kind: job.kind, profile: job.profile, status: job.status, stage: job.stage, progress: job.progress, createdAt: job.createdAt, updatedAt: job.updatedAt,
      ...(job.startedAt ? { startedAt: job.startedAt } : {}), ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
      ...(images ? { images } : {}), ...(uploads ? { uploads } : {}),
      options: job.enrolment ?? job.recalibration ?? {},
      versions: job.versions ?? [], result: job.result ?? null, failure: job.failure ?? null,
      links: { self, profile, ...(awaiting ? { start: `${self}/start` } : {}), ...(job.versions?.length ? { versions: `${profile}/versions` } : {}) },
    };
    return c.json(body, status, {
      ...(status === 201 || status === 202 ? { Location: self } : {}), ...(pending ? { 'Retry-After': '2' } : {}), ...(uploads ? { 'Cache-Control': 'no-store' } : {}),
    });
  }

  function authenticateFor(route: ApiRoute): MiddlewareHandler<ApiEnv> {
    return async (c, next) => {
      if (route.scope !== null) {
        const principal = await options.authenticate(c);
        requireScope(principal, route.scope);
        c.set('principal', principal);
      }
      await next();
    };
  }

  /** The raw image request body, within the image limit (+ the multipart envelope). */
  async function readImageBody(c: C): Promise<Uint8Array> {
    const contentType = mediaType(c);
    const multipart = contentType === 'multipart/form-data';
    if (!multipart && !RAW_IMAGE_TYPES.has(contentType)) {
      throw new MmdoError(
        'unsupported_media_type',
        `Content-Type '${contentType || '(none)'}' is not accepted: send the image as image/png, image/jpeg, image/tiff or application/octet-stream, or as multipart/form-data with an 'image' field.`,
        415,
      );
    }
    const limit = backend.limits.maxImageBytes + (multipart ? MULTIPART_OVERHEAD : 0);
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, declared);
    return readBodyWithLimit(c.req.raw.body, limit);
  }

  /** The door checks of an upload: form, sheet (exactly as the CLI validates it), image header and limits, profile. */
  async function checkUpload(c: C, body: Uint8Array, tenant: string): Promise<CheckedUpload> {
    const multipart = mediaType(c) === 'multipart/form-data';
    const query = valid<z.infer<typeof UploadOptionsSchema>>(c, 'query');
    const form = multipart ? await fromMultipart(body, c.req.header('content-type')!, query) : { content: body, options: query, metadata: undefined };
    // The sheet is validated here exactly as the CLI and the pipeline do, so a bad one is refused now, not reported later.
    if (form.metadata !== undefined) normaliseSheet(form.metadata);
    const header = await checkImageHeader(form.content, { maxBytes: backend.limits.maxImageBytes, maxPixels: backend.limits.maxPixels });
    const profile = await resolveProfile(tenant, form.options.profile ?? options.defaultProfile, form.options.profileVersion);
    const key = c.req.header('idempotency-key');
    return {
      content: form.content,
      name: form.options.name ?? `upload.${header.format === 'jpeg' ? 'jpg' : header.format}`,
      profile: profile.name,
      ...(profile.version !== undefined ? { profileVersion: profile.version } : {}),
      ...(form.options.pixelSizeUm !== undefined ? { pixelSizeUm: form.options.pixelSizeUm } : {}),
      ...(form.metadata !== undefined ? { metadata: form.metadata } : {}),
      width: header.width,
      height: header.height,
      ...(key ? { idempotencyKey: key } : {}),
    };
  }

  async function findInspection(c: C): Promise<InspectionView> {
    const id = c.req.param('id')!;
    const view = await backend.get(c.get('principal').tenant, id);
    if (!view) throw new NotFoundError('inspection', id);
    return view;
  }

  async function withLinks(report: Report) {
    return { ...report, links: { self: selfLink(report.id), ...(await backend.artifactLinks(report)) } };
  }

  function accepted(c: C, job: { id: string; status: string }): Response {
    const links = { self: selfLink(job.id), ...Object.fromEntries(['heatmap', 'overlay'].map((k) => [k, `${selfLink(job.id)}/${k}.png`])) };
    return c.json({ id: job.id, status: job.status, links }, 202, { Location: links.self });
  }

  /**
   * Idempotency-Key: the first request with a key runs and its answer (below 500) is kept for 24 h; the same key with
   * the same request replays it (`Idempotent-Replayed: true`), with another request it is 409. A 5xx frees the key.
   */
  async function idempotent(c: C, principal: Principal, fingerprint: string, run: () => Promise<Response>): Promise<Response> {
    const key = c.req.header('idempotency-key');
    if (key === undefined) return run();
    const store = backend.idempotency;
    const begun = await store.begin(principal.tenant, key, fingerprint, IDEMPOTENCY_TTL_SECONDS);
    if (begun.state === 'conflict') {
      throw new MmdoError('idempotency_key_reused', 'This Idempotency-Key was used with a different request; use a new key for a new request.', 409);
    }
    if (begun.state === 'in_progress') {
      return problemResponse(c, problem(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still running; retry shortly.', c.req.path), { 'Retry-After': '1' });
    }
    if (begun.state === 'replay') return replay(begun.response);
    let response: Response;
    try {
      response = await run();
    } catch (error) {
      const status = error instanceof MmdoError ? error.status : 500;
      if (status >= 500) await store.abandon(principal.tenant, key, fingerprint);
      else {
        const body = problemFromError(error, c.req.path);
        await store.complete(principal.tenant, key, fingerprint, { status: body.status, body: JSON.stringify(body), headers: { 'content-type': PROBLEM_CONTENT_TYPE } });
      }
      throw error;
    }
    if (response.status >= 500) {
      await store.abandon(principal.tenant, key, fingerprint);
      return response;
    }
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'location', 'retry-after', 'cache-control']) {
      const value = response.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    await store.complete(principal.tenant, key, fingerprint, { status: response.status, body: await response.clone().text(), headers });
    return response;
  }
}

/** Who a judgement or recalibration is recorded under when the request names nobody: the API key. */
function defaultReviewer(principal: Principal): string {
  return principal.keyId ? `key:${principal.keyId}` : principal.tenant;
}

function feedbackView(record: FeedbackRecord) {
  const { tenant: _tenant, sha256: _sha256, ...view } = record;
  return view;
}

function instrumentView(instrument: Instrument) {
  const { tenant: _tenant, ...view } = instrument;
  return view;
}

function replay(stored: StoredResponse): Response {
  return new Response(stored.body === '' ? null : stored.body, { status: stored.status, headers: { ...stored.headers, 'Idempotent-Replayed': 'true' } });
}

/** Reads a JSON body within its limit before the validators parse it (they would read it without one). */
function jsonBody(limit: number): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, declared);
    const bytes = await readBodyWithLimit(c.req.raw.body, limit);
    c.set('rawBody', bytes);
    (c.req as unknown as { bodyCache: Record<string, Promise<ArrayBuffer>> }).bodyCache.arrayBuffer = Promise.resolve(bytes.slice().buffer);
    await next();
  };
}

/** What makes two requests "the same" for Idempotency-Key: method, path, query, content type and body. */
function fingerprintOf(c: Context, body: Uint8Array): string {
  const url = new URL(c.req.url);
  const query = [...url.searchParams].sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(`${c.req.method}\n${url.pathname}\n${JSON.stringify(query)}\n${c.req.header('content-type') ?? ''}\n`).update(body).digest('hex');
}

function valid<T>(c: Context, target: 'query' | 'json'): T {
  return (c.req as unknown as { valid(t: string): T }).valid(target);
}

function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

export function selfLink(id: string): string {
  return `/v1/inspections/${encodeURIComponent(id)}`;
}

function validationError(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }, target: string): ValidationError {
  const what = target === 'json' ? 'body' : target === 'query' ? 'query parameters' : target === 'header' ? 'headers' : target;
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  return new ValidationError(`Invalid ${what}: ${issues.map((i) => `${i.path || what}: ${i.message}`).join('; ')}`, { issues });
}

function httpProblem(error: HTTPException, instance: string): Problem {
  if (error.status === 415) return problem(415, 'unsupported_media_type', 'This route takes application/json.', instance);
  if (error.status === 400) return problem(400, 'validation_failed', `The body is not valid JSON: ${error.message}`, instance);
  return problem(error.status, 'http_error', error.message, instance);
}

function problemResponse(c: Context, body: Problem, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(body), body.status as 400, { 'Content-Type': PROBLEM_CONTENT_TYPE, ...headers });
}

/** multipart/form-data: `image` (file), optional `metadata` (JSON object), `profile`, `profileVersion`, `pixelSizeUm`, `name`. */
async function fromMultipart(body: Uint8Array, contentType: string, query: z.infer<typeof UploadOptionsSchema>) {
  let form: FormData;
  try {
    form = await new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'content-type': contentType } }).formData();
  } catch (error) {
    throw new ValidationError(`The multipart body cannot be parsed: ${(error as Error).message}`);
  }
  const image = form.get('image');
  if (!(image instanceof Blob)) throw new ValidationError("The multipart body has no 'image' file field.");
  const fields: Record<string, string> = {};
  for (const key of ['profile', 'profileVersion', 'pixelSizeUm', 'name'] as const) {
    const value = form.get(key);
    if (typeof value === 'string' && value !== '') fields[key] = value;
  }
  const fileName = image instanceof File && image.name ? image.name.split(/[\\/]/).pop() : undefined;
  const parsed = UploadOptionsSchema.safeParse({ ...query, ...(fileName ? { name: fileName } : {}), ...fields });
  if (!parsed.success) throw validationError(parsed.error, 'form fields');
  const rawMetadata = form.get('metadata');
  let metadata: Record<string, unknown> | undefined;
  if (rawMetadata !== null) {
    const text = typeof rawMetadata === 'string' ? rawMetadata : await rawMetadata.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ValidationError("The 'metadata' field is not valid JSON.", { fields: [{ field: 'metadata', message: 'not valid JSON' }] });
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ValidationError("The 'metadata' field must be a JSON object.", { fields: [{ field: 'metadata', message: 'not a JSON object' }] });
    }
    metadata = json as Record<string, unknown>;
  }
  return { content: new Uint8Array(await image.arrayBuffer()), options: parsed.data, metadata };
}

/** Route templates as regular expressions, for 405 (the path exists, the method does not). */
function knownRoutes(): { method: string; pattern: RegExp }[] {
  return Object.values(ROUTES).map((r) => ({
    method: r.config.method.toUpperCase(),
    pattern: new RegExp(`^${r.config.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
}

function registerSecurity(app: OpenAPIHono<ApiEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http', scheme: 'bearer', description: "An API key (`mmdo_…`) as a bearer token. The tenant is the key's.",
  });
}

let document: Record<string, unknown> | undefined;

/**
 * The OpenAPI 3.1 document, generated from ROUTES alone (no runtime needed), so it is the same for both runtimes
 * and can be committed (docs/openapi.json; `npm run openapi` rewrites it, a test fails when it is stale).
 */
export function openApiDocument(): Record<string, unknown> {
  if (document) return document;
  const app = new OpenAPIHono<ApiEnv>();
  registerSecurity(app);
  for (const route of Object.values(ROUTES)) app.openapi(route.config as RouteConfig, (() => undefined) as never);
  return (document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description: 'Anomaly inspection of Li-S cathode micrographs. One contract for the local service and the cloud API. Errors are RFC 9457 problem+json with a stable `code`.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: [
      { url: 'http://127.0.0.1:7433', description: 'The local service (`npm start`).' },
      { url: 'https://{apiId}.execute-api.{region}.amazonaws.com/api', description: 'The cloud API (API Gateway stage `api`).', variables: { apiId: { default: 'your-api-id' }, region: { default: 'us-east-1' } } },
    ],
    tags: [
      { name: 'service', description: 'Liveness and this document.' },
      { name: 'inspections', description: 'Submit images, read reports and their images.' },
      { name: 'profiles', description: 'What images are compared against: versions, enrolment of normal images by presigned uploads.' },
      { name: 'feedback', description: 'Expert judgements of reports and regions, the review queue, the labelled set, recalibration from them.' },
      { name: 'webhooks', description: 'Signed events (Standard Webhooks) when inspections end and when profiles change.' },
      { name: 'usage', description: 'The usage ledger: what is billed.' },
      { name: 'keys', description: "The tenant's API keys." },
      { name: 'instruments', description: 'Instruments that upload straight into storage under their own key prefix.' },
    ],
    security: [{ apiKey: [] }],
  }) as unknown as Record<string, unknown>);
}


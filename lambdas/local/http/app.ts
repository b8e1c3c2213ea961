import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { MmdoError, NotFoundError, ValidationError } from '../../domain/errors.js';
import type { IngestLimits } from '../../ports/image-codec.js';
import type { LocalWebhooks } from '../../adapters/local/webhooks/dispatcher.js';
import type { LocalServiceDeps } from '../deps.js';
import { checkImageHeader } from '../image-header.js';
import type { Intake } from '../intake.js';
import type { JobCounts, JobRecord, SqliteJobQueue } from '../job-queue.js';
import type { InspectionJob } from '../jobs.js';
import type { Log } from '../log.js';
import { PROBLEM_CONTENT_TYPE, problem, problemFromError } from '../problem.js';
import { readBodyWithLimit, tooLarge } from './read-body.js';
import { webhookRoutes } from './webhooks.js';

export interface ApiOptions {
  readonly tenant: string;
  readonly defaultProfile: string;
  readonly limits: IngestLimits;
  readonly health: () => { queue: JobCounts; workerBusy: number; inbox: string | null };
  /** Mounts /v1/webhooks (subscriptions to signed result events) when given. */
  readonly webhooks?: LocalWebhooks;
}

/** Room for the multipart envelope and form fields around an image of the maximum size. */
const MULTIPART_OVERHEAD = 1024 * 1024;
const RAW_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/tiff', 'application/octet-stream']);
const ARTIFACTS = ['heatmap', 'overlay'] as const;

const ProfileName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" and "-", at most 128');
const FileName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^/\\\0]+$/, 'a file name without path separators')
  .refine((n) => n !== '.' && n !== '..', 'a file name');
const Metadata = z.record(z.string(), z.unknown());

const OptionsSchema = z.object({
  profile: ProfileName.optional(),
  profileVersion: z.coerce.number().int().positive().optional(),
  pixelSizeUm: z.coerce.number().positive().finite().optional(),
  name: FileName.optional(),
});
type Options = z.infer<typeof OptionsSchema>;

const IdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

/**
 * The local HTTP API (single tenant: every request acts as tenant `local`). Errors are RFC 9457 problem+json.
 */
export function createApi(deps: LocalServiceDeps, queue: SqliteJobQueue<InspectionJob>, intake: Intake, options: ApiOptions, log: Log): Hono {
  const app = new Hono();
  const { tenant } = options;

  app.get('/healthz', (c) => c.json({ status: 'ok', tenant, ...options.health() }));

  app.get('/v1/profiles', async (c) => c.json({ tenant, defaultProfile: options.defaultProfile, items: await deps.profiles.list(tenant) }));

  app.post('/v1/inspections', async (c) => {
    const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const multipart = contentType === 'multipart/form-data';
    if (!multipart && !RAW_IMAGE_TYPES.has(contentType)) {
      throw new MmdoError(
        'unsupported_media_type',
        `Content-Type '${contentType || '(none)'}' is not accepted: send the image as image/png, image/jpeg, image/tiff or application/octet-stream, or as multipart/form-data with an 'image' field.`,
        415,
      );
    }
    const limit = options.limits.maxBytes + (multipart ? MULTIPART_OVERHEAD : 0);
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, declared);
    const body = await readBodyWithLimit(c.req.raw.body, limit);

    const query = parse(OptionsSchema, c.req.query(), 'query parameters');
    const upload = multipart ? await fromMultipart(body, c.req.header('content-type')!, query) : { content: body, options: query, metadata: undefined };
    const header = await checkImageHeader(upload.content, options.limits);
    const profile = upload.options.profile ?? options.defaultProfile;
    await assertProfileExists(deps, tenant, profile, upload.options.profileVersion);

    const accepted = await intake.submit({
      tenant,
      name: upload.options.name ?? `upload.${header.format === 'jpeg' ? 'jpg' : header.format}`,
      content: upload.content,
      profile,
      ...(upload.options.profileVersion !== undefined ? { profileVersion: upload.options.profileVersion } : {}),
      ...(upload.options.pixelSizeUm !== undefined ? { pixelSizeUm: upload.options.pixelSizeUm } : {}),
      ...(upload.metadata !== undefined ? { metadata: upload.metadata } : {}),
      source: { kind: 'http' },
    });
    if (accepted.created) log(`accepted ${accepted.id}: ${header.format} ${header.width}x${header.height}, ${upload.content.length} bytes, profile '${profile}'`);
    const links = linksFor(accepted.id);
    return c.json({ id: accepted.id, status: accepted.status, links }, 202, { Location: links.self });
  });

  app.get('/v1/inspections/:id', async (c) => {
    const id = c.req.param('id');
    if (!IdSchema.safeParse(id).success) throw new NotFoundError('inspection', id);
    const report = await deps.reports.get(tenant, id);
    if (report) return c.json(report);
    const job = queue.get(id);
    if (!job || job.payload.tenant !== tenant) throw new NotFoundError('inspection', id);
    return c.json(pendingView(job), 200, job.status === 'queued' || job.status === 'running' ? { 'Retry-After': '1' } : {});
  });

  app.get('/v1/inspections/:id/:file{(heatmap|overlay)\\.png}', async (c) => {
    const id = c.req.param('id');
    const kind = c.req.param('file').replace(/\.png$/, '') as (typeof ARTIFACTS)[number];
    if (!IdSchema.safeParse(id).success) throw new NotFoundError('inspection', id);
    const report = await deps.reports.get(tenant, id);
    if (!report) {
      const job = queue.get(id);
      if (job && (job.status === 'queued' || job.status === 'running')) {
        return problemResponse(c, problem(409, 'inspection_pending', `Inspection '${id}' is ${job.status}; its ${kind} is not ready yet.`, c.req.path), { 'Retry-After': '1' });
      }
      throw new NotFoundError('inspection', id);
    }
    const key = report.artifacts[kind];
    const artifact = key ? await deps.artifacts.get(key) : undefined;
    if (!artifact) {
      const why = report.status === 'failed' ? `the inspection failed (${report.failure?.code}: ${report.failure?.message})` : `the report has no ${kind}`;
      throw new MmdoError('artifact_not_available', `No ${kind} for inspection '${id}': ${why}.`, 404, { id, kind });
    }
    return c.body(artifact.bytes as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': artifact.contentType });
  });

  if (options.webhooks) app.route('/v1/webhooks', webhookRoutes(options.webhooks, tenant));

  app.notFound((c) => problemResponse(c, problem(404, 'route_not_found', `No route for ${c.req.method} ${c.req.path}.`, c.req.path)));

  app.onError((error, c) => {
    const body = problemFromError(error, c.req.path);
    if (body.status >= 500) log(`error on ${c.req.method} ${c.req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    // A refused upload may still be streaming in: close the connection rather than read the rest.
    const headers: Record<string, string> = body.status === 413 ? { Connection: 'close' } : {};
    return problemResponse(c, body, headers);
  });

  return app;
}

function problemResponse(c: Context, body: ReturnType<typeof problem>, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(body), body.status as 400, { 'Content-Type': PROBLEM_CONTENT_TYPE, ...headers });
}

function linksFor(id: string): { self: string; heatmap: string; overlay: string } {
  const self = `/v1/inspections/${encodeURIComponent(id)}`;
  return { self, heatmap: `${self}/heatmap.png`, overlay: `${self}/overlay.png` };
}

function pendingView(job: JobRecord<InspectionJob>) {
  return {
    id: job.id,
    status: job.status,
    stage: job.stage,
    progress: job.progress,
    attempts: job.attempts,
    ...(job.reason ? { reason: job.reason } : {}),
    name: job.payload.name,
    profile: job.payload.profile,
    submittedAt: job.payload.submittedAt,
    links: linksFor(job.id),
  };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ValidationError(`Invalid ${what}: ${result.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ')}`, {
      issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return result.data;
}

/** multipart/form-data: `image` (file), optional `metadata` (JSON object), `profile`, `profileVersion`, `pixelSizeUm`. */
async function fromMultipart(body: Uint8Array, contentType: string, query: Options) {
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
  const options = parse(OptionsSchema, { ...query, ...(fileName ? { name: fileName } : {}), ...fields }, 'form fields');
  const rawMetadata = form.get('metadata');
  let metadata: Record<string, unknown> | undefined;
  if (rawMetadata !== null) {
    const text = typeof rawMetadata === 'string' ? rawMetadata : await rawMetadata.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ValidationError("The 'metadata' field is not valid JSON.");
    }
    metadata = parse(Metadata, json, "'metadata' field (a JSON object)");
  }
  return { content: new Uint8Array(await image.arrayBuffer()), options, metadata };
}

async function assertProfileExists(deps: LocalServiceDeps, tenant: string, name: string, version: number | undefined): Promise<void> {
  const profile = (await deps.profiles.list(tenant)).find((p) => p.name === name);
  if (!profile) {
    throw new MmdoError('profile_not_found', `Profile '${name}' does not exist; GET /v1/profiles lists the enrolled ones (mmdo enroll creates one).`, 404, { profile: name });
  }
  if (version !== undefined && !profile.versions.some((v) => v.version === version)) {
    throw new MmdoError('profile_not_found', `Profile '${name}' has no version ${version} (latest is ${profile.latestVersion}).`, 404, { profile: name, version });
  }
}

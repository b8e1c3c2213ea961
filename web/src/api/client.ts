/**
 * The page's only way to the service: a client typed by the OpenAPI document (./openapi.d.ts, generated from
 * docs/openapi.json by openapi-typescript) through openapi-fetch, plus the two calls fetch cannot make well:
 * uploads with progress (XMLHttpRequest) and images/downloads as blobs.
 *
 * The API key, when the service needs one, lives in memory, or in this tab's sessionStorage when the user asks;
 * never in the bundle, localStorage or a cookie.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './openapi.js';

export type Schemas = components['schemas'];
export type Report = Schemas['Report'];
export type PendingInspection = Schemas['PendingInspection'];
export type Accepted = Schemas['Accepted'];
export type Profile = Schemas['Profile'];
export type ProfileVersions = Schemas['ProfileVersions'];
export type Webhook = Schemas['Webhook'];
export type WebhookCreated = Schemas['WebhookCreated'];
export type Usage = Schemas['Usage'];
export type Problem = Schemas['Problem'];
export type UploadSlot = Schemas['UploadSlot'];
export type Region = Report['regions'][number];
export type ScoreComponent = NonNullable<Report['scores']>['components'][number];
export type InspectionView = Report | PendingInspection;
export type WebhookEvent = Schemas['WebhookCreate']['events'][number];
export type ReviewQueue = Schemas['ReviewQueue'];
export type ReviewItem = ReviewQueue['items'][number];
export type FeedbackRequest = Schemas['FeedbackRequest'];
export type Feedback = Schemas['Feedback'];
export type ProfileJob = Schemas['ProfileJob'];
export type LabelledSet = Schemas['LabelledSet'];

/** Base URL of the API: empty for the origin that served the page (the local service), else the cloud API's. */
export const API_BASE = (document.querySelector('meta[name="mmdo-api-base"]')?.getAttribute('content') ?? '').replace(/\/$/, '');

const KEY_STORAGE = 'mmdo.apiKey';
let apiKey: string | null = sessionStorage.getItem(KEY_STORAGE);
const keyListeners = new Set<() => void>();

export const auth = {
  key: (): string | null => apiKey,
  /** Keeps the key in memory; with `remember`, in this tab's sessionStorage too (gone when the tab closes). */
  set(key: string, remember: boolean): void {
    apiKey = key.trim() || null;
    if (remember && apiKey) sessionStorage.setItem(KEY_STORAGE, apiKey);
    else sessionStorage.removeItem(KEY_STORAGE);
    keyListeners.forEach((l) => l());
  },
  clear(): void {
    apiKey = null;
    sessionStorage.removeItem(KEY_STORAGE);
    keyListeners.forEach((l) => l());
  },
  onChange(listener: () => void): void {
    keyListeners.add(listener);
  },
};

/** Raised for every answer that is not 2xx: the RFC 9457 problem when the service sent one. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Partial<Problem> | undefined, fallback: string) {
    super(problem?.detail ? `${problem.detail}${problem.code ? ` (${problem.code})` : ''}` : fallback);
  }
}

/** Listeners told when the service answers 401 (no key, or a revoked one): the page asks for a key. */
export const unauthorized = new Set<() => void>();

export const api = createClient<paths>({ baseUrl: API_BASE });
api.use({
  onRequest({ request }) {
    if (apiKey) request.headers.set('authorization', `Bearer ${apiKey}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) unauthorized.forEach((l) => l());
    return response;
  },
});

/** openapi-fetch's result as a value, or an ApiError. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiError(response.status, error as Partial<Problem> | undefined, `${response.status} ${response.statusText}`);
  return data as T;
}

export function isReport(view: InspectionView): view is Report {
  return view.status === 'completed' || view.status === 'failed';
}

function authHeaders(url: string): Record<string, string> {
  // A presigned link (cloud artefacts) carries its own signature: no key goes to storage.
  return apiKey && isApiUrl(url) ? { authorization: `Bearer ${apiKey}` } : {};
}

function isApiUrl(url: string): boolean {
  return url.startsWith('/') || (API_BASE !== '' && url.startsWith(API_BASE));
}

/** A link the API returned (an API path, or a presigned URL) as an absolute URL. */
export function resolveLink(link: string): string {
  return link.startsWith('/') ? `${API_BASE}${link}` : link;
}

/** An image or a download behind an API link (with the key) or a presigned one (without). */
export async function fetchBlob(link: string, signal?: AbortSignal): Promise<Blob> {
  const url = resolveLink(link);
  const res = await fetch(url, { headers: authHeaders(link), ...(signal ? { signal } : {}) });
  if (!res.ok) {
    if (res.status === 401) unauthorized.forEach((l) => l());
    let problem: Partial<Problem> | undefined;
    try {
      problem = (await res.json()) as Partial<Problem>;
    } catch {
      problem = undefined;
    }
    throw new ApiError(res.status, problem, `${res.status} ${res.statusText} for ${link}`);
  }
  return res.blob();
}

export interface UploadOptions {
  readonly profile?: string;
  readonly profileVersion?: number;
  readonly pixelSizeUm?: number;
  readonly metadata?: Record<string, unknown>;
  readonly name?: string;
}

export interface UploadHandle {
  readonly done: Promise<Accepted>;
  abort(): void;
}

/** Above this size an image goes through an upload slot (the cloud API takes at most 4 MB in a request body). */
export const DIRECT_UPLOAD_LIMIT = 4 * 1024 * 1024;

/**
 * POST /v1/inspections as multipart/form-data (image, metadata, profile, profileVersion, pixelSizeUm, name), or for a
 * large file an upload slot (POST /v1/inspections/uploads, then the presigned form), with upload progress 0..1.
 * An Idempotency-Key per file makes a retry of the same upload safe.
 */
export function uploadImage(file: File, options: UploadOptions, onProgress: (fraction: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  let aborted = false;
  const idempotencyKey = `web-${crypto.randomUUID()}`;
  const done = (async (): Promise<Accepted> => {
    if (file.size > DIRECT_UPLOAD_LIMIT) return uploadThroughSlot(file, options, onProgress, xhr, () => aborted, idempotencyKey);
    const form = new FormData();
    form.set('image', file, options.name ?? file.name);
    if (options.metadata) form.set('metadata', JSON.stringify(options.metadata));
    if (options.profile) form.set('profile', options.profile);
    if (options.profileVersion !== undefined) form.set('profileVersion', String(options.profileVersion));
    if (options.pixelSizeUm !== undefined) form.set('pixelSizeUm', String(options.pixelSizeUm));
    if (options.name) form.set('name', options.name);
    const res = await send(xhr, 'POST', `${API_BASE}/v1/inspections`, form, { 'idempotency-key': idempotencyKey, ...authHeaders('/') }, onProgress);
    return JSON.parse(res) as paths['/v1/inspections']['post']['responses'][202]['content']['application/json'];
  })();
  return {
    done,
    abort: () => {
      aborted = true;
      xhr.abort();
    },
  };
}

async function uploadThroughSlot(file: File, options: UploadOptions, onProgress: (f: number) => void, xhr: XMLHttpRequest, aborted: () => boolean, idempotencyKey: string): Promise<Accepted> {
  const contentType = imageContentType(file);
  const slot: UploadSlot = await ok(api.POST('/v1/inspections/uploads', {
    params: { header: { 'idempotency-key': idempotencyKey } },
    body: {
      name: options.name ?? file.name,
      contentType,
      bytes: file.size,
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.profileVersion !== undefined ? { profileVersion: options.profileVersion } : {}),
      ...(options.pixelSizeUm !== undefined ? { pixelSizeUm: options.pixelSizeUm } : {}),
      ...(options.metadata ? { metadata: options.metadata } : {}),
    },
  }));
  if (aborted()) throw new Error('cancelled');
  const form = new FormData();
  for (const [k, v] of Object.entries(slot.upload.fields)) form.set(k, v);
  form.set('file', file);
  await send(xhr, 'POST', resolveLink(slot.upload.url), form, {}, onProgress);
  return { id: slot.id, status: 'queued', links: slot.links };
}

/** A presigned POST (an upload slot, an enrolment image): its fields, then the file as `file`, with progress. */
export function postPresigned(upload: { url: string; fields: Record<string, string> }, file: File, onProgress: (fraction: number) => void): Promise<string> {
  const form = new FormData();
  for (const [k, v] of Object.entries(upload.fields)) form.set(k, v);
  form.set('file', file);
  return send(new XMLHttpRequest(), 'POST', resolveLink(upload.url), form, {}, onProgress);
}

/** The content type an image file is declared with. */
export function imageContentType(file: File): 'image/png' | 'image/jpeg' | 'image/tiff' {
  if (file.type === 'image/png' || file.type === 'image/jpeg' || file.type === 'image/tiff') return file.type;
  return /\.tiff?$/i.test(file.name) ? 'image/tiff' : /\.jpe?g$/i.test(file.name) ? 'image/jpeg' : 'image/png';
}

function send(xhr: XMLHttpRequest, method: string, url: string, body: FormData, headers: Record<string, string>, onProgress: (f: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    xhr.open(method, url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(xhr.responseText);
        return;
      }
      if (xhr.status === 401) unauthorized.forEach((l) => l());
      let problem: Partial<Problem> | undefined;
      try {
        problem = JSON.parse(xhr.responseText) as Partial<Problem>;
      } catch {
        problem = undefined;
      }
      reject(new ApiError(xhr.status, problem, `${xhr.status} ${xhr.statusText}`));
    };
    xhr.onerror = () => reject(new Error('the upload failed: network error'));
    xhr.onabort = () => reject(new Error('cancelled'));
    xhr.send(body);
  });
}

/** Which optional parts of the API this service has (from its OpenAPI document): views appear only for those. */
export interface Capabilities {
  readonly runtime: 'local' | 'cloud' | 'unknown';
  readonly paths: ReadonlySet<string>;
}

let capabilities: Promise<Capabilities> | undefined;

export function serviceCapabilities(): Promise<Capabilities> {
  capabilities ??= (async () => {
    const [health, doc] = await Promise.all([
      api.GET('/healthz').then((r) => r.data).catch(() => undefined),
      api.GET('/v1/openapi.json').then((r) => r.data as { paths?: Record<string, unknown> } | undefined).catch(() => undefined),
    ]);
    return { runtime: health?.runtime ?? 'unknown', paths: new Set(Object.keys(doc?.paths ?? {})) };
  })();
  return capabilities;
}

import { MmdoError } from '../errors.js';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over `${id}.${timestamp}.${body}`,
 * sent as `webhook-signature: v1,<base64>` (space-separated when signed with several secrets, as during a secret
 * rotation), next to `webhook-id` (stable across retries, so receivers can de-duplicate) and `webhook-timestamp`
 * (Unix seconds of this attempt, so receivers can refuse replays). Secrets are `whsec_` + base64 of random bytes.
 * Uses Web Crypto (global in Node 20 and Lambda), so it stays pure and runs the same locally and in the cloud.
 */
export const WEBHOOK_HEADERS = { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' } as const;
export const SECRET_PREFIX = 'whsec_';
/** The spec's recommended replay window: timestamps further than this from the receiver's clock are refused. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;
const SECRET_BYTES = 32;
const SIGNATURE_VERSION = 'v1';

export type VerificationFailure = 'missing_headers' | 'bad_timestamp' | 'timestamp_out_of_tolerance' | 'no_matching_signature';

export class WebhookVerificationError extends MmdoError {
  constructor(
    readonly reason: VerificationFailure,
    message: string,
  ) {
    super('webhook_verification_failed', message, 401, { reason });
  }
}

export class InvalidWebhookSecretError extends MmdoError {
  constructor() {
    super('invalid_webhook_secret', `A webhook secret is '${SECRET_PREFIX}' followed by base64 of at least 24 bytes.`, 400);
  }
}

/** A new random signing secret (`whsec_...`, 32 bytes). */
export function generateSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** A new message id (the `webhook-id` header), unique per event and subscriber, kept across retries. */
export function generateMessageId(): string {
  return `msg_${crypto.randomUUID().replaceAll('-', '')}`;
}

/** The raw key bytes of a `whsec_` secret (the prefix is optional, as the spec's libraries accept). */
export function secretKey(secret: string): Uint8Array<ArrayBuffer> {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = fromBase64(encoded);
  if (!key || key.length < 24) throw new InvalidWebhookSecretError();
  return key;
}

/** The `webhook-signature` value: one `v1,<base64>` per secret, space-separated. */
export async function signatureHeader(secrets: readonly string[], id: string, timestampSeconds: number, body: string | Uint8Array): Promise<string> {
  if (secrets.length === 0) throw new InvalidWebhookSecretError();
  const content = signedContent(id, timestampSeconds, body);
  const signatures = await Promise.all(
    secrets.map(async (secret) => {
      const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), content);
      return `${SIGNATURE_VERSION},${toBase64(new Uint8Array(mac))}`;
    }),
  );
  return signatures.join(' ');
}

/** All three headers for one delivery attempt. */
export async function signedHeaders(secrets: readonly string[], id: string, timestampSeconds: number, body: string | Uint8Array): Promise<Record<string, string>> {
  return {
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.timestamp]: String(timestampSeconds),
    [WEBHOOK_HEADERS.signature]: await signatureHeader(secrets, id, timestampSeconds, body),
  };
}

export interface VerifyOptions {
  /** Default 300 s (the spec's recommendation). */
  readonly toleranceSeconds?: number;
  /** The receiver's clock in Unix seconds (tests); defaults to now. */
  readonly nowSeconds?: number;
}

/**
 * For receivers: checks the headers of a delivery against the raw body exactly as received (verify before
 * parsing JSON: re-serialised JSON does not match). Accepts when any `v1` signature matches any of `secrets`
 * (several during a rotation). Throws WebhookVerificationError with the reason otherwise.
 */
export async function verifyWebhook(
  secrets: string | readonly string[],
  headers: Headers | Readonly<Record<string, string | string[] | undefined>>,
  body: string | Uint8Array,
  options: VerifyOptions = {},
): Promise<void> {
  const header = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
    return Array.isArray(entry) ? entry.join(' ') : entry;
  };
  const id = header(WEBHOOK_HEADERS.id);
  const timestamp = header(WEBHOOK_HEADERS.timestamp);
  const signatures = header(WEBHOOK_HEADERS.signature);
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError('missing_headers', `A signed webhook carries ${Object.values(WEBHOOK_HEADERS).join(', ')}.`);
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookVerificationError('bad_timestamp', 'webhook-timestamp is not Unix seconds.');
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError('timestamp_out_of_tolerance', `webhook-timestamp is more than ${tolerance} s from the receiver's clock.`);
  }
  const content = signedContent(id, Number(timestamp), body);
  const candidates = signatures
    .split(' ')
    .map((s) => s.split(','))
    .filter((parts): parts is [string, string] => parts.length === 2 && parts[0] === SIGNATURE_VERSION)
    .map(([, b64]) => fromBase64(b64))
    .filter((mac): mac is Uint8Array<ArrayBuffer> => mac !== undefined);
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    const key = await hmacKey(secret, 'verify');
    // subtle.verify compares in constant time.
    for (const mac of candidates) if (await crypto.subtle.verify('HMAC', key, mac, content)) return;
  }
  throw new WebhookVerificationError('no_matching_signature', 'No webhook-signature matches the body: wrong secret, or the body was changed.');
}

function signedContent(id: string, timestampSeconds: number, body: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const prefix = encoder.encode(`${id}.${timestampSeconds}.`);
  const payload = typeof body === 'string' ? encoder.encode(body) : body;
  const content = new Uint8Array(prefix.length + payload.length);
  content.set(prefix);
  content.set(payload, prefix.length);
  return content;
}

function hmacKey(secret: string, usage: 'sign' | 'verify'): ReturnType<typeof crypto.subtle.importKey> {
  return crypto.subtle.importKey('raw', secretKey(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

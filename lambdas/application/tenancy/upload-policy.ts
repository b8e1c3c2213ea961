import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * The local service's stand-in for S3 presigned POST policies: a base64 JSON policy (what may be uploaded: one key
 * or a key prefix, size, content type, tenant, expiry) and its HMAC-SHA256 with a secret only the service knows.
 * Like a presigned POST it is a bearer capability: whoever holds the fields may upload what they allow, until they
 * expire.
 */
export const UploadPolicySchema = z.object({
  tenant: z.string(),
  /** The slot (one object), the instrument (any object under `keyPrefix`) or the enrolment image the policy is for. */
  slot: z.string().optional(),
  instrument: z.string().optional(),
  enrolment: z.string().optional(),
  index: z.number().int().nonnegative().optional(),
  key: z.string().optional(),
  keyPrefix: z.string().optional(),
  minBytes: z.number().int().nonnegative(),
  maxBytes: z.number().int().positive(),
  /** Exact content type, or a prefix ending in '/' (`image/`). */
  contentType: z.string(),
  expiresAt: z.iso.datetime(),
});
export type UploadPolicy = z.infer<typeof UploadPolicySchema>;

export function newSigningSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function signPolicy(secret: string, policy: UploadPolicy): { policy: string; signature: string } {
  const encoded = Buffer.from(JSON.stringify(UploadPolicySchema.parse(policy))).toString('base64url');
  return { policy: encoded, signature: createHmac('sha256', secret).update(encoded).digest('base64url') };
}

/** The policy if the signature is the service's and it has not expired; undefined otherwise. */
export function verifyPolicy(secret: string, encoded: string, signature: string, now = Date.now()): UploadPolicy | undefined {
  const expected = createHmac('sha256', secret).update(encoded).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const parsed = UploadPolicySchema.safeParse(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')));
  if (!parsed.success || Date.parse(parsed.data.expiresAt) <= now) return undefined;
  return parsed.data;
}

export function contentTypeAllowed(policy: Pick<UploadPolicy, 'contentType'>, given: string): boolean {
  return policy.contentType.endsWith('/') ? given.startsWith(policy.contentType) : given === policy.contentType;
}

import { Webhook } from 'standardwebhooks';
import {
  generateMessageId,
  generateSecret,
  secretKey,
  signatureHeader,
  signedHeaders,
  verifyWebhook,
  WebhookVerificationError,
} from '../../../lambdas/domain/webhooks/signature.js';

const now = () => Math.floor(Date.now() / 1000);

async function failure(promise: Promise<void>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WebhookVerificationError);
  return (error as WebhookVerificationError).reason;
}

describe('Standard Webhooks signatures', () => {
  test('matches the published test vector of the Standard Webhooks libraries', async () => {
    const header = await signatureHeader(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(header).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  test('the reference library (standardwebhooks) verifies our signatures, and we verify its', async () => {
    const secret = generateSecret();
    const body = JSON.stringify({ type: 'inspection.completed', data: { reportId: 'r1', note: 'µm ✓' } });
    const id = generateMessageId();
    const ours = await signedHeaders([secret], id, now(), body);
    expect(new Webhook(secret).verify(body, ours)).toEqual(JSON.parse(body));

    const theirs = new Webhook(secret).sign(id, new Date(), body);
    await expect(verifyWebhook(secret, { 'webhook-id': id, 'webhook-timestamp': String(now()), 'webhook-signature': theirs }, body)).resolves.toBeUndefined();
  });

  test('a changed body, id or timestamp, or another secret, fails verification', async () => {
    const secret = generateSecret();
    const body = '{"score":0.2}';
    const headers = await signedHeaders([secret], 'msg_1', now(), body);
    await expect(verifyWebhook(secret, headers, body)).resolves.toBeUndefined();
    expect(await failure(verifyWebhook(secret, headers, '{"score":0.9}'))).toBe('no_matching_signature');
    expect(await failure(verifyWebhook(secret, { ...headers, 'webhook-id': 'msg_2' }, body))).toBe('no_matching_signature');
    expect(await failure(verifyWebhook(secret, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) + 1) }, body))).toBe('no_matching_signature');
    expect(await failure(verifyWebhook(generateSecret(), headers, body))).toBe('no_matching_signature');
  });

  test('timestamps outside the tolerance are refused (replay), either side; missing headers are refused', async () => {
    const secret = generateSecret();
    const body = '{}';
    const signedAt = 1_800_000_000;
    const headers = await signedHeaders([secret], 'msg_1', signedAt, body);
    await expect(verifyWebhook(secret, headers, body, { nowSeconds: signedAt + 299 })).resolves.toBeUndefined();
    expect(await failure(verifyWebhook(secret, headers, body, { nowSeconds: signedAt + 301 }))).toBe('timestamp_out_of_tolerance');
    expect(await failure(verifyWebhook(secret, headers, body, { nowSeconds: signedAt - 301 }))).toBe('timestamp_out_of_tolerance');
    await expect(verifyWebhook(secret, headers, body, { nowSeconds: signedAt + 900, toleranceSeconds: 1000 })).resolves.toBeUndefined();
    expect(await failure(verifyWebhook(secret, { 'webhook-id': 'msg_1', 'webhook-timestamp': String(signedAt) }, body, { nowSeconds: signedAt }))).toBe('missing_headers');
    expect(await failure(verifyWebhook(secret, { ...headers, 'webhook-timestamp': '12e3' }, body, { nowSeconds: signedAt }))).toBe('bad_timestamp');
  });

  test('rotation: two secrets give two signatures; a receiver holding either verifies; unknown versions are ignored', async () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const body = new TextEncoder().encode('{"a":1}');
    const headers = new Headers(await signedHeaders([oldSecret, newSecret], 'msg_r', now(), body));
    expect(headers.get('webhook-signature')!.split(' ')).toHaveLength(2);
    await expect(verifyWebhook(oldSecret, headers, body)).resolves.toBeUndefined();
    await expect(verifyWebhook([generateSecret(), newSecret], headers, '{"a":1}')).resolves.toBeUndefined();
    const v1 = headers.get('webhook-signature')!.split(' ')[0]!;
    headers.set('webhook-signature', `v2,${v1.slice(3)} v1a,${v1.slice(3)}`);
    expect(await failure(verifyWebhook(oldSecret, headers, body))).toBe('no_matching_signature');
  });

  test('secrets are whsec_ + 32 random bytes; malformed ones are refused', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(a)).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
    expect(() => secretKey('whsec_c2hvcnQ=')).toThrow(/at least 24 bytes/);
    expect(() => secretKey('whsec_not base64!')).toThrow(/whsec_/);
    expect(generateMessageId()).toMatch(/^msg_[0-9a-f]{32}$/);
  });
});

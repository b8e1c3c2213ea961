import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { createS3Client, S3ArtifactStore } from '../../../lambdas/adapters/aws/s3-artifact-store.js';
import { uploadIdempotencyKey } from '../../../lambdas/application/pipeline/state.js';
import { uploadsFromNotification } from '../../../lambdas/handlers/support/s3-upload-events.js';
import type { UploadedObject } from '../../../lambdas/ports/inspection.js';
import { ValidationError } from '../../../lambdas/domain/errors.js';

const BUCKET = 'mmdo-test-uploads';
let server: S3rver;
let directory: string;
let store: S3ArtifactStore;
let client: S3Client;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'mmdo-s3rver-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  const { port } = (await server.run()) as AddressInfo;
  client = createS3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  store = new S3ArtifactStore(client, BUCKET);
});

afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

describe('S3ArtifactStore against s3rver', () => {
  test('round-trips bytes and content type', async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 251);
    await store.put('acme/reports/r1/heatmap.png', bytes, 'image/png');
    const got = await store.get('acme/reports/r1/heatmap.png');
    expect(got?.contentType).toBe('image/png');
    expect(Buffer.from(got!.bytes).equals(Buffer.from(bytes))).toBe(true);
  });

  test('a missing key reads as undefined', async () => {
    expect(await store.get('acme/reports/none/heatmap.png')).toBeUndefined();
  });

  test('keys must begin with a tenant and cannot climb out of it', async () => {
    await expect(store.put('no-tenant', new Uint8Array(1), 'text/plain')).rejects.toBeInstanceOf(ValidationError);
    await expect(store.get('acme/../other/x')).rejects.toBeInstanceOf(ValidationError);
  });

  test('a user upload emits the object-created event the workflow consumes (s3rver events stand in for bucket notifications)', async () => {
    const upload = (body: Uint8Array) =>
      client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'acme/uploads/sample 01.png', Body: body, ContentType: 'image/png' }));
    const received = new Promise<unknown>((resolve) => server.once('event', resolve));
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    await upload(bytes);
    const uploads = uploadsFromNotification(await received);
    expect(uploads).toHaveLength(1);
    const first = uploads[0] as UploadedObject;
    expect(first).toMatchObject({ bucket: BUCKET, key: 'acme/uploads/sample 01.png', size: 5 });
    expect(first.etag).toMatch(/^[0-9a-f]{32}$/);
    // Same bytes again: same idempotency key, so no second inspection; different bytes: a new one.
    const again = new Promise<unknown>((resolve) => server.once('event', resolve));
    await upload(bytes);
    expect(uploadIdempotencyKey(uploadsFromNotification(await again)[0]!)).toBe(uploadIdempotencyKey(first));
    const changed = new Promise<unknown>((resolve) => server.once('event', resolve));
    await upload(new Uint8Array([9]));
    expect(uploadIdempotencyKey(uploadsFromNotification(await changed)[0]!)).not.toBe(uploadIdempotencyKey(first));
  });
});

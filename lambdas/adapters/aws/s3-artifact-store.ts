import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { ValidationError } from '../../domain/errors.js';
import type { ArtifactStore } from '../../ports/stores.js';

/** One key segment: no separators, no dot-only names (keys begin with the tenant: `tenant/...`). */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._=-]{0,254}$/;

export function assertArtifactKey(key: string): string {
  const parts = key.split('/');
  if (parts.length < 2 || !parts.every((p) => SEGMENT.test(p) && !p.includes('..'))) {
    throw new ValidationError(`artifact key '${key}' must be tenant/...name with letters, digits, '.', '_', '=', '-' per segment`, { key });
  }
  return key;
}

export interface S3ClientOptions {
  readonly region?: string;
  /** An S3-compatible endpoint (s3rver in tests); implies path-style addressing. */
  readonly endpoint?: string;
  readonly credentials?: S3ClientConfig['credentials'];
}

/**
 * An S3 client that only computes checksums where the API requires them: the SDK's default CRC32 trailers are
 * not understood by s3rver and add work on every tile upload.
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/** Artifacts (uploads, heatmaps, overlays, step outputs) as objects in one bucket, keyed `tenant/...`. */
export class S3ArtifactStore implements ArtifactStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: assertArtifactKey(key), Body: bytes, ContentType: contentType }),
    );
  }

  async get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: assertArtifactKey(key) }));
      if (!out.Body) return undefined;
      return { bytes: await out.Body.transformToByteArray(), contentType: out.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}

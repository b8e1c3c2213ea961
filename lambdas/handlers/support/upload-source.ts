import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { NotFoundError } from '../../domain/errors.js';
import type { UploadedObject, UploadSource } from '../../ports/cloud.js';

/** Reads exactly the object version the event names (a later overwrite must not change what is inspected). */
export class S3UploadSource implements UploadSource {
  constructor(private readonly client: S3Client) {}

  async get(upload: UploadedObject): Promise<{ bytes: Uint8Array; metadata: Record<string, string> }> {
    try {
      const out = await this.client.send(new GetObjectCommand({
        Bucket: upload.bucket,
        Key: upload.key,
        ...(upload.versionId ? { VersionId: upload.versionId } : upload.etag ? { IfMatch: `"${upload.etag.replace(/"/g, '')}"` } : {}),
      }));
      return { bytes: out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0), metadata: out.Metadata ?? {} };
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (error instanceof NoSuchKey || name === 'NoSuchKey' || name === 'NoSuchVersion') throw new NotFoundError('upload', `${upload.bucket}/${upload.key}`);
      if (name === 'PreconditionFailed') throw new NotFoundError('upload version', `${upload.bucket}/${upload.key} (ETag ${upload.etag})`);
      throw error;
    }
  }
}

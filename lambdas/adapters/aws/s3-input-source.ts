import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { NotFoundError } from '../../domain/errors.js';
import type { InputContent, InputSource, UploadedObject } from '../../ports/inspection.js';
import { sheetRecord, type SheetFormat } from '../metadata/sheet-reader.js';

/** Sidecar sheets looked for next to an image, in this order (the first found is used). */
export const SIDECAR_SUFFIXES: readonly (readonly [string, SheetFormat])[] = [['.json', 'json'], ['.yaml', 'yaml'], ['.yml', 'yaml'], ['.pdf', 'pdf']];

/** Object metadata (x-amz-meta-*) that is not a sheet field. */
const PIXEL_SIZE_METADATA = 'pixel-size-um';

/**
 * Reads exactly the object version the event names (a later overwrite must not change what is inspected), and its
 * synthesis sheet: a sidecar `<key>.json|.yaml|.yml|.pdf` uploaded before the image, overridden field by field by
 * the image's own object metadata (`x-amz-meta-batch-id`, `x-amz-meta-modality`, …); `x-amz-meta-pixel-size-um`
 * is the caller-declared pixel size. The pipeline validates the sheet as it does on every entry point.
 */
export class S3InputSource implements InputSource {
  constructor(private readonly client: S3Client) {}

  async read(upload: UploadedObject): Promise<InputContent> {
    const [object, sidecar] = await Promise.all([this.object(upload), this.sidecar(upload)]);
    const { [PIXEL_SIZE_METADATA]: pixel, ...fields } = object.metadata;
    const metadata = { ...sidecar, ...fields };
    const pixelSizeUm = Number(pixel);
    return {
      bytes: object.bytes,
      ...(Object.keys(metadata).length ? { metadata } : {}),
      ...(pixel !== undefined && Number.isFinite(pixelSizeUm) && pixelSizeUm > 0 ? { pixelSizeUm } : {}),
    };
  }

  private async object(upload: UploadedObject): Promise<{ bytes: Uint8Array; metadata: Record<string, string> }> {
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

  private async sidecar(upload: UploadedObject): Promise<Record<string, unknown>> {
    const found = await Promise.all(SIDECAR_SUFFIXES.map(async ([suffix, format]) => {
      try {
        const out = await this.client.send(new GetObjectCommand({ Bucket: upload.bucket, Key: `${upload.key}${suffix}` }));
        return out.Body ? { bytes: await out.Body.transformToByteArray(), format } : undefined;
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (error instanceof NoSuchKey || name === 'NoSuchKey' || name === 'NotFound') return undefined;
        throw error;
      }
    }));
    const first = found.find((f) => f !== undefined);
    return first ? sheetRecord(first.bytes, first.format) : {};
  }
}

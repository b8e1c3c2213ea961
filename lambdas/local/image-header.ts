import sharp from 'sharp';
import { IngestError } from '../domain/errors.js';
import { sniffFormat } from '../adapters/image/format-sniff.js';
import type { IngestLimits, SourceFormat } from '../ports/image-codec.js';

export interface ImageHeader {
  readonly format: SourceFormat;
  readonly width: number;
  readonly height: number;
}

/**
 * The quick check at the door: empty, unsupported and too-many-pixels inputs are refused before a job exists.
 * Reads only the header (sharp's metadata does not decode pixels); the full decode, and with it corrupt or
 * truncated pixel data, is the pipeline's job and ends in a failed report.
 */
export async function checkImageHeader(bytes: Uint8Array, limits: IngestLimits): Promise<ImageHeader> {
  if (bytes.length === 0) throw new IngestError('empty_input', 'The upload is empty: send the image bytes as the request body.');
  if (bytes.length > limits.maxBytes) {
    throw new IngestError('input_too_large', `The upload has ${bytes.length} bytes; the limit is ${limits.maxBytes}.`, { bytes: bytes.length, maxBytes: limits.maxBytes });
  }
  const sniffed = sniffFormat(bytes);
  if (!sniffed.accepted) throw new IngestError('unsupported_format', `The upload looks like ${sniffed.looksLike}; send a PNG, JPEG or TIFF image.`);
  const { format } = sniffed;
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw new IngestError('corrupt_image', `The ${format.toUpperCase()} header cannot be read: ${(error as Error).message}`);
  }
  if (!width || !height) throw new IngestError('corrupt_image', `The ${format.toUpperCase()} header gives no image size.`);
  if (width * height > limits.maxPixels) {
    throw new IngestError('too_many_pixels', `The image is ${width}x${height} (${width * height} pixels); the limit is ${limits.maxPixels} pixels.`, { width, height, maxPixels: limits.maxPixels });
  }
  return { format, width, height };
}

import { readImageHeader } from '../adapters/image/header.js';
import type { IngestLimits, SourceFormat } from '../ports/image-codec.js';

export interface ImageHeader {
  readonly format: SourceFormat;
  /** Upright size (after EXIF orientation). */
  readonly width: number;
  readonly height: number;
}

/**
 * The quick check at the door (HTTP and inbox): empty, unsupported, truncated (PNG, JPEG and TIFF alike), too small
 * and too-many-pixels inputs are refused before a job exists, with the codes and messages the pipeline's decoder
 * would give (the same checks: adapters/image/header.ts). Reads only the header and the file's structure; pixel
 * data that is damaged without being cut short is found by the full decode, and ends in a failed report.
 */
export async function checkImageHeader(bytes: Uint8Array, limits: IngestLimits): Promise<ImageHeader> {
  const { format, width, height } = await readImageHeader(bytes, limits);
  return { format, width, height };
}

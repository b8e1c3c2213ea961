import sharp, { type Metadata } from 'sharp';
import { IngestError } from '../../domain/errors.js';
import { assertLargeEnough } from '../../domain/image/limits.js';
import type { IngestLimits, SourceFormat } from '../../ports/image-codec.js';
import { sniffFormat } from './format-sniff.js';
import { findTruncation } from './truncation.js';

export const ACCEPTED = 'MM-DO accepts PNG, JPEG and TIFF images (8 or 16 bit, grey or colour)';
export const FORMAT_NAMES: Record<SourceFormat, string> = { png: 'PNG', jpeg: 'JPEG', tiff: 'TIFF' };

/** What the header says, read without decoding pixels: the size is the upright one (after EXIF orientation). */
export interface ImageHeaderInfo {
  readonly format: SourceFormat;
  readonly width: number;
  readonly height: number;
  /** EXIF orientation 2..8 (the pixels must be turned or mirrored to be upright); undefined when upright. */
  readonly orientation?: number;
  readonly meta: Metadata;
}

/**
 * The checks every entry point makes before pixels are decoded, cheapest first: empty, byte limit, signature,
 * file structure (a PNG, JPEG or TIFF cut short is `truncated_image` here, whatever the format), header (size
 * against the pixel limit and the minimum side). The HTTP API and the inbox run it at the door (refused before a
 * job exists); the decoder runs it again in the pipeline (CLI, evaluation, cloud), so every path refuses the same
 * inputs with the same code.
 */
export async function readImageHeader(bytes: Uint8Array, limits: IngestLimits): Promise<ImageHeaderInfo> {
  if (bytes.length === 0) throw new IngestError('empty_input', 'The upload is empty (0 bytes): no image was received.');
  if (bytes.length > limits.maxBytes) {
    throw new IngestError(
      'input_too_large',
      `The file is ${formatBytes(bytes.length)}, over the ${formatBytes(limits.maxBytes)} limit for one image. Crop or downsample it, or raise the limit.`,
      { bytes: bytes.length, maxBytes: limits.maxBytes },
    );
  }
  const sniffed = sniffFormat(bytes);
  if (!sniffed.accepted) {
    throw new IngestError('unsupported_format', `This file looks like ${sniffed.looksLike}. ${ACCEPTED}.`, { looksLike: sniffed.looksLike });
  }
  const format = sniffed.format;
  const name = FORMAT_NAMES[format];
  const truncation = findTruncation(bytes, format);
  if (truncation) {
    throw new IngestError('truncated_image', `The ${name} file is incomplete: ${truncation}. It was probably cut off during upload or copy; send the whole file again.`, {
      format,
      bytes: bytes.length,
    });
  }
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
    throw new IngestError('corrupt_image', `The ${name} header cannot be read; the file is damaged (${detail}).`, { format, decoder: detail });
  }
  const stored = { width: meta.width ?? 0, height: meta.height ?? 0 }; // first page only for multi-page TIFF
  if (!(stored.width > 0 && stored.height > 0)) throw new IngestError('corrupt_image', `The ${name} header gives no image size; the file is damaged.`, { format });
  const pixels = stored.width * stored.height;
  if (pixels > limits.maxPixels) {
    throw new IngestError(
      'too_many_pixels',
      `The image is ${stored.width} x ${stored.height} = ${(pixels / 1e6).toFixed(1)} megapixels, over the ${(limits.maxPixels / 1e6).toFixed(1)} MP limit. Crop or downsample it, or raise the limit.`,
      { width: stored.width, height: stored.height, maxPixels: limits.maxPixels },
    );
  }
  assertLargeEnough(stored.width, stored.height);
  sampleDepth(meta, format); // 32-bit and floating-point samples are refused here, not after a full decode
  const orientation = meta.orientation !== undefined && meta.orientation >= 2 && meta.orientation <= 8 ? meta.orientation : undefined;
  const turned = orientation !== undefined && orientation >= 5;
  return {
    format,
    width: turned ? stored.height : stored.width,
    height: turned ? stored.width : stored.height,
    ...(orientation ? { orientation } : {}),
    meta,
  };
}

/** 8 or 16 bits per sample; anything else (32-bit integer, float, double) is unsupported_format. */
export function sampleDepth(meta: Metadata, format: SourceFormat): 8 | 16 {
  switch (meta.depth) {
    case 'uchar':
    case 'char':
      return 8;
    case 'ushort':
    case 'short':
      return 16;
    default:
      throw new IngestError(
        'unsupported_format',
        `The ${FORMAT_NAMES[format]} stores ${meta.depth ?? 'unknown'} samples (e.g. 32-bit or floating point). ${ACCEPTED}; export it as 16-bit.`,
        { depth: meta.depth },
      );
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

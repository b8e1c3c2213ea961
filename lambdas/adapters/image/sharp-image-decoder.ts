import sharp, { type Metadata } from 'sharp';
import { IngestError } from '../../domain/errors.js';
import { createGreyImage } from '../../domain/image/grey-image.js';
import { DEFAULT_INGEST_LIMITS, type DecodedImage, type ImageDecoder, type IngestLimits, type SourceFormat } from '../../ports/image-codec.js';
import { sniffFormat } from './format-sniff.js';
import { findTruncation } from './truncation.js';

const ACCEPTED = 'MM-DO accepts PNG, JPEG and TIFF images (8 or 16 bit, grey or colour)';
const FORMAT_NAMES: Record<SourceFormat, string> = { png: 'PNG', jpeg: 'JPEG', tiff: 'TIFF' };

/** Resolution tags this loose are software defaults (screen DPI), not a calibrated pixel size. */
const DEFAULT_DPI = new Set([72, 96]);

/**
 * Decodes PNG/JPEG/TIFF uploads with sharp (libvips) to luminance in 0..1, keeping 16-bit precision.
 * Checks run cheapest first, and all before pixels are decoded: size in bytes, signature, file structure,
 * header (dimensions against the pixel limit); only then the full decode, itself capped by limitInputPixels.
 */
export class SharpImageDecoder implements ImageDecoder {
  async decode(bytes: Uint8Array, limits: IngestLimits = DEFAULT_INGEST_LIMITS): Promise<DecodedImage> {
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
    const meta = await sharp(input, { limitInputPixels: false }).metadata().catch((e: unknown) => {
      throw decodeError(e, format, bytes.length);
    });
    const width = meta.width ?? 0;
    const height = meta.height ?? 0; // first page only for multi-page TIFF
    if (!(width > 0 && height > 0)) throw new IngestError('corrupt_image', `The ${name} header gives no image size; the file is damaged.`, { format });
    if (width * height > limits.maxPixels) {
      throw new IngestError(
        'too_many_pixels',
        `The image is ${width} x ${height} = ${(width * height / 1e6).toFixed(1)} megapixels, over the ${(limits.maxPixels / 1e6).toFixed(1)} MP limit. Crop or downsample it, or raise the limit.`,
        { width, height, maxPixels: limits.maxPixels },
      );
    }
    const bitDepth = sourceBitDepth(meta, format);
    const channels = meta.channels ?? 1;
    const warnings: string[] = [];
    const pages = meta.pages ?? 1;
    if (pages > 1) warnings.push(`The ${name} has ${pages} pages; only page 1 was inspected.`);
    if (meta.hasAlpha) warnings.push('The image has a transparency (alpha) channel; it was ignored.');

    const grey = await this.decodeLuminance(input, bitDepth, limits).catch((e: unknown) => {
      throw decodeError(e, format, bytes.length);
    });
    if (grey.width !== width || grey.height !== height) {
      throw new IngestError('corrupt_image', `The ${name} header says ${width} x ${height} but the pixel data decodes to ${grey.width} x ${grey.height}.`, { format });
    }
    const pixelSizeUm = pixelSizeFrom(meta, format, warnings);
    return { image: grey, format, bitDepth, channels, ...(pixelSizeUm === undefined ? {} : { pixelSizeUm }), pages, warnings };
  }

  /** Luminance (libvips' colour→B_W conversion for RGB) as raw 8 or 16-bit samples, scaled to 0..1. */
  private async decodeLuminance(input: Buffer, bitDepth: 8 | 16, limits: IngestLimits) {
    const pipeline = sharp(input, { failOn: 'warning', limitInputPixels: limits.maxPixels, page: 0, pages: 1 })
      .removeAlpha()
      .toColourspace(bitDepth === 16 ? 'grey16' : 'b-w');
    const { data, info } = await (bitDepth === 16 ? pipeline.raw({ depth: 'ushort' }) : pipeline.raw()).toBuffer({ resolveWithObject: true });
    if (info.channels !== 1) throw new Error(`expected one luminance channel, got ${info.channels}`);
    const n = info.width * info.height;
    const out = new Float32Array(n);
    if (bitDepth === 16) {
      const samples = new Uint16Array(data.buffer, data.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = samples[i] / 65535;
    } else {
      for (let i = 0; i < n; i++) out[i] = data[i] / 255;
    }
    return createGreyImage(info.width, info.height, out);
  }
}

function sourceBitDepth(meta: Metadata, format: SourceFormat): 8 | 16 {
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

/**
 * µm per pixel from TIFF resolution tags or the PNG pHYs chunk (sharp reports both as pixels per inch).
 * JPEG density is ignored (it is almost always a display default), and so are 72/96 dpi.
 */
function pixelSizeFrom(meta: Metadata, format: SourceFormat, warnings: string[]): number | undefined {
  if (format === 'jpeg' || meta.density === undefined || !(meta.density > 0)) return undefined;
  if (meta.resolutionUnit !== 'inch' && meta.resolutionUnit !== 'cm') return undefined; // unit-less aspect ratio only
  if (DEFAULT_DPI.has(meta.density)) {
    warnings.push(`The resolution tag says ${meta.density} dpi, a software default rather than a calibration; give the pixel size explicitly.`);
    return undefined;
  }
  return 25400 / meta.density;
}

/**
 * Map a libvips failure after the structural truncation check passed. Its messages cannot tell a cut file from a
 * damaged one (libjpeg says "premature end of data segment" for both), so the structure check alone decides truncation.
 */
function decodeError(e: unknown, format: SourceFormat, bytes: number): IngestError {
  if (e instanceof IngestError) return e;
  const detail = (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
  if (/pixel limit/i.test(detail)) {
    return new IngestError('too_many_pixels', `The image has more pixels than allowed (${detail}).`, { format, decoder: detail });
  }
  return new IngestError(
    'corrupt_image',
    `The file starts like a ${FORMAT_NAMES[format]} image but its contents are damaged and cannot be decoded (${detail}).`,
    { format, bytes, decoder: detail },
  );
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

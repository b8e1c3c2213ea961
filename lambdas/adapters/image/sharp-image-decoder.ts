import sharp, { type Metadata } from 'sharp';
import { IngestError } from '../../domain/errors.js';
import { createGreyImage } from '../../domain/image/grey-image.js';
import { DEFAULT_INGEST_LIMITS, type DecodedImage, type ImageDecoder, type IngestLimits, type SourceFormat } from '../../ports/image-codec.js';
import { FORMAT_NAMES, readImageHeader, sampleDepth } from './header.js';

/** Resolution tags this loose are software defaults (screen DPI), not a calibrated pixel size. */
const DEFAULT_DPI = new Set([72, 96]);

/** What EXIF orientations 2..8 do to a stored image to make it upright. */
const ORIENTATIONS: Record<number, string> = {
  2: 'mirrored left-right', 3: 'rotated 180°', 4: 'mirrored top-bottom', 5: 'mirrored and rotated 90°',
  6: 'rotated 90° clockwise', 7: 'mirrored and rotated 90° clockwise', 8: 'rotated 90° counter-clockwise',
};

/**
 * Decodes PNG/JPEG/TIFF uploads with sharp (libvips) to luminance in 0..1, keeping 16-bit precision.
 * The header checks (header.ts: bytes, signature, structure, size limits) run first, all before pixels are decoded;
 * only then the full decode, itself capped by limitInputPixels. An EXIF orientation is applied (the image is
 * inspected upright, as viewers show it) with a warning that says so.
 */
export class SharpImageDecoder implements ImageDecoder {
  async decode(bytes: Uint8Array, limits: IngestLimits = DEFAULT_INGEST_LIMITS): Promise<DecodedImage> {
    const header = await readImageHeader(bytes, limits);
    const { format, meta, width, height } = header;
    const name = FORMAT_NAMES[format];
    const bitDepth = sampleDepth(meta, format);
    const channels = meta.channels ?? 1;
    const warnings: string[] = [];
    const pages = meta.pages ?? 1;
    if (pages > 1) warnings.push(`The ${name} has ${pages} pages; only page 1 was inspected.`);
    if (meta.hasAlpha) warnings.push('The image has a transparency (alpha) channel; it was ignored.');
    if (header.orientation) {
      warnings.push(`The image carries EXIF orientation ${header.orientation} (${ORIENTATIONS[header.orientation]}); it was turned upright before inspection, so positions in the report are in the upright image.`);
    }

    const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const grey = await this.decodeLuminance(input, bitDepth, limits, header.orientation !== undefined).catch((e: unknown) => {
      throw decodeError(e, format, bytes.length);
    });
    if (grey.width !== width || grey.height !== height) {
      throw new IngestError('corrupt_image', `The ${name} header says ${width} x ${height} but the pixel data decodes to ${grey.width} x ${grey.height}.`, { format });
    }
    const pixelSizeUm = pixelSizeFrom(meta, format, warnings);
    return { image: grey, format, bitDepth, channels, ...(pixelSizeUm === undefined ? {} : { pixelSizeUm }), pages, warnings };
  }

  /** Luminance (libvips' colour→B_W conversion for RGB) as raw 8 or 16-bit samples, scaled to 0..1. */
  private async decodeLuminance(input: Buffer, bitDepth: 8 | 16, limits: IngestLimits, orient: boolean) {
    let pipeline = sharp(input, { failOn: 'warning', limitInputPixels: limits.maxPixels, page: 0, pages: 1 });
    if (orient) pipeline = pipeline.autoOrient();
    pipeline = pipeline.removeAlpha().toColourspace(bitDepth === 16 ? 'grey16' : 'b-w');
    const { data, info } = await (bitDepth === 16 ? pipeline.raw({ depth: 'ushort' }) : pipeline.raw()).toBuffer({ resolveWithObject: true });
    if (info.channels !== 1) throw new Error(`expected one luminance channel, got ${info.channels}`);
    const n = info.width * info.height;
    const out = new Float32Array(n);
    if (bitDepth === 16) {
      const samples = new Uint16Array(data.buffer, data.byteOffset, n);
      const scale = 1 / 65535;
      for (let i = 0; i < n; i++) out[i] = samples[i]! * scale;
    } else {
      const table = BYTE_TO_UNIT;
      for (let i = 0; i < n; i++) out[i] = table[data[i]!]!;
    }
    return createGreyImage(info.width, info.height, out);
  }
}

/** v / 255 for every byte, as Float32 (the same values as dividing each sample). */
const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

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

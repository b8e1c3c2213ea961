import type { GreyImage, RgbaImage } from '../domain/image/grey-image.js';

export interface IngestLimits {
  /** Largest accepted upload in bytes (default 200 MB). */
  readonly maxBytes: number;
  /** Largest accepted width*height (default 64 MP), checked from the header before a full decode. */
  readonly maxPixels: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = { maxBytes: 200 * 1024 * 1024, maxPixels: 64 * 1024 * 1024 };

export type SourceFormat = 'png' | 'jpeg' | 'tiff';

export interface DecodedImage {
  /** Luminance scaled to 0..1 from the source bit depth. */
  readonly image: GreyImage;
  readonly format: SourceFormat;
  readonly bitDepth: 8 | 16;
  readonly channels: number;
  /** Micrometres per pixel from the file's resolution tags, when it has them. */
  readonly pixelSizeUm?: number;
  readonly pages: number;
  readonly warnings: string[];
}

/** Decodes uploaded bytes; throws IngestError (domain/errors) with a distinct code for each kind of bad input. */
export interface ImageDecoder {
  decode(bytes: Uint8Array, limits?: IngestLimits): Promise<DecodedImage>;
}

/** Encodes rasters the pipeline renders (heatmaps, overlays) as PNG. */
export interface ImageEncoder {
  encodePng(image: RgbaImage | GreyImage): Promise<Uint8Array>;
}

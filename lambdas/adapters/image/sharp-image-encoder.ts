import sharp from 'sharp';
import type { GreyImage, RgbaImage } from '../../domain/image/grey-image.js';
import type { ImageEncoder } from '../../ports/image-codec.js';

/**
 * zlib level for rendered heatmaps/overlays: level 1 encodes a 1024² RGBA overlay several times faster than
 * sharp's default 6, for files only modestly larger (smooth colour maps compress well anyway).
 */
const PNG_OPTIONS = { compressionLevel: 1, adaptiveFiltering: false } as const;

/** PNG output for rendered rasters: RGBA as is; grey 0..1 (clamped) as 8-bit grey. */
export class SharpImageEncoder implements ImageEncoder {
  async encodePng(image: RgbaImage | GreyImage): Promise<Uint8Array> {
    const { width, height } = image;
    if (image.data instanceof Float32Array) {
      const grey = new Uint8Array(width * height);
      const src = image.data;
      for (let i = 0; i < grey.length; i++) {
        const v = src[i];
        grey[i] = v > 0 ? (v < 1 ? (v * 255 + 0.5) | 0 : 255) : 0; // NaN → 0
      }
      return new Uint8Array(await sharp(grey, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png(PNG_OPTIONS).toBuffer());
    }
    if (image.data.length !== width * height * 4) throw new RangeError(`RGBA data has ${image.data.length} bytes, expected ${width * height * 4}`);
    return new Uint8Array(await sharp(image.data, { raw: { width, height, channels: 4 } }).png(PNG_OPTIONS).toBuffer());
  }
}

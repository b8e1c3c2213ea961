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
    // Rendered heatmaps, overlays and phase maps are opaque: an RGB PNG holds the same pixels in a quarter less data,
    // compressed that much faster.
    const raw = sharp(image.data, { raw: { width, height, channels: 4 } });
    return new Uint8Array(await (opaque(image.data) ? raw.removeAlpha() : raw).png(PNG_OPTIONS).toBuffer());
  }
}

/** Every alpha byte is 255 (read four bytes at a time when the data is aligned). */
function opaque(data: Uint8ClampedArray | Uint8Array): boolean {
  if (data.byteOffset % 4 === 0) {
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length >>> 2);
    const alpha = new Uint8Array(new Uint32Array([0xff000000]).buffer)[3] === 0xff ? 0xff000000 : 0x000000ff;
    for (let i = 0; i < words.length; i++) if ((words[i]! & alpha) >>> 0 !== alpha >>> 0) return false;
    return true;
  }
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return false;
  return true;
}

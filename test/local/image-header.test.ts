import sharp from 'sharp';
import { SharpImageDecoder } from '../../lambdas/adapters/image/sharp-image-decoder.js';
import { checkImageHeader } from '../../lambdas/local/image-header.js';
import { DEFAULT_INGEST_LIMITS } from '../../lambdas/ports/image-codec.js';
import { makeTestImage, writeRawTiff } from '../support/images.js';

const busy = (x: number, y: number, c: number) => ((x * 37 + y * 91 + c * 13) % 101) / 100;
const decoder = new SharpImageDecoder();

/** The code a check rejects with (or 'accepted'). */
async function codeOf(check: Promise<unknown>): Promise<string> {
  return check.then(() => 'accepted', (e: { code?: string }) => e.code ?? `threw ${String(e)}`);
}

describe('door check (HTTP and inbox): the same answer as the pipeline decoder, before a job exists', () => {
  test.each<[string, () => Promise<Uint8Array>]>([
    ['PNG', () => makeTestImage({ format: 'png', width: 128, height: 128, value: busy })],
    ['JPEG', () => makeTestImage({ format: 'jpeg', width: 128, height: 128, channels: 3, value: busy })],
    ['TIFF', async () => writeRawTiff({ width: 128, height: 128, bitDepth: 16, value: busy })],
  ])('a truncated %s is refused at once as truncated_image (422), like the decoder', async (_name, make) => {
    const bytes = await make();
    for (const keep of [0.3, 0.6, 0.95]) {
      const cut = bytes.subarray(0, Math.floor(bytes.length * keep));
      await expect(checkImageHeader(cut, DEFAULT_INGEST_LIMITS)).rejects.toMatchObject({ code: 'truncated_image', status: 422 });
      expect(await codeOf(decoder.decode(cut))).toBe('truncated_image');
    }
    await expect(checkImageHeader(bytes, DEFAULT_INGEST_LIMITS)).resolves.toMatchObject({ width: 128, height: 128 });
  });

  test('tiny images, empty, foreign and oversized inputs get the decoder\'s codes', async () => {
    const cases: [Uint8Array, string][] = [
      [await makeTestImage({ format: 'png', width: 2, height: 2 }), 'image_too_small'],
      [await makeTestImage({ format: 'jpeg', width: 1, height: 1 }), 'image_too_small'],
      [new Uint8Array(0), 'empty_input'],
      [new TextEncoder().encode('{"not":"an image"}'), 'unsupported_format'],
      [await makeTestImage({ format: 'png', width: 300, height: 300 }), 'too_many_pixels'],
    ];
    const limits = { maxBytes: DEFAULT_INGEST_LIMITS.maxBytes, maxPixels: 256 * 256 };
    for (const [bytes, code] of cases) {
      expect([code, await codeOf(checkImageHeader(bytes, limits))]).toEqual([code, code]);
      expect([code, await codeOf(decoder.decode(bytes, limits))]).toEqual([code, code]);
    }
  });

  test('the size reported is the upright one (EXIF orientation applied)', async () => {
    const bytes = new Uint8Array(await sharp({ create: { width: 80, height: 40, channels: 3, background: '#888' } }).jpeg().withMetadata({ orientation: 8 }).toBuffer());
    await expect(checkImageHeader(bytes, DEFAULT_INGEST_LIMITS)).resolves.toEqual({ format: 'jpeg', width: 40, height: 80 });
  });
});

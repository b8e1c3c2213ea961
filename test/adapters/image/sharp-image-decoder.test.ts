import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { SharpImageDecoder } from '../../../lambdas/adapters/image/sharp-image-decoder.js';
import { IngestError } from '../../../lambdas/domain/errors.js';
import { DEFAULT_INGEST_LIMITS } from '../../../lambdas/ports/image-codec.js';
import { makeTestImage, testSamples, writeRawTiff, type TestFormat } from '../../support/images.js';

const decoder = new SharpImageDecoder();

async function rejection(bytes: Uint8Array, limits = DEFAULT_INGEST_LIMITS): Promise<IngestError> {
  try {
    await decoder.decode(bytes, limits);
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error('expected the decoder to reject the input');
}

/** A texture that compresses poorly, so a cut lands in pixel data rather than the header. */
const busy = (x: number, y: number, c: number) => ((x * 37 + y * 91 + c * 13) % 101) / 100;

describe('SharpImageDecoder: bad input, each with its own code', () => {
  test('empty input', async () => {
    const e = await rejection(new Uint8Array(0));
    expect(e.code).toBe('empty_input');
    expect(e.status).toBe(422);
  });

  test('more bytes than the limit, refused before looking at the content', async () => {
    const bytes = await makeTestImage({ format: 'png', width: 64, height: 64, value: busy });
    const e = await rejection(bytes, { maxBytes: bytes.length - 1, maxPixels: DEFAULT_INGEST_LIMITS.maxPixels });
    expect(e.code).toBe('input_too_large');
    expect(e.status).toBe(413);
    expect(e.message).toMatch(/limit/);
    // Garbage of the same size gets the same answer: the byte limit comes before any parsing.
    expect((await rejection(new Uint8Array(100), { maxBytes: 99, maxPixels: 1e9 })).code).toBe('input_too_large');
  });

  test('too many pixels for a small limit', async () => {
    const bytes = await makeTestImage({ format: 'tiff', width: 64, height: 64 });
    const e = await rejection(bytes, { maxBytes: DEFAULT_INGEST_LIMITS.maxBytes, maxPixels: 64 * 64 - 1 });
    expect(e.code).toBe('too_many_pixels');
    expect(e.details).toMatchObject({ width: 64, height: 64 });
  });

  test('too many pixels is judged from the header alone (a forged 50000x50000 header is refused, not decoded)', async () => {
    const png = await makeTestImage({ format: 'png', width: 32, height: 32 });
    const forged = Buffer.from(png);
    // IHDR data starts at byte 16: width, height; its CRC follows the 13 data bytes.
    forged.writeUInt32BE(50000, 16);
    forged.writeUInt32BE(50000, 20);
    forged.writeUInt32BE(crc32(forged.subarray(12, 29)), 29);
    const started = performance.now();
    const e = await rejection(new Uint8Array(forged));
    expect(e.code).toBe('too_many_pixels');
    expect(e.message).toMatch(/50000 x 50000/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test.each([
    ['GIF', async () => new Uint8Array(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).gif().toBuffer()), /GIF/],
    ['BMP', async () => new Uint8Array([0x42, 0x4d, ...new Array(60).fill(0)]), /BMP/],
    ['text', async () => new TextEncoder().encode('sample,porosity\nA1,0.42\n'), /text/],
    ['PDF', async () => new TextEncoder().encode('%PDF-1.7\n1 0 obj\n'), /PDF/],
  ])('unsupported format: %s is named, and the accepted formats listed', async (_name, make, looksLike) => {
    const e = await rejection(await make());
    expect(e.code).toBe('unsupported_format');
    expect(e.status).toBe(415);
    expect(e.message).toMatch(looksLike);
    expect(e.message).toMatch(/PNG, JPEG and TIFF/);
  });

  test.each([
    ['PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
    ['JPEG', [0xff, 0xd8, 0xff, 0xe0]],
  ])('corrupt: garbage after a valid %s signature', async (name, signature) => {
    const e = await rejection(new Uint8Array([...signature, ...new Array(400).fill(0x41)]));
    expect(e.code).toBe('corrupt_image');
    expect(e.message).toContain(name);
  });

  test.each(['png', 'jpeg', 'tiff'] as const)('corrupt: damaged pixel data in a complete %s', async (format) => {
    const bytes = await makeTestImage({ format, width: 128, height: 128, channels: 3, value: busy });
    const damaged = bytes.slice();
    for (let i = Math.floor(damaged.length * 0.4); i < damaged.length * 0.6; i++) damaged[i] ^= 0x5a;
    expect((await rejection(damaged)).code).toBe('corrupt_image');
  });

  test.each<[string, () => Promise<Uint8Array>]>([
    ['PNG', () => makeTestImage({ format: 'png', width: 128, height: 128, value: busy })],
    ['JPEG', () => makeTestImage({ format: 'jpeg', width: 128, height: 128, channels: 3, value: busy })],
    ['TIFF (directory at the end, as libvips writes)', () => makeTestImage({ format: 'tiff', width: 128, height: 128, value: busy })],
    ['TIFF (directory first, pixels cut)', async () => writeRawTiff({ width: 128, height: 128, bitDepth: 16, value: busy })],
  ])('truncated %s', async (_name, make) => {
    const bytes = await make();
    for (const keep of [0.5, 0.9]) {
      const e = await rejection(bytes.subarray(0, Math.floor(bytes.length * keep)));
      expect(e.code).toBe('truncated_image');
      expect(e.message).toMatch(/incomplete/);
    }
  });
});

describe('SharpImageDecoder: good input', () => {
  const cases: [TestFormat, 8 | 16, 1 | 2 | 3 | 4][] = [];
  for (const format of ['png', 'tiff'] as const) for (const depth of [8, 16] as const) for (const ch of [1, 2, 3, 4] as const) cases.push([format, depth, ch]);
  cases.push(['jpeg', 8, 1], ['jpeg', 8, 3]);

  test.each(cases)('%s %i-bit with %i channel(s) decodes to luminance in 0..1', async (format, bitDepth, channels) => {
    // Equal colour channels, so luminance equals the grey level whatever the weights; alpha varies and must not matter.
    const level = (x: number, y: number) => (x + 2 * y) / (48 + 2 * 32 - 3);
    const value = (x: number, y: number, c: number) => (c === 3 || (channels === 2 && c === 1) ? (x % 2 ? 0.3 : 1) : level(x, y));
    const bytes = await makeTestImage({ format, width: 48, height: 32, channels, bitDepth, value });
    const decoded = await decoder.decode(bytes);
    expect(decoded).toMatchObject({ format, bitDepth, channels, pages: 1 });
    expect(decoded.image.width).toBe(48);
    expect(decoded.image.height).toBe(32);
    const tolerance = format === 'jpeg' ? 0.03 : bitDepth === 16 ? 1e-4 : 1 / 255;
    let worst = 0;
    for (let y = 0; y < 32; y++) for (let x = 0; x < 48; x++) worst = Math.max(worst, Math.abs(decoded.image.data[y * 48 + x] - level(x, y)));
    expect(worst).toBeLessThanOrEqual(tolerance);
    if (channels === 2 || channels === 4) expect(decoded.warnings.join(' ')).toMatch(/alpha/);
  });

  test('16-bit values keep their precision (65535 → 1.0, 32768 ≈ 0.5, neighbours distinct)', async () => {
    const samples = [65535, 32768, 32769, 1, 0];
    for (const format of ['png', 'tiff'] as const) {
      const decoded = await decoder.decode(await makeTestImage({ format, width: 32, height: 32, bitDepth: 16, value: (x) => (samples[x] ?? 0) / 65535 }));
      const d = decoded.image.data;
      expect(d[0]).toBe(1);
      expect(d[1]).toBeCloseTo(32768 / 65535, 6);
      expect(d[2]).toBeGreaterThan(d[1]);
      expect(d[3]).toBeCloseTo(1 / 65535, 8);
      expect(d[4]).toBe(0);
    }
  });

  test('colour becomes luminance: green counts for more than blue, grey stays grey', async () => {
    const colours = [[0, 1, 0], [0, 0, 1], [0.5, 0.5, 0.5]];
    const bytes = await makeTestImage({ format: 'png', width: 33, height: 32, channels: 3, value: (x, _y, c) => colours[x % 3][c] });
    const d = (await decoder.decode(bytes)).image.data;
    expect(d[0]).toBeGreaterThan(d[1]);
    expect(d[2]).toBeCloseTo(0.5, 2);
  });

  test.each([
    ['TIFF in cm (sharp)', () => makeTestImage({ format: 'tiff', width: 32, height: 32, pixelsPerCm: 20000 }), 0.5],
    ['TIFF in cm', async () => writeRawTiff({ width: 32, height: 32, pixelsPerCm: 40000 }), 0.25],
    ['TIFF in inches', async () => writeRawTiff({ width: 32, height: 32, pixelsPerCm: 1000, resolutionUnit: 'inch' }), 10],
    ['PNG pHYs', () => makeTestImage({ format: 'png', width: 32, height: 32, pixelsPerCm: 5000 }), 2],
  ])('pixel size from resolution tags: %s', async (_name, make, um) => {
    const decoded = await decoder.decode(await make());
    expect(decoded.pixelSizeUm).toBeCloseTo(um, 3);
  });

  test('no pixel size without resolution tags, with unit-less tags, or with a 72 dpi default (warned)', async () => {
    expect((await decoder.decode(writeRawTiff({ width: 32, height: 32 }))).pixelSizeUm).toBeUndefined();
    expect((await decoder.decode(writeRawTiff({ width: 32, height: 32, pixelsPerCm: 100, resolutionUnit: 'none' }))).pixelSizeUm).toBeUndefined();
    expect((await decoder.decode(await makeTestImage({ format: 'png', width: 32, height: 32 }))).pixelSizeUm).toBeUndefined();
    const screen = await decoder.decode(writeRawTiff({ width: 32, height: 32, pixelsPerCm: 72 / 2.54, resolutionUnit: 'inch' }));
    expect(screen.pixelSizeUm).toBeUndefined();
    expect(screen.warnings.join(' ')).toMatch(/72 dpi/);
  });

  test('multi-page TIFF: page 1 is decoded and the warning names the page count', async () => {
    for (const bytes of [await makeTestImage({ format: 'tiff', width: 32, height: 40, pages: 3 }), writeRawTiff({ width: 32, height: 40, pages: 5, bitDepth: 16 })]) {
      const decoded = await decoder.decode(bytes);
      expect(decoded.image.height).toBe(40);
      expect(decoded.warnings.join(' ')).toMatch(new RegExp(`${decoded.pages} pages`));
      expect(decoded.pages).toBeGreaterThan(1);
    }
  });

  test('a view into a larger buffer decodes only its own bytes', async () => {
    const bytes = await makeTestImage({ format: 'png', width: 32, height: 32 });
    const padded = new Uint8Array(bytes.length + 20);
    padded.set(bytes, 10);
    const decoded = await decoder.decode(padded.subarray(10, 10 + bytes.length));
    const expected = testSamples({ width: 32, height: 32 });
    expect(Array.from(decoded.image.data, (v) => Math.round(v * 255))).toEqual(Array.from(expected));
  });
});

describe('SharpImageDecoder: size limits and orientation', () => {
  test.each([[1, 1], [2, 2], [4, 4], [31, 200], [200, 31]])('a %i x %i image is refused as image_too_small (422), not an internal error later', async (width, height) => {
    const bytes = await makeTestImage({ format: 'png', width, height });
    await expect(decoder.decode(bytes)).rejects.toMatchObject({ code: 'image_too_small', status: 422, message: expect.stringMatching(/at least 32 x 32/) });
  });

  test.each(['jpeg', 'png', 'tiff'] as const)('EXIF orientation 6 in a %s is applied (the image is inspected upright) and warned about', async (format) => {
    const [w, h] = [64, 32];
    const px = new Uint8Array(w * h);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) px[y * w + x] = 255; // a bright block at the stored top-left
    const stored = sharp(px, { raw: { width: w, height: h, channels: 1 } });
    const bytes = new Uint8Array(await (format === 'jpeg' ? stored.jpeg({ quality: 100 }) : format === 'png' ? stored.png() : stored.tiff()).withMetadata({ orientation: 6 }).toBuffer());
    const decoded = await decoder.decode(bytes);
    expect([decoded.image.width, decoded.image.height]).toEqual([32, 64]);
    // Rotated 90° clockwise: the stored top-left block is now at the top-right.
    expect(decoded.image.data[2 * 32 + 29]).toBeGreaterThan(0.8);
    expect(decoded.image.data[2 * 32 + 2]).toBeLessThan(0.2);
    expect(decoded.warnings.join(' ')).toMatch(/EXIF orientation 6 .*turned upright/);
  });

  test('an upright image gets no orientation warning', async () => {
    const decoded = await decoder.decode(await makeTestImage({ format: 'jpeg', width: 64, height: 32, channels: 3 }));
    expect(decoded.warnings.join(' ')).not.toMatch(/orientation/);
  });
});

/**
 * The fault-injection corpus: bad (and odd but valid) inputs generated on the fly, each with what every entry point
 * must make of it. `door` inputs are refused before a job exists by the HTTP API and the inbox (the CLI and the
 * cloud, which have no door, record a failed report with the same code); the others become jobs that end in a
 * failed report with `code`, or complete (`code: null`: valid inputs in unusual encodings, warned about).
 */
import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { createRandom } from '../../../lambdas/domain/synth/random.js';
import { micrographPng } from '../../local/support.js';
import { makeTestImage, writeRawTiff } from '../../support/images.js';

export interface CorpusCase {
  /** Also the file name used for the inbox and the CLI: hostile ones included. */
  readonly name: string;
  readonly kind: string;
  readonly bytes: Uint8Array;
  /** The code the input ends with, or null when it is inspected (completed report). */
  readonly code: string | null;
  /** Refused at the door (HTTP 4xx, inbox failed/ without a report). */
  readonly door: boolean;
  /** A metadata sidecar / sheet that goes with the image. */
  readonly metadata?: string;
  /** A warning the completed report must carry. */
  readonly warning?: RegExp;
}

const busy = (x: number, y: number, c: number) => ((x * 37 + y * 91 + c * 13) % 101) / 100;

function pngWithIhdr(png: Uint8Array, width: number, height: number): Uint8Array {
  const forged = Buffer.from(png);
  forged.writeUInt32BE(width, 16);
  forged.writeUInt32BE(height, 20);
  forged.writeUInt32BE(crc32(forged.subarray(12, 29)), 29);
  return new Uint8Array(forged);
}

/** A JPEG whose SOF0 frame header says width × height (the entropy data is the original's). */
function jpegWithFrame(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const out = Buffer.from(jpeg);
  for (let i = 2; i < out.length - 9; i++) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return new Uint8Array(out);
    }
  }
  throw new Error('no SOF marker');
}

/** Scrambles the middle fifth of a file: the structure at both ends stays, the pixel data does not. */
function scrambled(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  for (let i = Math.floor(out.length * 0.4); i < out.length * 0.6; i++) out[i]! ^= 0x5a;
  return out;
}

const cut = (bytes: Uint8Array, keep: number) => bytes.slice(0, Math.floor(bytes.length * keep));

export async function buildCorpus(): Promise<CorpusCase[]> {
  const rng = createRandom(12);
  const random = (n: number) => Uint8Array.from({ length: n }, () => rng.int(0, 255));
  const png = await micrographPng(401, 96);
  const png16 = await makeTestImage({ format: 'png', width: 96, height: 96, bitDepth: 16, value: busy });
  const jpeg = await makeTestImage({ format: 'jpeg', width: 96, height: 96, channels: 3, value: busy });
  const tiff = await makeTestImage({ format: 'tiff', width: 96, height: 96, value: busy });
  const rawTiff = writeRawTiff({ width: 96, height: 96, bitDepth: 16, value: busy });
  const grey = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#777' } });
  const b = async (s: Sharp) => new Uint8Array(await s.toBuffer());

  const cases: CorpusCase[] = [
    // Nothing or not an image.
    { kind: 'zero-byte', name: 'empty.png', bytes: new Uint8Array(0), code: 'empty_input', door: true },
    { kind: 'random bytes', name: 'random.png', bytes: random(4096), code: 'unsupported_format', door: true },
    { kind: 'one random byte', name: 'one-byte.tif', bytes: random(1), code: 'unsupported_format', door: true },
    { kind: 'text named .png', name: 'notes.png', bytes: new TextEncoder().encode('sample,porosity\nA1,0.42\n'), code: 'unsupported_format', door: true },
    { kind: 'GIF', name: 'image.gif.png', bytes: await b(grey(40, 40).gif()), code: 'unsupported_format', door: true },
    { kind: 'BMP', name: 'bitmap.png', bytes: new Uint8Array([0x42, 0x4d, ...random(200)]), code: 'unsupported_format', door: true },
    { kind: 'PDF', name: 'sheet.pdf.png', bytes: new TextEncoder().encode('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'), code: 'unsupported_format', door: true },
    { kind: 'SVG', name: 'vector.png', bytes: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="9000"/>'), code: 'unsupported_format', door: true },
    { kind: 'ZIP', name: 'archive.tif', bytes: new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...random(100)]), code: 'unsupported_format', door: true },
    { kind: 'WebP', name: 'photo.jpg', bytes: await b(grey(40, 40).webp()), code: 'unsupported_format', door: true },
    // Truncated, per format.
    { kind: 'truncated PNG (half)', name: 'cut-half.png', bytes: cut(png, 0.5), code: 'truncated_image', door: true },
    { kind: 'truncated PNG (signature only)', name: 'cut-signature.png', bytes: png.slice(0, 8), code: 'truncated_image', door: true },
    { kind: 'truncated PNG (before IEND)', name: 'cut-end.png', bytes: png.slice(0, png.length - 12), code: 'truncated_image', door: true },
    { kind: 'truncated JPEG (half)', name: 'cut-half.jpg', bytes: cut(jpeg, 0.5), code: 'truncated_image', door: true },
    { kind: 'truncated JPEG (no end marker)', name: 'cut-end.jpg', bytes: jpeg.slice(0, jpeg.length - 2), code: 'truncated_image', door: true },
    { kind: 'truncated TIFF (half)', name: 'cut-half.tif', bytes: cut(rawTiff, 0.5), code: 'truncated_image', door: true },
    { kind: 'truncated TIFF (header only)', name: 'cut-header.tif', bytes: rawTiff.slice(0, 6), code: 'truncated_image', door: true },
    // Damaged but complete.
    { kind: 'PNG with a cut IHDR', name: 'bad-header.png', bytes: png.slice(0, 20), code: 'corrupt_image', door: true },
    { kind: 'PNG with scrambled pixel data', name: 'scrambled.png', bytes: scrambled(png), code: 'corrupt_image', door: false },
    { kind: 'TIFF with scrambled pixel data', name: 'scrambled.tif', bytes: scrambled(tiff), code: 'corrupt_image', door: false },
    // Bomb headers: the size is judged from the header, nothing is decoded.
    { kind: 'PNG bomb header 50000²', name: 'bomb.png', bytes: pngWithIhdr(png, 50000, 50000), code: 'too_many_pixels', door: true },
    { kind: 'PNG header one pixel over 64 MP', name: 'bomb-edge.png', bytes: pngWithIhdr(png, 8193, 8192), code: 'too_many_pixels', door: true },
    { kind: 'JPEG bomb header 65000²', name: 'bomb.jpg', bytes: jpegWithFrame(jpeg, 65000, 65000), code: 'too_many_pixels', door: true },
    { kind: 'TIFF bomb header 100000²', name: 'bomb.tif', bytes: tiffWithSize(rawTiff, 100000, 100000), code: 'too_many_pixels', door: true },
    // Too small.
    { kind: '1×1 image', name: 'dot.png', bytes: await makeTestImage({ format: 'png', width: 1, height: 1 }), code: 'image_too_small', door: true },
    { kind: '2×2 image', name: 'tiny.png', bytes: await makeTestImage({ format: 'png', width: 2, height: 2 }), code: 'image_too_small', door: true },
    { kind: '31×400 strip', name: 'strip.png', bytes: await makeTestImage({ format: 'png', width: 31, height: 400 }), code: 'image_too_small', door: true },
    // Sample formats.
    { kind: '32-bit float TIFF', name: 'float.tif', bytes: floatTiff(64, 64), code: 'unsupported_format', door: true },
    { kind: '16-bit PNG', name: 'deep.png', bytes: png16, code: null, door: false },
    { kind: '16-bit TIFF', name: 'deep.tif', bytes: rawTiff, code: null, door: false },
    { kind: 'CMYK JPEG', name: 'cmyk.jpg', bytes: await b(sharp(await b(grey(96, 96).png())).toColourspace('cmyk').jpeg()), code: null, door: false },
    { kind: 'CMYK TIFF', name: 'cmyk.tif', bytes: await b(sharp(await b(grey(96, 96).png())).toColourspace('cmyk').tiff()), code: null, door: false },
    { kind: 'PNG with alpha', name: 'alpha.png', bytes: await makeTestImage({ format: 'png', width: 96, height: 96, channels: 4, value: busy }), code: null, door: false, warning: /alpha/ },
    { kind: 'multi-page TIFF', name: 'pages.tif', bytes: writeRawTiff({ width: 64, height: 64, pages: 3, value: busy }), code: null, door: false, warning: /3 pages/ },
    { kind: 'EXIF-rotated JPEG', name: 'rotated.jpg', bytes: await b(sharp(jpeg).withMetadata({ orientation: 6 }).jpeg()), code: null, door: false, warning: /orientation 6/ },
    // Metadata.
    { kind: 'invalid metadata values', name: 'bad-sheet.png', bytes: png, code: 'validation_failed', door: true, metadata: JSON.stringify({ sulfurLoadingWtPct: 'abc', pixelSizeUm: -5 }) },
    { kind: 'metadata that is not JSON', name: 'broken-sheet.png', bytes: png, code: 'validation_failed', door: true, metadata: '{"batchId": ' },
    { kind: 'huge metadata (5 MB)', name: 'huge-sheet.png', bytes: png, code: 'input_too_large', door: true, metadata: JSON.stringify({ batchId: 'B1', processNotes: 'x'.repeat(5 * 1024 * 1024) }) },
    { kind: 'pixel-size bomb in the sheet (4 µm/px on a 0.1 µm/px profile)', name: 'pixel-bomb.png', bytes: await micrographPng(402, 300), code: 'too_many_pixels', door: false, metadata: JSON.stringify({ pixelSizeUm: 40 }) },
    // Hostile names (the content is a good micrograph).
    { kind: 'name with a newline and a fake log line', name: 'evil\n2026-01-01T00:00:00Z mmdo: job x: completed.png', bytes: await micrographPng(403, 64), code: null, door: false },
    { kind: 'name with shell metacharacters', name: '$(rm -rf ~);`id`|x.png', bytes: await micrographPng(404, 64), code: null, door: false },
    { kind: 'unicode and spaces', name: 'Probe Ω ünïcödé 日本.png', bytes: await micrographPng(405, 64), code: null, door: false },
    { kind: 'a 250-character name', name: `${'n'.repeat(246)}.png`, bytes: await micrographPng(406, 64), code: null, door: false },
  ];
  return cases;
}

/** A TIFF whose first directory claims width × height (ImageWidth/ImageLength patched). */
function tiffWithSize(tiff: Uint8Array, width: number, height: number): Uint8Array {
  const out = tiff.slice();
  const view = new DataView(out.buffer);
  const ifd = view.getUint32(4, true);
  const entries = view.getUint16(ifd, true);
  for (let e = 0; e < entries; e++) {
    const at = ifd + 2 + e * 12;
    const tag = view.getUint16(at, true);
    if (tag === 256) view.setUint32(at + 8, width, true);
    if (tag === 257) view.setUint32(at + 8, height, true);
  }
  return out;
}

/** An uncompressed single-strip TIFF of 32-bit IEEE floats (SampleFormat 3), as scientific cameras write. */
function floatTiff(width: number, height: number): Uint8Array {
  const tags: [number, number, number, number][] = [
    [256, 4, 1, width], [257, 4, 1, height], [258, 3, 1, 32], [259, 3, 1, 1], [262, 3, 1, 1],
    [273, 4, 1, 0], [277, 3, 1, 1], [278, 4, 1, height], [279, 4, 1, width * height * 4], [339, 3, 1, 3],
  ];
  const ifdSize = 2 + tags.length * 12 + 4;
  const pixels = 8 + ifdSize;
  const out = new Uint8Array(pixels + width * height * 4);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 0x2a, 0x00]);
  view.setUint32(4, 8, true);
  view.setUint16(8, tags.length, true);
  tags.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, count, true);
    if (type === 3) view.setUint16(at + 8, value, true);
    else view.setUint32(at + 8, tag === 273 ? pixels : value, true);
  });
  for (let i = 0; i < width * height; i++) view.setFloat32(pixels + i * 4, (i % width) / width, true);
  return out;
}

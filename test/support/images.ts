/**
 * Test image bytes made on the fly (tests never need ../shared): PNG/JPEG/TIFF through sharp, and a tiny
 * uncompressed TIFF writer for layouts sharp cannot produce (no resolution tags, directory before the pixels).
 */
import sharp from 'sharp';

export type TestFormat = 'png' | 'jpeg' | 'tiff';

export interface TestImageSpec {
  readonly format: TestFormat;
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA (default 1). */
  readonly channels?: 1 | 2 | 3 | 4;
  /** Default 8; JPEG is 8 only. */
  readonly bitDepth?: 8 | 16;
  /** Sample value in 0..1 for pixel (x, y), channel c (default: a smooth ramp). */
  readonly value?: (x: number, y: number, c: number) => number;
  /** TIFF resolution written as pixels per centimetre (PNG: pHYs); µm/px = 10000 / pixelsPerCm. */
  readonly pixelsPerCm?: number;
  /** TIFF pages (default 1); every page gets the same pixels. */
  readonly pages?: number;
}

/** Raw interleaved samples (Uint8Array or Uint16Array by depth) for a spec. */
export function testSamples(spec: Omit<TestImageSpec, 'format'>): Uint8Array | Uint16Array {
  const { width, height } = spec;
  const channels = spec.channels ?? 1;
  const max = (spec.bitDepth ?? 8) === 16 ? 65535 : 255;
  const value = spec.value ?? ((x: number, y: number) => (x + y) / Math.max(1, width + height - 2));
  const out = max === 255 ? new Uint8Array(width * height * channels) : new Uint16Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) out[(y * width + x) * channels + c] = Math.round(Math.min(1, Math.max(0, value(x, y, c))) * max);
    }
  }
  return out;
}

/** Encode a spec with sharp; 16-bit sources stay 16-bit, TIFF is LZW-compressed (sharp's default is lossy JPEG). */
export async function makeTestImage(spec: TestImageSpec): Promise<Uint8Array> {
  const channels = spec.channels ?? 1;
  const sixteen = (spec.bitDepth ?? 8) === 16;
  const pages = spec.pages ?? 1;
  const page = testSamples(spec);
  const samples = sixteen ? new Uint16Array(page.length * pages) : new Uint8Array(page.length * pages);
  for (let p = 0; p < pages; p++) samples.set(page, p * page.length);
  let img = sharp(samples, {
    raw: { width: spec.width, height: spec.height * pages, channels, ...(pages > 1 ? { pageHeight: spec.height } : {}) },
  });
  const colour = channels >= 3;
  img = img.toColourspace(sixteen ? (colour ? 'rgb16' : 'grey16') : colour ? 'srgb' : 'b-w');
  switch (spec.format) {
    case 'png': {
      const png = img.png();
      const out = spec.pixelsPerCm ? png.withDensity(spec.pixelsPerCm * 2.54) : png;
      return new Uint8Array(await out.toBuffer());
    }
    case 'jpeg':
      if (sixteen) throw new Error('JPEG test images are 8-bit only');
      return new Uint8Array(await img.jpeg({ quality: 95 }).toBuffer());
    case 'tiff': {
      const res = spec.pixelsPerCm ? { xres: spec.pixelsPerCm / 10, yres: spec.pixelsPerCm / 10, resolutionUnit: 'cm' as const } : {};
      return new Uint8Array(await img.tiff({ compression: 'lzw', ...res }).toBuffer());
    }
  }
}

/**
 * A baseline uncompressed TIFF with the directory right after the header and the pixels last (so cutting the
 * file loses pixel data, not the directory), optional resolution tags, and any number of identical pages.
 */
export function writeRawTiff(spec: Omit<TestImageSpec, 'format'> & { readonly resolutionUnit?: 'none' | 'inch' | 'cm' }): Uint8Array {
  const { width, height } = spec;
  const channels = spec.channels ?? 1;
  const bits = spec.bitDepth ?? 8;
  const pages = spec.pages ?? 1;
  const samples = testSamples(spec);
  const pixelBytes = samples.length * (bits / 8);
  const withRes = spec.pixelsPerCm !== undefined;
  const alpha = channels === 2 || channels === 4;
  const entryCount = 9 + (withRes ? 3 : 0) + (alpha ? 1 : 0);
  const ifdSize = 2 + entryCount * 12 + 4;
  const extraSize = 8 + 8 * 2 + channels * 2; // (spare) + two rationals + BitsPerSample array
  const pageHeader = ifdSize + extraSize;
  const total = 8 + pages * (pageHeader + pixelBytes);
  const buf = new Uint8Array(total);
  const view = new DataView(buf.buffer);
  buf.set([0x49, 0x49, 0x2a, 0x00]);
  view.setUint32(4, 8, true);
  let at = 8;
  for (let p = 0; p < pages; p++) {
    const ifd = at;
    const extra = ifd + ifdSize;
    const pixels = extra + extraSize;
    const next = p + 1 < pages ? pixels + pixelBytes : 0;
    const entries: [number, number, number, number][] = [
      [256, 4, 1, width],
      [257, 4, 1, height],
      [258, 3, channels, channels === 1 ? bits : extra + 24],
      [259, 3, 1, 1],
      [262, 3, 1, channels >= 3 ? 2 : 1],
      [273, 4, 1, pixels],
      [277, 3, 1, channels],
      [278, 4, 1, height],
      [279, 4, 1, pixelBytes],
    ];
    if (withRes) entries.push([282, 5, 1, extra + 8], [283, 5, 1, extra + 16], [296, 3, 1, { none: 1, inch: 2, cm: 3 }[spec.resolutionUnit ?? 'cm']]);
    if (alpha) entries.push([338, 3, 1, 2]); // ExtraSamples: unassociated alpha
    entries.sort((a, b) => a[0] - b[0]);
    view.setUint16(ifd, entries.length, true);
    entries.forEach(([tag, type, count, value], i) => {
      const e = ifd + 2 + i * 12;
      view.setUint16(e, tag, true);
      view.setUint16(e + 2, type, true);
      view.setUint32(e + 4, count, true);
      if (tag === 258 && channels <= 2) for (let c = 0; c < channels; c++) view.setUint16(e + 8 + c * 2, bits, true); // fits inline
      else if (type === 3 && count === 1) view.setUint16(e + 8, value, true);
      else view.setUint32(e + 8, value, true);
    });
    view.setUint32(ifd + 2 + entries.length * 12, next, true);
    if (withRes) {
      const perUnit = spec.resolutionUnit === 'inch' ? spec.pixelsPerCm! * 2.54 : spec.pixelsPerCm!;
      for (const off of [extra + 8, extra + 16]) {
        view.setUint32(off, Math.round(perUnit * 1000), true);
        view.setUint32(off + 4, 1000, true);
      }
    }
    for (let c = 0; c < channels; c++) view.setUint16(extra + 24 + c * 2, bits, true);
    if (bits === 8) buf.set(samples as Uint8Array, pixels);
    else for (let i = 0; i < samples.length; i++) view.setUint16(pixels + i * 2, samples[i], true);
    at = pixels + pixelBytes;
  }
  return buf;
}

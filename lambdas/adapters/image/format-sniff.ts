import type { SourceFormat } from '../../ports/image-codec.js';

export type SniffResult = { readonly accepted: true; readonly format: SourceFormat } | { readonly accepted: false; readonly looksLike: string };

const startsWith = (bytes: Uint8Array, sig: readonly number[], at = 0): boolean => sig.every((b, i) => bytes[at + i] === b);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** Formats people upload by mistake, recognised by their signature so the error can name them. */
const OTHER_FORMATS: readonly { readonly name: string; readonly test: (b: Uint8Array) => boolean }[] = [
  { name: 'a GIF image', test: (b) => startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a')) },
  { name: 'a BMP image', test: (b) => startsWith(b, ascii('BM')) && b.length >= 14 },
  { name: 'a PDF document', test: (b) => startsWith(b, ascii('%PDF')) },
  { name: 'a WebP image', test: (b) => startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8) },
  { name: 'a HEIF/AVIF image', test: (b) => startsWith(b, ascii('ftyp'), 4) },
  { name: 'a JPEG 2000 image', test: (b) => startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50]) || startsWith(b, [0xff, 0x4f, 0xff, 0x51]) },
  { name: 'an SVG or XML document', test: (b) => /^\s*<(\?xml|svg|!DOCTYPE)/i.test(textPrefix(b)) },
  { name: 'a ZIP archive (or an Office document)', test: (b) => startsWith(b, [0x50, 0x4b, 0x03, 0x04]) },
  { name: 'a gzip archive', test: (b) => startsWith(b, [0x1f, 0x8b]) },
  { name: 'a DICOM file', test: (b) => startsWith(b, ascii('DICM'), 128) },
];

/** Identify the container from its first bytes (never from a file name, which uploads may not have). */
export function sniffFormat(bytes: Uint8Array): SniffResult {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { accepted: true, format: 'png' };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { accepted: true, format: 'jpeg' };
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return { accepted: true, format: 'tiff' };
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])) return { accepted: true, format: 'tiff' }; // BigTIFF
  const other = OTHER_FORMATS.find((f) => f.test(bytes));
  if (other) return { accepted: false, looksLike: other.name };
  return { accepted: false, looksLike: looksLikeText(bytes) ? 'plain text (not an image)' : 'an unrecognised binary file' };
}

function textPrefix(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 256));
}

/** Mostly printable ASCII/UTF-8 in the first KiB (CSV exports, logs, pasted base64). */
function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 1024);
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0x80) printable++;
    else if (b === 0) return false;
  }
  return n > 0 && printable / n > 0.95;
}

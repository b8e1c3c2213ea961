import type { SourceFormat } from '../../ports/image-codec.js';

/**
 * Cheap structural checks that tell a file cut short (interrupted upload or copy) from one whose contents are
 * damaged: the decoders report both as a generic read error. Returns a reason when the file is evidently truncated.
 */
export function findTruncation(bytes: Uint8Array, format: SourceFormat): string | undefined {
  switch (format) {
    case 'png':
      return pngTruncation(bytes);
    case 'jpeg':
      return jpegTruncation(bytes);
    case 'tiff':
      return tiffTruncation(bytes);
  }
}

/**
 * PNG is a chain of length-prefixed chunks, IHDR first and IEND last: a well-formed chain that runs past the end or
 * stops before IEND was cut short. A malformed chain (bad chunk name), or a file that ends inside its IHDR, is damage.
 */
function pngTruncation(b: Uint8Array): string | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 8;
  while (at + 8 <= b.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(b[at + 4], b[at + 5], b[at + 6], b[at + 7]);
    if (!/^[A-Za-z]{4}$/.test(type) || (at === 8 && (type !== 'IHDR' || length !== 13))) return undefined;
    const end = at + 12 + length;
    // Like JPEG below: truncation is claimed only once the header chunk is complete; a cut inside it is damage.
    if (end > b.length) return at === 8 ? undefined : `the PNG's '${type}' chunk needs ${end - b.length} more bytes than the file has`;
    if (type === 'IEND') return undefined;
    at = end;
  }
  return 'the PNG ends before its closing IEND chunk';
}

/**
 * JPEG is a chain of marker segments up to the first start-of-scan (FF DA), then entropy-coded data that cannot
 * contain FF D9 (FF is byte-stuffed), so a complete file has an end-of-image marker (FF D9) after the first SOS.
 * Truncation is claimed only once the chain has reached the frame header (SOF), so a damaged header whose garbage
 * lengths point past the end is reported as damage.
 */
function jpegTruncation(b: Uint8Array): string | undefined {
  let at = 2;
  let frame = false;
  const cut = (reason: string): string | undefined => (frame ? reason : undefined);
  while (true) {
    if (at + 2 > b.length) return cut('the JPEG ends before its image data starts');
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
      continue;
    }
    if (at + 4 > b.length) return cut('the JPEG ends inside a header segment');
    const length = (b[at + 2] << 8) | b[at + 3];
    if (length < 2) return undefined;
    if (at + 2 + length > b.length) return cut('the JPEG ends inside a header segment');
    if (marker === 0xda) break;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) frame = true;
    at += 2 + length;
  }
  for (let i = at + 2; i < b.length - 1; i++) if (b[i] === 0xff && b[i + 1] === 0xd9) return undefined;
  return 'the JPEG image data stops without its end-of-image marker';
}

/** Classic TIFF: the first directory and the pixel strips/tiles it points to must lie inside the file. */
function tiffTruncation(b: Uint8Array): string | undefined {
  if (b.length < 8) return 'the TIFF header is incomplete';
  const little = b[0] === 0x49;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (view.getUint16(2, little) !== 42) return undefined; // BigTIFF: leave it to the decoder
  const ifd = view.getUint32(4, little);
  if (ifd < 8) return undefined; // malformed header: damage, not truncation
  if (ifd + 2 > b.length) return `the TIFF's image directory starts at byte ${ifd}, past the end of the ${b.length}-byte file`;
  const entries = view.getUint16(ifd, little);
  if (ifd + 2 + entries * 12 > b.length) return "the TIFF's image directory runs past the end of the file";
  const tags = new Map<number, number[]>();
  for (let e = 0; e < entries; e++) {
    const at = ifd + 2 + e * 12;
    const tag = view.getUint16(at, little);
    const type = view.getUint16(at + 2, little);
    const count = view.getUint32(at + 4, little);
    const size = type === 3 ? 2 : type === 4 ? 4 : 0;
    if (size === 0 || ![273, 279, 324, 325].includes(tag)) continue;
    const inline = count * size <= 4;
    const base = inline ? at + 8 : view.getUint32(at + 8, little);
    if (base + count * size > b.length) return "the TIFF's strip table runs past the end of the file";
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(size === 2 ? view.getUint16(base + i * 2, little) : view.getUint32(base + i * 4, little));
    tags.set(tag, values);
  }
  const offsets = tags.get(273) ?? tags.get(324) ?? [];
  const counts = tags.get(279) ?? tags.get(325) ?? [];
  let needed = 0;
  for (let i = 0; i < Math.min(offsets.length, counts.length); i++) needed = Math.max(needed, offsets[i] + counts[i]);
  if (needed > b.length) return `the TIFF's pixel data needs ${needed} bytes but the file has ${b.length}`;
  return undefined;
}

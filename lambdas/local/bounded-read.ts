import { open } from 'node:fs/promises';
import { IngestError, MmdoError } from '../domain/errors.js';

/** Largest synthesis sheet read (JSON, YAML, CSV, text or PDF): a lab sheet is kilobytes. */
export const MAX_SHEET_BYTES = 4 * 1024 * 1024;

const CHUNK = 1024 * 1024;

/**
 * Reads a file, never more than `maxBytes`: a regular file is measured first and refused without reading when it is
 * larger; anything else (a pipe, /dev/stdin, a device like /dev/zero that never ends) is read chunk by chunk and
 * refused as soon as it passes the limit. Directories are refused. Errors are `input_too_large` (413) or
 * `not_a_file` (422); a missing file keeps its ENOENT.
 */
export async function readFileWithin(path: string, maxBytes: number, what = 'file'): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new MmdoError('not_a_file', `${path} is a directory, not a ${what}`, 422, { path });
    if (info.isFile() && info.size > maxBytes) throw tooLarge(path, what, info.size, maxBytes);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(CHUNK, maxBytes + 1 - total);
      const buffer = new Uint8Array(want);
      const { bytesRead } = await handle.read(buffer, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(path, what, undefined, maxBytes);
    }
    if (chunks.length === 1) return chunks[0]!;
    const out = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  } finally {
    await handle.close();
  }
}

function tooLarge(path: string, what: string, size: number | undefined, maxBytes: number): IngestError {
  const has = size === undefined ? `more than ${maxBytes} bytes` : `${size} bytes`;
  return new IngestError('input_too_large', `${path}: the ${what} has ${has}; the limit is ${maxBytes} bytes`, { path, maxBytes, ...(size === undefined ? {} : { bytes: size }) });
}

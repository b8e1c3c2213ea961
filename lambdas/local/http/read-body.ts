import { IngestError } from '../../domain/errors.js';

/**
 * Reads a request body chunk by chunk and stops as soon as it passes `limit`, so an oversized upload is refused
 * after at most `limit` bytes in memory instead of being buffered whole.
 */
export async function readBodyWithLimit(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export function tooLarge(limit: number, declared?: number): IngestError {
  const what = declared === undefined ? 'The request body is larger than' : `The request declares ${declared} bytes, more than`;
  return new IngestError('input_too_large', `${what} the upload limit of ${limit} bytes.`, { maxBytes: limit, ...(declared === undefined ? {} : { declared }) });
}

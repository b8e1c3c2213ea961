import { IngestError, MmdoError } from '../domain/errors.js';

/** Past the limit, the rest of a refused body is read and dropped (up to this much, for this long) so the client gets its 413 instead of a reset. */
const DRAIN_MAX_BYTES = 512 * 1024 * 1024;
const DRAIN_MAX_MS = 60_000;

/** The client went away before its body arrived: an expected event, logged in one line and never with a stack. */
export class ClientAbortedError extends MmdoError {
  constructor() {
    super('client_aborted', 'The client closed the connection before the request body arrived.', 400);
  }
}

/**
 * Reads a request body chunk by chunk and stops keeping it as soon as it passes `limit`, so an oversized upload
 * costs at most `limit` bytes of memory. The refused rest is drained in the background (bounded), because closing
 * the connection while a client is still sending resets it before it can read the 413.
 */
export async function readBodyWithLimit(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: Awaited<ReturnType<typeof reader.read>>;
    try {
      step = await reader.read();
    } catch {
      throw new ClientAbortedError();
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > limit) {
      void drain(reader);
      throw tooLarge(limit);
    }
    chunks.push(step.value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const deadline = Date.now() + DRAIN_MAX_MS;
  let drained = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      drained += value.byteLength;
      if (drained > DRAIN_MAX_BYTES || Date.now() > deadline) break;
    }
    await reader.cancel();
  } catch {
    // The client is gone: nothing left to drain.
  }
}

export function tooLarge(limit: number, declared?: number): IngestError {
  const what = declared === undefined ? 'The request body is larger than' : `The request declares ${declared} bytes, more than`;
  return new IngestError('input_too_large', `${what} the limit of ${limit} bytes for this route.`, { maxBytes: limit, ...(declared === undefined ? {} : { declared }) });
}

/** Drops a body nobody read (a request refused before its body): the client can finish sending and read the answer. */
export function discardBody(request: Request): void {
  const body = request.body;
  if (!body || body.locked || request.bodyUsed) return;
  void drain(body.getReader());
}

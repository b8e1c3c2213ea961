import { parentPort } from 'node:worker_threads';
import { createGreyImage } from '../domain/image/grey-image.js';
import { analyseMicrostructure } from '../domain/microstructure/index.js';
import { collectGarbage } from './collect-garbage.js';
import { threadError, type FromDomainThread, type ToDomainThread } from './domain-worker.js';

/** The domain thread of a local runtime (domain-worker.ts): runs one piece of domain work per message, in order. */
const port = parentPort!;

/**
 * A full collection once a large image's work is done: this thread then sits idle, and V8 collects only as it
 * allocates, so the analysis' garbage (a gigabyte of typed arrays at 64 MP) would stay resident while the other stages
 * run. Below this many pixels it is left to V8.
 */
const COLLECT_ABOVE_PIXELS = 2048 * 2048;

port.on('message', (message: ToDomainThread) => {
  let reply: FromDomainThread;
  const transfer: ArrayBuffer[] = [];
  try {
    if (message.task !== 'microstructure') throw new Error(`unknown domain task '${String(message.task)}'`);
    const { width, height, data } = message.image;
    const result = analyseMicrostructure(createGreyImage(width, height, data), message.options);
    const overlay = result.phaseOverlay.data.buffer;
    if (overlay instanceof ArrayBuffer) transfer.push(overlay);
    reply = { id: message.id, ok: true, result };
  } catch (error) {
    reply = { id: message.id, ok: false, error: threadError(error) };
  }
  port.postMessage(reply, transfer);
  if (message.image.width * message.image.height > COLLECT_ABOVE_PIXELS) collectGarbage();
});

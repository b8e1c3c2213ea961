import { parentPort } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createGreyImage } from '../domain/image/grey-image.js';
import { analyseMicrostructure, type MicrostructureAnalysis } from '../domain/microstructure/index.js';
import { densityOfOriginal, type DensityFeatures } from '../application/density.js';
import { BackboneError } from '../domain/backbone/errors.js';
import { OnnxBackbone, setIntraOpThreads, type BackboneSource } from '../adapters/onnx/onnx-backbone.js';
import { collectGarbage } from './collect-garbage.js';
import { threadError, type FromDomainThread, type ToDomainThread } from './domain-worker.js';

/** The domain thread of a local runtime (domain-worker.ts): runs the piece of domain work each message asks for. */
const port = parentPort!;

/**
 * A full collection once a large image's work is done: this thread then sits idle, and V8 collects only as it
 * allocates, so the analysis' garbage (a gigabyte of typed arrays at 64 MP) would stay resident while the other stages
 * run. Below this many pixels it is left to V8.
 */
const COLLECT_ABOVE_PIXELS = 2048 * 2048;

let backbone: { sha256: string; loaded: Promise<OnnxBackbone> } | undefined;

/** The runtime's backbone opened here once (read again from its file, which must still have the same sha256). */
function backboneOf(source: BackboneSource, threads: number): Promise<OnnxBackbone> {
  if (backbone?.sha256 !== source.sha256) {
    const previous = backbone?.loaded;
    backbone = { sha256: source.sha256, loaded: openBackbone(source, threads) };
    void previous?.then((b) => b.dispose()).catch(() => {});
  }
  return backbone.loaded;
}

async function openBackbone(source: BackboneSource, threads: number): Promise<OnnxBackbone> {
  setIntraOpThreads(threads);
  if (typeof source.model !== 'string') return OnnxBackbone.create(source.model, source.manifest, source.sha256);
  const bytes = new Uint8Array(await readFile(source.model));
  if (createHash('sha256').update(bytes).digest('hex') !== source.sha256) {
    throw new BackboneError('checksum_mismatch', `model ${source.model} changed since the runtime loaded it (sha256 ${source.sha256})`, { file: source.model });
  }
  return OnnxBackbone.create(bytes, source.manifest, source.sha256, source.model);
}

async function run(message: ToDomainThread): Promise<{ result: MicrostructureAnalysis | DensityFeatures; transfer: ArrayBuffer[] }> {
  const { width, height, data } = message.image;
  const image = createGreyImage(width, height, data);
  if (message.task === 'density') {
    const result = await densityOfOriginal(await backboneOf(message.backbone, message.threads), image, message.request);
    // The views' cells (megabytes) move to the caller instead of being copied.
    const transfer = result.views.flatMap((v) => v.layers.map((l) => l.data.buffer)).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    return { result, transfer };
  }
  if (message.task !== 'microstructure') throw new Error(`unknown domain task '${String((message as { task: unknown }).task)}'`);
  const result = analyseMicrostructure(image, message.options);
  const overlay = result.phaseOverlay.data.buffer;
  return { result, transfer: overlay instanceof ArrayBuffer ? [overlay] : [] };
}

port.on('message', (message: ToDomainThread) => {
  // The callbacks below hold the id and size only, not the message: its image must be collectable when they run.
  const { id } = message;
  const pixels = message.image.width * message.image.height;
  void run(message).then(
    ({ result, transfer }) => ({ reply: { id, ok: true, result } satisfies FromDomainThread, transfer }),
    (error: unknown) => ({ reply: { id, ok: false, error: threadError(error) } satisfies FromDomainThread, transfer: [] as ArrayBuffer[] }),
  ).then(({ reply, transfer }) => {
    // Collected before the reply: the caller starts its next stage as soon as the reply arrives, and that stage's
    // memory should not add to this thread's garbage.
    if (pixels > COLLECT_ABOVE_PIXELS) collectGarbage();
    port.postMessage(reply, transfer);
  });
});

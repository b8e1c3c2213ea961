import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseBackboneManifest, type BackboneManifest } from '../../domain/backbone/manifest.js';
import { manifestFromMetadata } from '../../domain/backbone/metadata.js';
import { BackboneError } from '../../domain/backbone/errors.js';
import { ValidationError } from '../../domain/errors.js';
import { modelsDir, readModelInfo } from './model-store.js';

export interface PullOptions {
  readonly url: string;
  readonly sha256: string;
  /** Folder name under MMDO_HOME/models/ (default: from the URL). */
  readonly name?: string;
  /** Manifest URL or file path; default: the model's metadata_props. */
  readonly manifest?: string;
  readonly home?: string;
  readonly onProgress?: (received: number, total: number | undefined) => void;
}

export interface PulledModel {
  readonly name: string;
  readonly path: string;
  readonly bytes: number;
  readonly manifest: BackboneManifest;
}

/**
 * Streams a model to MMDO_HOME/models/NAME/model.onnx, hashing while it streams. A wrong checksum or a broken
 * download leaves nothing behind. The manifest (given, or read from metadata_props) is stored with the sha256.
 */
export async function pullModel(options: PullOptions): Promise<PulledModel> {
  const expected = options.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) throw new ValidationError('--sha256 must be 64 hex digits');
  const name = options.name ?? defaultName(options.url);
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) throw new ValidationError(`model name '${name}' may only use letters, digits, '.', '_' and '-'`);
  const dir = join(modelsDir(options.home), name);
  const created = await mkdir(dir, { recursive: true });
  try {
    return await download(options, expected, name, dir);
  } catch (error) {
    // A folder this pull created holds nothing worth keeping after a failure.
    if (created) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function download(options: PullOptions, expected: string, name: string, dir: string): Promise<PulledModel> {
  const partial = join(dir, 'model.onnx.partial');
  const path = join(dir, 'model.onnx');

  let response: Response;
  try {
    response = await fetch(options.url);
  } catch (error) {
    throw new BackboneError('download_failed', `cannot download ${options.url}: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) throw new BackboneError('download_failed', `download of ${options.url} failed: HTTP ${response.status}`);
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const hash = createHash('sha256');
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      options.onProgress?.(received, total);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), meter, createWriteStream(partial));
  } catch (error) {
    await rm(partial, { force: true });
    throw new BackboneError('download_failed', `download of ${options.url} broke off after ${received} bytes: ${(error as Error).message}`);
  }
  const actual = hash.digest('hex');
  if (actual !== expected) {
    await rm(partial, { force: true });
    throw new BackboneError('checksum_mismatch', `checksum mismatch for ${options.url}: expected sha256 ${expected}, got ${actual}; the download was deleted`, {
      expected,
      actual,
    });
  }

  let manifest: BackboneManifest;
  try {
    manifest = await manifestFor(options.manifest, partial, name);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  if (manifest.sha256 && manifest.sha256 !== actual) {
    await rm(partial, { force: true });
    throw new BackboneError('checksum_mismatch', `the manifest names sha256 ${manifest.sha256} but the model has ${actual}`);
  }
  const stored = { ...manifest, sha256: actual };
  await rename(partial, path);
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(stored, null, 2)}\n`);
  await writeFile(join(dir, 'source.json'), `${JSON.stringify({ url: options.url, sha256: actual, pulledAt: new Date().toISOString() }, null, 2)}\n`);
  return { name, path, bytes: received, manifest: stored };
}

async function manifestFor(ref: string | undefined, modelFile: string, name: string): Promise<BackboneManifest> {
  if (!ref) {
    const { props, graph } = readModelInfo(new Uint8Array(await readFile(modelFile)), name);
    return manifestFromMetadata(props, graph, name);
  }
  let text: string;
  if (/^https?:\/\//.test(ref)) {
    const response = await fetch(ref).catch((error: Error) => {
      throw new BackboneError('download_failed', `cannot download manifest ${ref}: ${error.message}`);
    });
    if (!response.ok) throw new BackboneError('download_failed', `download of manifest ${ref} failed: HTTP ${response.status}`);
    text = await response.text();
  } else {
    text = await readFile(resolve(ref), 'utf8');
  }
  try {
    return parseBackboneManifest(JSON.parse(text), ref);
  } catch (error) {
    if (error instanceof SyntaxError) throw new BackboneError('backbone_invalid', `manifest ${ref} is not valid JSON`);
    throw error;
  }
}

function defaultName(url: string): string {
  const parts = new URL(url).pathname.split('/').filter(Boolean);
  // `.../mobilenet/model.onnx` is better named after its folder than 'model'.
  const last = parts.length > 1 && /^model\.onnx$/i.test(parts.at(-1)!) ? parts.at(-2)! : (parts.at(-1) ?? 'model');
  return last.replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9._-]/g, '-') || 'model';
}

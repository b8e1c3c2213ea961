import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MmdoError } from '../domain/errors.js';
import type { GreyImage, RgbaImage } from '../domain/image/grey-image.js';
import type { Scratch } from '../ports/scratch.js';

type Entry =
  | { kind: 'grey'; width: number; height: number; data?: Float32Array; file?: string }
  | { kind: 'rgba'; width: number; height: number; data?: Uint8ClampedArray; file?: string }
  | { kind: 'floats'; shape: readonly number[]; data?: Float32Array; file?: string }
  | { kind: 'json'; value: unknown };

/** Rasters at least this large go to disk (a 2048² grey image is 16 MB). */
export const DEFAULT_SPILL_BYTES = 16 * 1024 * 1024;

const cleanups = new FinalizationRegistry<string[]>((files) => {
  for (const f of files) rmSync(f, { force: true });
});

/**
 * The pipeline's scratch for one inspection, in memory for small rasters and on local disk for large ones: the
 * stages hand each other the original, the normalised image, the phases overlay and the anomaly map, and in memory
 * a 64 MP image's four rasters alone take a gigabyte for the whole run. Spilled, each is held only while a stage
 * uses it (read back from the page cache, at disk speed at worst). Files are removed by `dispose`, or when the
 * scratch is garbage-collected, and left-overs of a crashed process by `sweep` at start.
 */
export class SpillScratch implements Scratch {
  private readonly entries = new Map<string, Entry>();
  private readonly files: string[] = [];
  private readonly token = {};

  constructor(private readonly dir: string, private readonly spillBytes = DEFAULT_SPILL_BYTES) {
    cleanups.register(this, this.files, this.token);
  }

  /** Removes spill files older than `olderThanMs` (a crashed run's), creating the folder when missing. */
  static sweep(dir: string, olderThanMs = 60_000): void {
    mkdirSync(dir, { recursive: true });
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      try {
        if (now - statSync(path).mtimeMs > olderThanMs) rmSync(path, { force: true });
      } catch {
        // gone meanwhile
      }
    }
  }

  /**
   * Removes the spill folders under `root` (one per runtime: `<pid>-…`, see `runtimeDir`) of processes that
   * are no longer running, creating `root` when missing. A running process's folders are left alone.
   */
  static sweepOrphans(root: string): void {
    mkdirSync(root, { recursive: true });
    for (const name of readdirSync(root)) {
      const pid = Number(/^(\d+)-/.exec(name)?.[1]);
      if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
      rmSync(join(root, name), { recursive: true, force: true });
    }
  }

  /** A folder of its own under `root` for each runtime of this process (`<pid>-<thread>-<n>`). */
  static runtimeDir(root: string, thread: number): string {
    return join(root, `${process.pid}-${thread}-${++runtimeDirs}`);
  }

  putGrey(name: string, image: GreyImage): string {
    return this.put(name, { kind: 'grey', width: image.width, height: image.height, ...this.store(image.data) });
  }

  putRgba(name: string, image: RgbaImage): string {
    return this.put(name, { kind: 'rgba', width: image.width, height: image.height, ...this.store(image.data) });
  }

  putFloats(name: string, data: Float32Array, shape: readonly number[]): string {
    return this.put(name, { kind: 'floats', shape: [...shape], ...this.store(data) });
  }

  putJson(name: string, value: unknown): string {
    return this.put(name, { kind: 'json', value: JSON.parse(JSON.stringify(value)) });
  }

  async getGrey(ref: string): Promise<GreyImage> {
    const e = this.entry(ref, 'grey');
    return { width: e.width, height: e.height, data: e.data ?? new Float32Array(this.read(e.file!)) };
  }

  async getRgba(ref: string): Promise<RgbaImage> {
    const e = this.entry(ref, 'rgba');
    return { width: e.width, height: e.height, data: e.data ?? new Uint8ClampedArray(this.read(e.file!)) };
  }

  async getFloats(ref: string): Promise<{ data: Float32Array; shape: readonly number[] }> {
    const e = this.entry(ref, 'floats');
    return { data: e.data ?? new Float32Array(this.read(e.file!)), shape: e.shape };
  }

  async getJson(ref: string): Promise<unknown> {
    return JSON.parse(JSON.stringify(this.entry(ref, 'json').value));
  }

  async flush(): Promise<void> {}

  /** Removes this scratch's files now. */
  dispose(): void {
    cleanups.unregister(this.token);
    for (const f of this.files.splice(0)) rmSync(f, { force: true });
    this.entries.clear();
  }

  /** Small arrays stay as they are (not copied, as MemoryScratch); large ones are written out and dropped. */
  private store<T extends Float32Array | Uint8ClampedArray>(data: T): { data?: T; file?: string } {
    if (data.byteLength < this.spillBytes) return { data };
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${randomUUID()}.raw`);
    writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.files.push(file);
    return { file };
  }

  /**
   * The file's bytes in a fresh SharedArrayBuffer: read straight into it (no second copy), and shared rather than
   * copied when a stage hands the raster to the runtime's domain thread (a 64 MP original is 256 MB).
   */
  private read(file: string): SharedArrayBuffer {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const shared = new SharedArrayBuffer(size);
      const bytes = new Uint8Array(shared);
      for (let at = 0; at < size;) {
        const n = readSync(fd, bytes, at, Math.min(size - at, 1 << 30), at);
        if (n <= 0) throw new MmdoError('scratch_missing', `spill file ${file} ended after ${at} of ${size} bytes`, 500);
        at += n;
      }
      return shared;
    } finally {
      closeSync(fd);
    }
  }

  private put(name: string, entry: Entry): string {
    const ref = `${name}#${this.entries.size}`;
    this.entries.set(ref, entry);
    return ref;
  }

  private entry<K extends Entry['kind']>(ref: string, kind: K): Extract<Entry, { kind: K }> {
    const e = this.entries.get(ref);
    if (!e || e.kind !== kind) throw new MmdoError('scratch_missing', `scratch has no ${kind} '${ref}'`, 500, { ref });
    return e as Extract<Entry, { kind: K }>;
  }
}

let runtimeDirs = 0;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

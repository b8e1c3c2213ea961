import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { ArtifactStore, ExpiringArtifacts } from '../../ports/stores.js';
import { assertSegment, keySegments } from '../local/store/keys.js';

const MetaSchema = z.object({ contentType: z.string().min(1) });

/**
 * Artifacts as files under `root/data/<tenant>/...`, content type beside them under `root/meta/`.
 * Every key segment is validated, so a key can never name a path outside its tenant's folder.
 */
export class FileArtifactStore implements ArtifactStore, ExpiringArtifacts {
  constructor(private readonly root: string) {}

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const parts = keySegments(key);
    const dataPath = join(this.root, 'data', ...parts);
    const metaPath = join(this.root, 'meta', ...parts) + '.json';
    await writeAtomic(dataPath, bytes);
    await writeAtomic(metaPath, JSON.stringify({ contentType }));
  }

  /** The file holding a key's bytes (for people and tools; the store's API stays get/put). */
  pathOf(key: string): string {
    return join(this.root, 'data', ...keySegments(key));
  }

  async get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined> {
    const parts = keySegments(key);
    try {
      const [bytes, meta] = await Promise.all([
        readFile(join(this.root, 'data', ...parts)),
        readFile(join(this.root, 'meta', ...parts) + '.json', 'utf8'),
      ]);
      return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), contentType: MetaSchema.parse(JSON.parse(meta)).contentType };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async expire(prefix: string, olderThan: Date): Promise<number> {
    const parts = prefix.split('/').filter((p) => p.length > 0);
    parts.forEach((p) => assertSegment(p, 'artifact prefix segment'));
    if (parts.length === 0) throw new RangeError('expire needs a prefix: it never empties the whole store');
    return this.expireIn(parts, olderThan.getTime());
  }

  /** Depth first: old files with their content type, then folders left empty (the prefix folder too). */
  private async expireIn(parts: string[], before: number): Promise<number> {
    const dir = join(this.root, 'data', ...parts);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    let removed = 0;
    for (const e of entries) {
      if (e.isDirectory()) removed += await this.expireIn([...parts, e.name], before);
      else if (e.isFile() && (await stat(join(dir, e.name))).mtimeMs < before) {
        await rm(join(dir, e.name), { force: true });
        await rm(join(this.root, 'meta', ...parts, e.name) + '.json', { force: true });
        removed++;
      }
    }
    for (const tree of ['data', 'meta']) await rmdir(join(this.root, tree, ...parts)).catch(() => undefined); // only when empty
    return removed;
  }
}

/**
 * Write-then-rename so a crash never leaves a half-written file under the final name. The temporary name is unique
 * per write: two threads of one process writing the same key in the same millisecond (the same upload inspected twice
 * at once) shared one, and the second rename found nothing.
 */
export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temp, data);
  await rename(temp, path);
}

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { ArtifactStore } from '../../ports/stores.js';
import { keySegments } from '../local/store/keys.js';

const MetaSchema = z.object({ contentType: z.string().min(1) });

/**
 * Artifacts as files under `root/data/<tenant>/...`, content type beside them under `root/meta/`.
 * Every key segment is validated, so a key can never name a path outside its tenant's folder.
 */
export class FileArtifactStore implements ArtifactStore {
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
}

/** Write-then-rename so a crash never leaves a half-written file under the final name. */
export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, data);
  await rename(temp, path);
}

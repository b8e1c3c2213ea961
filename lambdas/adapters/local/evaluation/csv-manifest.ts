import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { NotFoundError, ValidationError } from '../../../domain/errors.js';
import type { EvaluationSource } from '../../../application/evaluate/manifest.js';

/** A CSV manifest on disk; the files it names are resolved relative to the manifest's folder. */
export function csvManifestSource(manifestPath: string): EvaluationSource {
  const root = path.dirname(path.resolve(manifestPath));
  return {
    description: path.resolve(manifestPath),
    async readRows() {
      let text: string;
      try {
        text = await readFile(manifestPath, 'utf8');
      } catch {
        throw new NotFoundError('manifest', manifestPath);
      }
      try {
        return parse(text, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, bom: true, trim: true }) as Record<string, string>[];
      } catch (error) {
        throw new ValidationError(`the manifest is not valid CSV: ${(error as Error).message}`);
      }
    },
    async readFile(relative: string) {
      const resolved = path.resolve(root, relative);
      try {
        return new Uint8Array(await readFile(resolved));
      } catch {
        throw new NotFoundError('file named in the manifest', relative);
      }
    },
  };
}

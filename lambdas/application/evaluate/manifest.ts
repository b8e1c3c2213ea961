import { z } from 'zod';
import { ValidationError } from '../../domain/errors.js';
import type { SplitRole } from '../../domain/evaluation/split.js';

/** Where an evaluation reads its labelled images from (a CSV beside the images locally; S3 elsewhere). */
export interface EvaluationSource {
  /** Human-readable origin, e.g. the manifest path. */
  readonly description: string;
  /** The manifest's rows as header → cell strings. */
  readRows(): Promise<Record<string, string>[]>;
  /** Bytes of a file named in the manifest (paths are relative to the manifest). */
  readFile(path: string): Promise<Uint8Array>;
}

const optionalCell = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const splitAliases: Record<string, SplitRole> = { bank: 'bank', train: 'bank', calibration: 'calibration', calib: 'calibration', val: 'calibration', test: 'test' };

/** One manifest row: path,label (+ optional mask, group, class, split); unknown columns are ignored. */
export const manifestRowSchema = z.object({
  path: z.string().trim().min(1, 'path is empty'),
  label: z
    .string()
    .trim()
    .refine((v) => v === '0' || v === '1', 'label must be 0 (normal) or 1 (anomalous)')
    .transform((v) => (v === '1' ? 1 : 0) as 0 | 1),
  mask: optionalCell,
  group: optionalCell,
  class: optionalCell,
  split: optionalCell.refine((v) => v === undefined || v.toLowerCase() in splitAliases, 'split must be bank, calibration or test').transform((v) => (v === undefined ? undefined : splitAliases[v.toLowerCase()])),
});

export interface ManifestItem {
  readonly path: string;
  readonly label: 0 | 1;
  readonly mask?: string;
  readonly group?: string;
  /** Defect class for the per-class breakdown; normal images without one are 'normal'. */
  readonly className: string;
  readonly split?: SplitRole;
}

export function parseManifest(rows: readonly Record<string, string>[]): ManifestItem[] {
  if (rows.length === 0) throw new ValidationError('the manifest has no rows');
  const issues: string[] = [];
  const items: ManifestItem[] = [];
  rows.forEach((row, index) => {
    const parsed = manifestRowSchema.safeParse(row);
    if (!parsed.success) {
      // Line numbers count the header as line 1.
      issues.push(`line ${index + 2}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ')}`);
      return;
    }
    const r = parsed.data;
    items.push({ path: r.path, label: r.label, mask: r.mask, group: r.group, split: r.split, className: r.class ?? (r.label === 0 ? 'normal' : 'anomalous') });
  });
  if (issues.length > 0) {
    throw new ValidationError(`the manifest has ${issues.length} invalid row(s): ${issues.slice(0, 5).join(' | ')}`, { issues });
  }
  return items;
}

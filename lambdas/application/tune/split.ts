import { ValidationError } from '../../domain/errors.js';
import { splitItems } from '../../domain/evaluation/split.js';
import { createRandom } from '../../domain/synth/random.js';
import { parseManifest, type ManifestItem } from '../evaluate/manifest.js';

/**
 * The four-way split of a tuning run, fixed once per run (seeded, group-aware) and stored with its state:
 *  - bank and calibration: the normals every trial's profile is built from (as `mmdo evaluate` splits them);
 *  - validation: what trials are scored on; `search` is the part of it the search actually uses (--validation-size),
 *    a stratified subset, so a trial costs less; the rest of validation is simply not used;
 *  - test: untouched until the search is over, then scored once with the winner.
 * Test does not depend on the validation size: the same seed and validation fraction give the same test set.
 */
export interface TuneSplit {
  /** 'manifest' when the manifest's split column fixed bank and calibration (and test / validation), else 'seeded'. */
  readonly source: 'manifest' | 'seeded';
  readonly bank: number[];
  readonly calibration: number[];
  readonly validation: number[];
  readonly search: number[];
  readonly test: number[];
}

export interface TuneSplitOptions {
  readonly bankNormals: number;
  readonly calibrationNormals: number;
  readonly seed: number;
  /** Share of the images left after bank and calibration (normals and anomalies alike) that goes to validation. */
  readonly validationFraction: number;
  /** Validation images the search scores (a stratified subset); absent: all of validation. */
  readonly validationSize?: number;
}

/** Split values a manifest may carry: evaluate's (bank, calibration, test and their aliases) plus validation. */
const VALIDATION_VALUES = new Set(['validation', 'valid']);

/**
 * The manifest's items (as `mmdo evaluate` parses them) and, per item, whether the manifest put it in validation.
 * `validation` / `valid` in the split column are this tool's; evaluate's own alias `val` keeps meaning calibration.
 */
export function parseTuneManifest(rows: readonly Record<string, string>[]): { items: ManifestItem[]; validation: boolean[] } {
  const validation = rows.map((r) => VALIDATION_VALUES.has((r['split'] ?? '').trim().toLowerCase()));
  const items = parseManifest(rows.map((r, i) => (validation[i] ? { ...r, split: 'test' } : r)));
  return { items, validation };
}

export function tuneSplit(items: readonly ManifestItem[], manifestValidation: readonly boolean[], options: TuneSplitOptions): TuneSplit {
  if (!(options.validationFraction > 0 && options.validationFraction < 1)) throw new ValidationError('the validation fraction must be in (0, 1)');
  const base = splitItems(items, options);
  let validation: number[];
  let test: number[];
  if (base.source === 'manifest' && base.test.some((i) => manifestValidation[i])) {
    validation = base.test.filter((i) => manifestValidation[i]);
    test = base.test.filter((i) => !manifestValidation[i]);
  } else {
    ({ take: validation, rest: test } = carve(items, base.test, (kind) => Math.round(options.validationFraction * kind.length), options.seed ^ 0x5a17));
  }
  for (const [name, role] of [['validation', validation], ['test', test]] as const) {
    if (!role.some((i) => items[i]!.label === 0) || !role.some((i) => items[i]!.label === 1)) {
      throw new ValidationError(`the ${name} split needs normal and anomalous images: too few images after the bank and calibration (or change --validation-fraction)`, {
        validation: validation.length, test: test.length,
      });
    }
  }
  let search = validation;
  if (options.validationSize !== undefined && options.validationSize < validation.length) {
    const n = options.validationSize;
    const anomalous = validation.filter((i) => items[i]!.label === 1).length;
    const wantAnomalous = Math.min(anomalous, Math.max(1, Math.round((n * anomalous) / validation.length)));
    const wantNormal = Math.max(1, n - wantAnomalous);
    search = carve(items, validation, (_kind, anomalousKind) => (anomalousKind ? wantAnomalous : wantNormal), options.seed ^ 0x5eac).take;
  }
  const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
  return { source: base.source, bank: base.bank, calibration: base.calibration, validation: sorted(validation), search: sorted(search), test: sorted(test) };
}

/**
 * Takes whole groups (an item without a group is its own) from `indices`, separately from the groups holding an
 * anomalous image and the normal-only ones, in a seeded order, until each kind has `want(kind)` images.
 */
function carve(
  items: readonly ManifestItem[], indices: readonly number[], want: (kindImages: readonly number[], anomalous: boolean) => number, seed: number,
): { take: number[]; rest: number[] } {
  const groups = new Map<string, number[]>();
  for (const i of indices) {
    const g = items[i]!.group;
    const key = g !== undefined && g !== '' ? `g:${g}` : `i:${i}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  const random = createRandom(seed >>> 0);
  const take: number[] = [];
  const rest: number[] = [];
  for (const anomalous of [true, false]) {
    const kind = [...groups.values()].filter((members) => members.some((i) => items[i]!.label === 1) === anomalous);
    for (let i = kind.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [kind[i], kind[j]] = [kind[j]!, kind[i]!];
    }
    const target = want(kind.flat(), anomalous);
    let taken = 0;
    for (const members of kind) {
      if (taken < target) {
        take.push(...members);
        taken += members.length;
      } else rest.push(...members);
    }
  }
  return { take: take.sort((a, b) => a - b), rest: rest.sort((a, b) => a - b) };
}

/** Manifest rows for `mmdo evaluate` with an explicit split: the given items in the given roles, nothing else. */
export function evaluationRows(items: readonly ManifestItem[], roles: { bank: readonly number[]; calibration: readonly number[]; test: readonly number[] }): Record<string, string>[] {
  const row = (i: number, split: string): Record<string, string> => {
    const it = items[i]!;
    return {
      path: it.path, label: String(it.label), split, class: it.className,
      ...(it.mask ? { mask: it.mask } : {}), ...(it.group ? { group: it.group } : {}),
    };
  };
  return [...roles.bank.map((i) => row(i, 'bank')), ...roles.calibration.map((i) => row(i, 'calibration')), ...roles.test.map((i) => row(i, 'test'))];
}

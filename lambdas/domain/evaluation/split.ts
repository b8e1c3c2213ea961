import { minimumCalibrationSize } from '../decision/conformal.js';
import { ValidationError } from '../errors.js';
import { createRandom } from '../synth/random.js';

export type SplitRole = 'bank' | 'calibration' | 'test';

export interface SplitItem {
  /** 0 normal, 1 anomalous. */
  readonly label: 0 | 1;
  /** Images of one group (a sample, a wafer, a session) never straddle splits. */
  readonly group?: string;
  /** A split given by the manifest; when every item has one, it is used as is. */
  readonly split?: SplitRole;
}

export interface SplitOptions {
  /** Normal images for the memory bank. */
  readonly bankNormals: number;
  /** Normal images held out to calibrate thresholds (never in the bank, never tested). */
  readonly calibrationNormals: number;
  readonly seed: number;
}

/** Indices into the items, by role. */
export interface Split {
  readonly bank: number[];
  readonly calibration: number[];
  readonly test: number[];
  /** 'manifest' when the split column was used, 'seeded' when drawn here. */
  readonly source: 'manifest' | 'seeded';
}

/**
 * Splits labelled images into bank, calibration and test sets. With a `split` on every item that split is used
 * (checked: bank and calibration must be normal). Otherwise groups (an item without a group is its own group) are
 * shuffled with the seed; groups holding any anomalous image go to test whole, and normal-only groups fill the
 * bank, then calibration, then test. A group is taken whole, so a role may end up a few images over its target.
 */
export function splitItems(items: readonly SplitItem[], options: SplitOptions): Split {
  const withSplit = items.filter((item) => item.split !== undefined).length;
  if (withSplit === items.length && items.length > 0) return givenSplit(items);
  if (withSplit > 0) {
    throw new ValidationError(`the split column is filled for ${withSplit} of ${items.length} images: fill it for all or none`);
  }
  if (!(options.bankNormals >= 1) || !(options.calibrationNormals >= 0)) {
    throw new ValidationError('the bank needs at least one normal image and calibration a non-negative count');
  }
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const key = item.group !== undefined && item.group !== '' ? `g:${item.group}` : `i:${index}`;
    const members = groups.get(key);
    if (members) members.push(index);
    else groups.set(key, [index]);
  });
  const keys = [...groups.keys()];
  const random = createRandom(options.seed);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  const split = { bank: [] as number[], calibration: [] as number[], test: [] as number[], source: 'seeded' as const };
  for (const key of keys) {
    const members = groups.get(key)!;
    const target = members.some((index) => items[index].label === 1)
      ? split.test
      : split.bank.length < options.bankNormals
        ? split.bank
        : split.calibration.length < options.calibrationNormals
          ? split.calibration
          : split.test;
    target.push(...members);
  }
  const testNormals = split.test.filter((index) => items[index].label === 0).length;
  if (split.bank.length < options.bankNormals || split.calibration.length < options.calibrationNormals || testNormals === 0) {
    throw new ValidationError(
      `not enough normal images: asked for ${options.bankNormals} bank + ${options.calibrationNormals} calibration and at least one to test`,
      { bank: split.bank.length, calibration: split.calibration.length, testNormals },
    );
  }
  for (const role of [split.bank, split.calibration, split.test]) role.sort((a, b) => a - b);
  return split;
}

/**
 * Calibration normals when none are asked for: enough for the operating threshold at the declared suspect rate to be
 * conformal (99 for 1 %; with fewer it is extrapolated, and on magnetic tile 40 normals flagged more than the declared
 * share of test normals), but no more than half the normals left after the bank, and no fewer than a fifth of the bank.
 */
export function defaultCalibrationNormals(items: readonly SplitItem[], bankNormals: number, suspectRate: number): number {
  const spare = items.filter((item) => item.label === 0).length - bankNormals;
  return Math.max(1, Math.round(0.2 * bankNormals), Math.min(minimumCalibrationSize(suspectRate), Math.floor(spare / 2)));
}

function givenSplit(items: readonly SplitItem[]): Split {
  const split = { bank: [] as number[], calibration: [] as number[], test: [] as number[], source: 'manifest' as const };
  items.forEach((item, index) => {
    if (item.split !== 'test' && item.label === 1) {
      throw new ValidationError(`image ${index + 1} is anomalous but its split is '${item.split}': only normal images can be enrolled`);
    }
    split[item.split!].push(index);
  });
  if (split.bank.length === 0) throw new ValidationError('the split column puts no image in the bank');
  return split;
}

import { defaultCalibrationNormals, splitItems, type SplitItem } from '../../../lambdas/domain/evaluation/split.js';

function items(normals: number, anomalous: number, group?: (index: number) => string): SplitItem[] {
  return Array.from({ length: normals + anomalous }, (_, i) => ({ label: i < normals ? 0 : 1, group: group?.(i) }) as SplitItem);
}

describe('evaluation split', () => {
  test('seeded: bank and calibration are normal, anomalous images are all tested, the same seed repeats', () => {
    const all = items(30, 10);
    const a = splitItems(all, { bankNormals: 12, calibrationNormals: 5, seed: 3 });
    expect(a.source).toBe('seeded');
    expect(a.bank).toHaveLength(12);
    expect(a.calibration).toHaveLength(5);
    expect(a.test).toHaveLength(23);
    for (const i of [...a.bank, ...a.calibration]) expect(all[i].label).toBe(0);
    expect(a.test.filter((i) => all[i].label === 1)).toHaveLength(10);
    expect(new Set([...a.bank, ...a.calibration, ...a.test]).size).toBe(40);
    expect(splitItems(all, { bankNormals: 12, calibrationNormals: 5, seed: 3 })).toEqual(a);
    expect(splitItems(all, { bankNormals: 12, calibrationNormals: 5, seed: 4 }).bank).not.toEqual(a.bank);
  });

  test('groups never straddle splits, and a group with an anomalous image is tested whole', () => {
    // 40 normals in groups of 4, plus anomalous images that share group g0 with four normals.
    const all = items(40, 3, (i) => (i < 40 ? `g${Math.floor(i / 4)}` : 'g0'));
    const split = splitItems(all, { bankNormals: 10, calibrationNormals: 6, seed: 1 });
    const roleOf = new Map<string, Set<string>>();
    for (const [role, indices] of Object.entries({ bank: split.bank, calibration: split.calibration, test: split.test })) {
      for (const i of indices) {
        const group = all[i].group!;
        roleOf.set(group, (roleOf.get(group) ?? new Set()).add(role));
      }
    }
    for (const roles of roleOf.values()) expect(roles.size).toBe(1);
    expect([...roleOf.get('g0')!]).toEqual(['test']);
    // Whole groups of 4: the bank reaches 10 with three groups (12 images).
    expect(split.bank).toHaveLength(12);
  });

  test('a split column is used as given and checked', () => {
    const given: SplitItem[] = [
      { label: 0, split: 'bank' },
      { label: 0, split: 'calibration' },
      { label: 0, split: 'test' },
      { label: 1, split: 'test' },
    ];
    expect(splitItems(given, { bankNormals: 100, calibrationNormals: 100, seed: 0 })).toEqual({
      bank: [0],
      calibration: [1],
      test: [2, 3],
      source: 'manifest',
    });
    expect(() => splitItems([{ label: 1, split: 'bank' }, ...given], { bankNormals: 1, calibrationNormals: 0, seed: 0 })).toThrow(/anomalous/);
    expect(() => splitItems([{ label: 0 }, ...given], { bankNormals: 1, calibrationNormals: 0, seed: 0 })).toThrow(/all or none/);
  });

  test('too few normal images is a validation error', () => {
    expect(() => splitItems(items(10, 2), { bankNormals: 8, calibrationNormals: 2, seed: 0 })).toThrow(/not enough normal/);
  });

  test('the default calibration set resolves the suspect rate where the normals allow, else half of what the bank leaves', () => {
    expect(defaultCalibrationNormals(items(952, 392), 200, 0.01)).toBe(99); // 1 % needs 99 normals
    expect(defaultCalibrationNormals(items(952, 392), 200, 0.05)).toBe(40); // 19 would do; a fifth of the bank is the floor
    expect(defaultCalibrationNormals(items(300, 50), 200, 0.01)).toBe(50); // half of the 100 left, the rest is tested
    expect(defaultCalibrationNormals(items(220, 50), 200, 0.01)).toBe(40); // never under a fifth of the bank (the split then says too few)
    expect(defaultCalibrationNormals(items(3, 1), 2, 0.01)).toBe(1);
  });
});

import { calibrationCount, splitImages } from '../../lambdas/application/split.js';

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ sha256: i.toString(16).padStart(64, '0'), name: `img${i}` }));

describe('bank/calibration split', () => {
  test('holds out about the requested share, at least one (two from ten images), never all', () => {
    expect(calibrationCount(2, 0.2, false)).toBe(1);
    expect(calibrationCount(5, 0.2, false)).toBe(1);
    expect(calibrationCount(10, 0.05, false)).toBe(2);
    expect(calibrationCount(100, 0.2, false)).toBe(20);
    expect(calibrationCount(3, 0.9, false)).toBe(2);
    expect(calibrationCount(1, 0.2, false)).toBe(0);
    expect(calibrationCount(4, 0.1, true)).toBe(0);
  });

  test('is deterministic per seed, independent of input order, and never overlaps', () => {
    const all = items(30);
    const a = splitImages(all, 6, 7);
    const b = splitImages([...all].reverse(), 6, 7);
    expect(a.calibration.map((x) => x.name)).toEqual(b.calibration.map((x) => x.name));
    expect(a.calibration).toHaveLength(6);
    expect(a.bank).toHaveLength(24);
    const bankNames = new Set(a.bank.map((x) => x.name));
    expect(a.calibration.some((x) => bankNames.has(x.name))).toBe(false);
    const other = splitImages(all, 6, 8);
    expect(other.calibration.map((x) => x.name)).not.toEqual(a.calibration.map((x) => x.name));
  });
});

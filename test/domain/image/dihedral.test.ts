import { createGreyImage } from '../../../lambdas/domain/image/grey-image.js';
import { dihedral, inverseDihedral } from '../../../lambdas/domain/image/dihedral.js';

// 3 wide × 2 high:
//   1 2 3
//   4 5 6
const image = createGreyImage(3, 2, Float32Array.from([1, 2, 3, 4, 5, 6]));

describe('dihedral', () => {
  it('rotates counter-clockwise and flips as documented', () => {
    expect(dihedral(image, 0)).toEqual(image);
    const r90 = dihedral(image, 1); // 3 6 / 2 5 / 1 4
    expect([r90.width, r90.height]).toEqual([2, 3]);
    expect(Array.from(r90.data)).toEqual([3, 6, 2, 5, 1, 4]);
    expect(Array.from(dihedral(image, 2).data)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(Array.from(dihedral(image, 3).data)).toEqual([4, 1, 5, 2, 6, 3]);
    expect(Array.from(dihedral(image, 4).data)).toEqual([3, 2, 1, 6, 5, 4]); // mirror
    // The mirror, then the turns: 1 4 / 2 5 / 3 6, then 4 5 6 / 1 2 3, then 6 3 / 5 2 / 4 1.
    expect(Array.from(dihedral(image, 5).data)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(dihedral(image, 6).data)).toEqual([4, 5, 6, 1, 2, 3]);
    expect(Array.from(dihedral(image, 7).data)).toEqual([6, 3, 5, 2, 4, 1]);
    expect([dihedral(image, 7).width, dihedral(image, 7).height]).toEqual([2, 3]);
  });

  it('gives eight distinct views that their inverses map back', () => {
    const seen = new Set<string>();
    for (let t = 0; t < 8; t++) {
      const v = dihedral(image, t);
      seen.add(`${v.width}:${Array.from(v.data).join(',')}`);
      expect(dihedral(v, inverseDihedral(t))).toEqual(image);
    }
    expect(seen.size).toBe(8);
    expect(() => dihedral(image, 8)).toThrow(RangeError);
    expect(() => inverseDihedral(-1)).toThrow(RangeError);
  });
});

import { fusedScoreContributions, fusionContributions, shapleyValues } from '../../../lambdas/domain/decision/shapley.js';
import { fuse } from '../../../lambdas/domain/scoring/fusion.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

describe('shapleyValues', () => {
  it('solves the glove game: one left glove, two right gloves', () => {
    // v = 1 when a pair can be made. Published solution: left 2/3, each right 1/6.
    const r = shapleyValues(['left', 'right1', 'right2'], (s) => (s.has('left') && (s.has('right1') || s.has('right2')) ? 1 : 0));
    expect(r.byPlayer.left).toBeCloseTo(2 / 3, 14);
    expect(r.byPlayer.right1).toBeCloseTo(1 / 6, 14);
    expect(r.byPlayer.right2).toBeCloseTo(1 / 6, 14);
  });

  it('solves the airport game (cost = largest runway needed)', () => {
    // Runways 1, 2, 4: each segment's cost is shared by those who need it: 1/3, 1/3 + 1/2, 1/3 + 1/2 + 2.
    const need = { a: 1, b: 2, c: 4 };
    const r = shapleyValues(['a', 'b', 'c'] as const, (s) => Math.max(0, ...[...s].map((p) => need[p])));
    expect(r.values[0]).toBeCloseTo(1 / 3, 14);
    expect(r.values[1]).toBeCloseTo(5 / 6, 14);
    expect(r.values[2]).toBeCloseTo(17 / 6, 14);
  });

  it('is efficient, symmetric and gives a null player 0 on a random game', () => {
    const random = createRandom(9);
    const players = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    // Random values that only depend on the coalition with p5 and p6 treated alike and p6... p4 null.
    const table = new Map<string, number>();
    const value = (s: ReadonlySet<string>): number => {
      const key = [...s].filter((p) => p !== 'p4').map((p) => (p === 'p6' ? 'p5' : p)).sort().join(',');
      const canonical = key + (s.has('p5') && s.has('p6') ? '+both' : '');
      if (!table.has(canonical)) table.set(canonical, random.uniform(-1, 2));
      return table.get(canonical)!;
    };
    let calls = 0;
    const r = shapleyValues(players, (s) => {
      calls++;
      return value(s);
    });
    expect(calls).toBe(2 ** players.length); // each coalition valued once
    expect(r.values.reduce((a, b) => a + b, 0)).toBeCloseTo(r.full - r.empty, 12);
    expect(r.byPlayer.p4).toBeCloseTo(0, 14);
    expect(r.byPlayer.p5).toBeCloseTo(r.byPlayer.p6, 12);
    expect(r.byPlayer.p0).not.toBeCloseTo(r.byPlayer.p1, 3);
  });

  it('gives each player its own term in an additive game, and handles no players', () => {
    const a = { x: 0.3, y: -0.7, z: 2 };
    const r = shapleyValues(['x', 'y', 'z'] as const, (s) => 5 + [...s].reduce((t, p) => t + a[p], 0));
    expect(r.byPlayer).toEqual({ x: expect.closeTo(0.3, 14), y: expect.closeTo(-0.7, 14), z: expect.closeTo(2, 14) });
    expect(shapleyValues([], () => 1).values).toEqual([]);
    expect(() => shapleyValues(Array.from({ length: 11 }, (_, i) => `p${i}`), () => 0)).toThrow(RangeError);
    expect(() => shapleyValues(['a', 'a'], () => 0)).toThrow(RangeError);
  });
});

describe('fusion contributions', () => {
  it('recovers wᵢcᵢ/Σw for a weighted mean (linear fusion)', () => {
    const w = { patch: 0.6, novelty: 0.25, consistency: 0.15 };
    const c = { patch: 0.8, novelty: 0.4, consistency: 0.2 };
    const r = fusionContributions(c, (v) => w.patch * v.patch + w.novelty * v.novelty + w.consistency * v.consistency);
    expect(r.byPlayer.patch).toBeCloseTo(0.48, 14);
    expect(r.byPlayer.novelty).toBeCloseTo(0.1, 14);
    expect(r.byPlayer.consistency).toBeCloseTo(0.03, 14);
    expect(r.empty).toBe(0);
    // A baseline above a component's value makes its contribution negative.
    const shifted = fusionContributions(c, (v) => w.patch * v.patch + w.novelty * v.novelty + w.consistency * v.consistency, { consistency: 0.5 });
    expect(shifted.byPlayer.consistency).toBeCloseTo(-0.045, 14);
  });

  it("matches a hand computation on the product's fusion with its lift rule", () => {
    // patch 0.95 lifts any coalition containing it to 0.95; novelty 0.24 alone gives 0.25 × 0.24 = 0.06 and adds
    // nothing once patch is in; consistency 0 adds nothing. So φ_novelty = (1/3 + 1/6)·0.06 = 0.03, φ_patch = 0.92.
    const inputs = [
      { name: 'patch' as const, raw: 3, calibrated: 0.95 },
      { name: 'novelty' as const, raw: 1, calibrated: 0.24 },
      { name: 'consistency' as const, raw: 0, calibrated: 0 },
    ];
    const { score, contributions } = fusedScoreContributions(inputs, { patch: 0.6, novelty: 0.25, consistency: 0.15 });
    expect(score).toBeCloseTo(fuse(inputs, { patch: 0.6, novelty: 0.25, consistency: 0.15 }).score, 14);
    expect(score).toBeCloseTo(0.95, 14);
    expect(contributions.byPlayer.patch).toBeCloseTo(0.92, 14);
    expect(contributions.byPlayer.novelty).toBeCloseTo(0.03, 14);
    expect(contributions.byPlayer.consistency).toBeCloseTo(0, 14);
    expect(contributions.values.reduce((a, b) => a + b, 0)).toBeCloseTo(score, 14);
  });
});

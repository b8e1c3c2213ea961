import {
  canonicalPoint, decodePoint, designPoint, encodedDimension, encodeParams, latinHypercube, paramsFromDesign,
  searchSpaceProblem, type SearchSpace,
} from '../../../lambdas/domain/decision/search-space.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';

const space: SearchSpace = {
  parameters: [
    { kind: 'continuous', name: 'temperature', low: 100, high: 300 },
    { kind: 'continuous', name: 'rate', low: 0.01, high: 100, scale: 'log' },
    { kind: 'integer', name: 'layers', low: 1, high: 4 },
    { kind: 'categorical', name: 'binder', choices: ['pvdf', 'cmc', 'paa'] },
  ],
};

describe('search space encoding', () => {
  it('maps parameters to the unit cube and back', () => {
    expect(encodedDimension(space)).toBe(6);
    const params = { temperature: 150, rate: 1, layers: 3, binder: 'cmc' };
    const u = encodeParams(space, params);
    // rate 1 is the log midpoint; layer 3 of 4 at its bin centre; cmc one-hot
    [0.25, 0.5, 0.625, 0, 1, 0].forEach((v, i) => expect(u[i]).toBeCloseTo(v, 14));
    const back = decodePoint(space, u);
    expect(back.temperature).toBeCloseTo(150, 12);
    expect(back.rate).toBeCloseTo(1, 12);
    expect(back.layers).toBe(3);
    expect(back.binder).toBe('cmc');
    [0.25, 0.5, 0.625, 0.5].forEach((v, i) => expect(designPoint(space, params)[i]).toBeCloseTo(v, 14));
  });

  it('canonicalises any cube point to a real setting', () => {
    const c = canonicalPoint(space, [1.4, -0.2, 0.99, 0.2, 0.7, 0.69]);
    expect(Array.from(c)).toEqual([1, 0, 0.875, 0, 1, 0]);
    const d = decodePoint(space, c);
    expect(d).toEqual({ temperature: 300, rate: 0.01, layers: 4, binder: 'cmc' });
    // integer bins are equal: each of 4 layers gets a quarter of the axis
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[(decodePoint(space, [0, 0, (i + 0.5) / 400, 1, 0, 0]).layers as number) - 1]++;
    expect(counts).toEqual([100, 100, 100, 100]);
  });

  it('rejects values outside the space and malformed spaces', () => {
    expect(() => encodeParams(space, { temperature: 301, rate: 1, layers: 1, binder: 'cmc' })).toThrow(RangeError);
    expect(() => encodeParams(space, { temperature: 200, rate: 1, layers: 1.5, binder: 'cmc' })).toThrow(RangeError);
    expect(() => encodeParams(space, { temperature: 200, rate: 1, layers: 1, binder: 'ptfe' })).toThrow(/one of/);
    expect(searchSpaceProblem({ parameters: [] })).toContain('no parameters');
    expect(searchSpaceProblem({ parameters: [{ kind: 'continuous', name: 'r', low: 0, high: 1, scale: 'log' }] })).toContain('low > 0');
    expect(searchSpaceProblem({ parameters: [{ kind: 'integer', name: 'k', low: 0, high: 2.5 }] })).toContain('integer bounds');
    expect(searchSpaceProblem({ parameters: [...space.parameters, space.parameters[0]] })).toContain('twice');
  });
});

describe('designs', () => {
  it('builds a Latin hypercube with one point per stratum in every coordinate', () => {
    const points = latinHypercube(10, 3, createRandom(8));
    for (let d = 0; d < 3; d++) {
      const strata = points.map((p) => Math.floor(p[d] * 10)).sort((a, b) => a - b);
      expect(strata).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it('draws each categorical choice equally often from a stratified coordinate', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const p = paramsFromDesign(space, [0.5, 0.5, 0.5, (i + 0.5) / 300]);
      counts.set(p.binder as string, (counts.get(p.binder as string) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual([100, 100, 100]);
  });
});

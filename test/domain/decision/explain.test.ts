import { explainFusion, explainVerdict } from '../../../lambdas/domain/decision/explain.js';

describe('explainVerdict', () => {
  it('writes the reference sentence', () => {
    expect(explainVerdict({
      score: 0.93,
      contributions: [{ name: 'consistency', value: -0.03 }, { name: 'novelty', value: 0.2 }, { name: 'patch', value: 0.61 }],
    })).toBe('Anomalous (0.93): mostly the patch score (+0.61), supported by novelty (+0.20); '
      + 'consistency with the synthesis sheet lowered it (\u22120.03).');
  });

  it('says "led by" when no component dominates, lists several, and leaves out negligible ones', () => {
    expect(explainVerdict({
      score: 0.55,
      contributions: [
        { name: 'patch', value: 0.3 }, { name: 'novelty', value: 0.2 }, { name: 'consistency', value: 0.05 },
        { name: 'porosity', value: 0.004 },
      ],
    })).toBe('Suspect (0.55): led by the patch score (+0.30), supported by novelty (+0.20) and consistency with the '
      + 'synthesis sheet (+0.05).');
    expect(explainVerdict({
      score: 0.04,
      verdict: 'normal',
      labels: { porosity: 'porosity' },
      contributions: [{ name: 'patch', value: 0.1 }, { name: 'porosity', value: -0.02 }, { name: 'novelty', value: -0.04 }],
    })).toBe('Normal (0.04): mostly the patch score (+0.10); novelty and porosity lowered it (\u22120.04, \u22120.02).');
  });

  it('handles nothing to say and only negative contributions', () => {
    expect(explainVerdict({ score: 0, contributions: [{ name: 'patch', value: 0.001 }] }))
      .toBe('Normal (0.00): no component moved the score from its normal baseline.');
    expect(explainVerdict({ score: 0.02, contributions: [{ name: 'novelty', value: -0.08 }] }))
      .toBe('Normal (0.02): novelty lowered it (\u22120.08).');
  });

  it('is deterministic: ties keep the input order', () => {
    const input = { score: 0.5, contributions: [{ name: 'novelty', value: 0.25 }, { name: 'patch', value: 0.25 }] };
    const sentence = explainVerdict(input);
    expect(sentence).toBe('Suspect (0.50): led by novelty (+0.25), supported by the patch score (+0.25).');
    expect(explainVerdict(input)).toBe(sentence);
  });
});

describe('explainFusion', () => {
  it("explains the product's fusion from exact Shapley contributions", () => {
    expect(explainFusion([
      { name: 'patch', raw: 3, calibrated: 0.95 },
      { name: 'novelty', raw: 1, calibrated: 0.24 },
      { name: 'consistency', raw: 0, calibrated: 0 },
    ], { patch: 0.6, novelty: 0.25, consistency: 0.15 })).toBe('Anomalous (0.95): mostly the patch score (+0.92), supported by novelty (+0.03).');
  });
});

import { ScoreComponentSchema } from '../../../lambdas/domain/report/report.js';
import { DEFAULT_FUSION_WEIGHTS } from '../../../lambdas/domain/profile/settings.js';
import { fuse } from '../../../lambdas/domain/scoring/fusion.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('fuse', () => {
  it('is the weighted mean of the components present while none is suspect alone, with contributions summing to 1', () => {
    const f = fuse([
      { name: 'patch', raw: 3, calibrated: 0.45 },
      { name: 'novelty', raw: 0.4, calibrated: 0.2 },
      { name: 'consistency', raw: 1, calibrated: 0.4 },
    ]);
    const w = DEFAULT_FUSION_WEIGHTS;
    expect(f.score).toBeCloseTo((w.patch * 0.45 + w.novelty * 0.2 + w.consistency * 0.4) / (w.patch + w.novelty + w.consistency), 10);
    expect(f.verdict).toBe('normal');
    expect(sum(f.components.map((c) => c.contribution))).toBeCloseTo(1, 10);
    expect(f.components[0].contribution).toBeGreaterThan(f.components[1].contribution);
    for (const c of f.components) expect(ScoreComponentSchema.safeParse(c).success).toBe(true);
  });

  it('skips absent components and renormalises the weights', () => {
    const f = fuse([{ name: 'patch', raw: 5, calibrated: 0.7 }]);
    expect(f.score).toBeCloseTo(0.7, 10);
    expect(f.verdict).toBe('suspect');
    expect(f.components).toHaveLength(1);
    expect(f.components[0].contribution).toBe(1);
  });

  it('turns anomalous when any one component is decisively anomalous, and credits it', () => {
    const f = fuse([
      { name: 'patch', raw: 1, calibrated: 0.1 },
      { name: 'consistency', raw: 9, calibrated: 0.97 },
    ]);
    expect(f.score).toBeCloseTo(0.97, 10);
    expect(f.verdict).toBe('anomalous');
    expect(sum(f.components.map((c) => c.contribution))).toBeCloseTo(1, 10);
    expect(f.components[1].contribution).toBeGreaterThan(0.9);
  });

  it('is at least suspect when one component is suspect on its own, however quiet the others are', () => {
    const f = fuse([
      { name: 'patch', raw: 2, calibrated: 0.29 },
      { name: 'novelty', raw: 0.04, calibrated: 0.03 },
      { name: 'consistency', raw: 2, calibrated: 0.75 },
    ]);
    expect(f.score).toBeCloseTo(0.75, 10);
    expect(f.verdict).toBe('suspect');
    expect(f.components[2].contribution).toBeGreaterThan(f.components[0].contribution);
    expect(sum(f.components.map((c) => c.contribution))).toBeCloseTo(1, 10);
  });

  it('lets novelty alone lift the score only from the anomalous level', () => {
    const quiet = fuse([
      { name: 'patch', raw: 1, calibrated: 0.07 },
      { name: 'novelty', raw: 0.2, calibrated: 0.88 },
    ]);
    expect(quiet.verdict).toBe('normal');
    const novel = fuse([
      { name: 'patch', raw: 1, calibrated: 0.07 },
      { name: 'novelty', raw: 0.4, calibrated: 0.95 },
    ]);
    expect(novel.score).toBeCloseTo(0.95, 10);
    expect(novel.verdict).toBe('anomalous');
  });

  it('honours custom weights and splits by weight when every score is 0', () => {
    const f = fuse([
      { name: 'patch', raw: 0, calibrated: 0 },
      { name: 'novelty', raw: 0, calibrated: 0 },
    ], { patch: 3, novelty: 1 });
    expect(f.score).toBe(0);
    expect(f.components.map((c) => c.contribution)).toEqual([0.75, 0.25]);
  });
});

import { assessReproducibility } from '../../../lambdas/domain/decision/reproducibility.js';

describe('assessReproducibility', () => {
  it('computes mean, sample std and CV per metric and flags those above tolerance', () => {
    const report = assessReproducibility([
      { porosity: 0.5, crackDensity: 10, sulfurFraction: 0.6 },
      { porosity: 0.52, crackDensity: 12, sulfurFraction: 0.6 },
      { porosity: 0.48, crackDensity: 14, sulfurFraction: 0.6 },
    ]);
    expect(report.fields).toBe(3);
    expect(report.metrics.map((m) => m.metric)).toEqual(['crackDensity', 'porosity', 'sulfurFraction']);
    const cracks = report.metrics[0];
    expect(cracks.mean).toBeCloseTo(12, 12);
    expect(cracks.std).toBeCloseTo(2, 12); // √((4 + 0 + 4)/2)
    expect(cracks.cv).toBeCloseTo(1 / 6, 12);
    expect(report.metrics[1].cv).toBeCloseTo(0.02 / 0.5, 12);
    expect(report.metrics[2].cv).toBe(0);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ metric: 'crackDensity', tolerance: 0.15 });
    expect(report.findings[0].message).toBe('crackDensity varies by 16.7 % between 3 fields of view (tolerance 15 %)');
    // score = 2^(−mean(CV)/0.15) with CVs 1/6, 0.04, 0
    expect(report.meanCv).toBeCloseTo((1 / 6 + 0.04) / 3, 12);
    expect(report.score).toBeCloseTo(2 ** (-((1 / 6 + 0.04) / 3) / 0.15), 12);
  });

  it('maps CV to the score as documented: 1 when identical, 0.5 at the tolerance, 0.25 at twice it', () => {
    expect(assessReproducibility([{ a: 3 }, { a: 3 }]).score).toBe(1);
    // values 1 ± d give std d·√2 (n = 2) and mean 1: choose d so that CV = 0.15
    const d = 0.15 / Math.SQRT2;
    expect(assessReproducibility([{ a: 1 - d }, { a: 1 + d }]).score).toBeCloseTo(0.5, 12);
    expect(assessReproducibility([{ a: 1 - 2 * d }, { a: 1 + 2 * d }]).score).toBeCloseTo(0.25, 12);
    expect(assessReproducibility([{ a: 1 - d }, { a: 1 + d }], { tolerance: 0.3 }).score).toBeCloseTo(2 ** -0.5, 12);
  });

  it('gives no CV figure for n < 2 or a mean ≈ 0, and leaves such metrics out of the score', () => {
    const report = assessReproducibility([
      { porosity: 0.5, tilt: 0.01, phaseShift: 2 },
      { porosity: 0.5, tilt: -0.01 },
      { porosity: 0.5, tilt: 0, phaseShift: NaN },
    ]);
    const byName = Object.fromEntries(report.metrics.map((m) => [m.metric, m]));
    expect(byName.phaseShift).toMatchObject({ n: 1, std: null, cv: null, noFigure: 'fewer-than-two-fields' });
    expect(byName.tilt).toMatchObject({ n: 3, cv: null, noFigure: 'mean-near-zero' });
    expect(byName.tilt.std).toBeCloseTo(0.01, 12);
    expect(report.findings).toEqual([]);
    expect(report.score).toBe(1); // only porosity (CV 0) counts
    expect(assessReproducibility([{ a: 1 }]).score).toBeNull();
    expect(assessReproducibility([]).metrics).toEqual([]);
  });

  it('applies per-metric tolerances and orders findings by how far over they are', () => {
    const fields = [{ cracks: 10, pores: 100 }, { cracks: 20, pores: 140 }];
    // CV cracks = 7.07/15 = 0.471, pores = 28.28/120 = 0.236
    const strict = assessReproducibility(fields);
    expect(strict.findings.map((f) => f.metric)).toEqual(['cracks', 'pores']);
    const loose = assessReproducibility(fields, { tolerances: { cracks: 0.5 } });
    expect(loose.findings.map((f) => f.metric)).toEqual(['pores']);
    expect(() => assessReproducibility(fields, { tolerance: 0 })).toThrow(RangeError);
  });
});

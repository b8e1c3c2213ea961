import { SheetValidationError, normaliseSheet, parseKeyValueText } from '../../../lambdas/domain/metadata/index.js';
import { ValidationError } from '../../../lambdas/domain/errors.js';

describe('parseKeyValueText', () => {
  test('reads key: value, key = value and tab pairs; skips comments and prose', () => {
    const text = '# batch sheet\nBatch ID: LS-7\nSulfur loading = 70 wt%\nCarbon host\tKetjen black\nThis line has no pair\nNotes: dried 12 h: vacuum\n';
    expect(parseKeyValueText(text)).toEqual({ 'Batch ID': 'LS-7', 'Sulfur loading': '70 wt%', 'Carbon host': 'Ketjen black', Notes: 'dried 12 h: vacuum' });
  });
});

describe('normaliseSheet', () => {
  test('maps spellings and units to the typed record, keeping unknown keys', () => {
    const sheet = normaliseSheet({
      'Batch ID': 'LS-7',
      'SULFUR LOADING': '70 wt%',
      'Carbon host': 'Ketjen black',
      'Target porosity': '45 %',
      'Particle size': '500 nm',
      'Process notes': 'melt infiltration 155 °C',
      'Pixel size (nm)': '100',
      Operator: 'A. N. Other',
    });
    expect(sheet).toEqual({
      batchId: 'LS-7',
      sulfurLoadingWtPct: 70,
      carbonHost: 'Ketjen black',
      targetPorosity: 0.45,
      particleSizeUm: 0.5,
      processNotes: 'melt infiltration 155 °C',
      pixelSizeUm: 0.1,
      Operator: 'A. N. Other',
    });
  });

  test('accepts typed JSON values, bare fractions and µ/μ spellings', () => {
    expect(normaliseSheet({ batchId: 'B', sulfurLoadingWtPct: 0.7, targetPorosity: 45, particleSizeUm: '2.5 μm', pixelSizeUm: '0.05 µm/px' })).toEqual({
      batchId: 'B',
      sulfurLoadingWtPct: 70,
      targetPorosity: 0.45,
      particleSizeUm: 2.5,
      pixelSizeUm: 0.05,
    });
  });

  test('bad values are rejected naming every bad field', () => {
    let error: unknown;
    try {
      normaliseSheet({ 'Sulfur loading': 'seventy', 'Particle size': '2 kg', 'Target porosity': '-5 %', Batch: 'ok' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SheetValidationError);
    expect(error).toBeInstanceOf(ValidationError);
    const fields = (error as SheetValidationError).fields.map((f) => f.field).sort();
    expect(fields).toEqual(['particleSizeUm', 'sulfurLoadingWtPct', 'targetPorosity']);
    expect((error as Error).message).toMatch(/sulfurLoadingWtPct/);
  });

  test('out-of-range values are rejected with the field named', () => {
    expect(() => normaliseSheet({ sulfurLoadingWtPct: 120 })).toThrow(/sulfurLoadingWtPct/);
    expect(() => normaliseSheet({ pixelSizeUm: 0 })).toThrow(/pixelSizeUm/);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSheetBytes, readSheetFile, sheetFormatFromName } from '../../../lambdas/adapters/metadata/sheet-reader.js';
import { ValidationError } from '../../../lambdas/domain/errors.js';
import { SheetValidationError } from '../../../lambdas/domain/metadata/sheet.js';
import { textPdf } from './pdf-fixture.js';

const expected = { batchId: 'LS-2031', sulfurLoadingWtPct: 70, carbonHost: 'Ketjen black', targetPorosity: 0.45, particleSizeUm: 2.5, Operator: 'J. Doe' };
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('synthesis sheet reader', () => {
  test.each([
    ['json', JSON.stringify({ batchId: 'LS-2031', sulfurLoadingWtPct: 70, carbonHost: 'Ketjen black', targetPorosity: 0.45, particleSizeUm: 2.5, Operator: 'J. Doe' })],
    ['yaml', 'batchId: LS-2031\nsulfur loading: 70 wt%\ncarbon host: Ketjen black\ntarget porosity: 45 %\nparticle size: 2.5 um\nOperator: J. Doe\n'],
    ['csv', 'Batch ID,Sulfur loading (wt%),Carbon host,Target porosity (%),Particle size (um),Operator\nLS-2031,70,Ketjen black,45,2.5,J. Doe\n'],
    ['csv', 'key,value\nBatch ID,LS-2031\nSulfur loading,70 wt%\nCarbon host,Ketjen black\nTarget porosity,45 %\nParticle size,2.5 µm\nOperator,J. Doe\n'],
    ['csv', 'Batch ID,LS-2031\nSulfur loading,70 wt%\nCarbon host,Ketjen black\nTarget porosity,45 %\nParticle size,2.5 µm\nOperator,J. Doe\n'],
    ['text', 'Batch ID: LS-2031\nSulfur loading: 70 wt%\nCarbon host: Ketjen black\nTarget porosity: 45 %\nParticle size: 2.5 µm\nOperator: J. Doe\n'],
  ] as const)('%s sheet → typed record', async (format, text) => {
    expect(await parseSheetBytes(utf8(text), format)).toEqual(expected);
  });

  test('text PDF: text extracted with unpdf, then key: value lines', async () => {
    const pdf = textPdf(['Synthesis sheet', 'Batch ID: LS-2031', 'Sulfur loading: 70 wt%', 'Carbon host: Ketjen black', 'Target porosity: 45 %', 'Particle size: 2.5 µm', 'Operator: J. Doe']);
    expect(await parseSheetBytes(pdf, 'pdf')).toEqual(expected);
  });

  test('malformed sheets give errors that name the problem', async () => {
    await expect(parseSheetBytes(utf8('{"batchId": '), 'json')).rejects.toThrow(/not valid JSON/);
    await expect(parseSheetBytes(utf8('[1,2]'), 'json')).rejects.toThrow(/object/);
    await expect(parseSheetBytes(utf8('a,b\n1,2\n3,4\n'), 'csv')).rejects.toThrow(/2 batch rows/);
    await expect(parseSheetBytes(utf8('not a pdf at all'), 'pdf')).rejects.toBeInstanceOf(ValidationError);
    await expect(parseSheetBytes(textPdf([]), 'pdf')).rejects.toThrow(/no text/);
    const bad = parseSheetBytes(utf8('sulfur loading: lots\nparticle size: -2 um\n'), 'yaml');
    await expect(bad).rejects.toBeInstanceOf(SheetValidationError);
    await expect(bad).rejects.toMatchObject({ fields: [expect.objectContaining({ field: 'sulfurLoadingWtPct' }), expect.objectContaining({ field: 'particleSizeUm' })] });
  });

  test('reads files by extension and refuses unknown ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mmdo-sheet-'));
    try {
      await writeFile(join(dir, 'batch.yml'), 'Batch: LS-9\nS content: 0.65\n');
      expect(await readSheetFile(join(dir, 'batch.yml'))).toEqual({ batchId: 'LS-9', sulfurLoadingWtPct: 65 });
      expect(() => sheetFormatFromName('batch.docx')).toThrow(/unsupported/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

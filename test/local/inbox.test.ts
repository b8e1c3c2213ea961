import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSheetBytes } from '../../lambdas/adapters/metadata/sheet-reader.js';
import type { Report } from '../../lambdas/domain/report/report.js';
import { micrographPng, mockDeps, saveTinyProfile, start, tempHome, testOptions, waitFor } from './support.js';

const exists = (path: string) => async () => (existsSync(path) ? true : undefined);

// The pipeline is the MOCK InspectionService of support.ts (it echoes the job's metadata into its report): what is
// tested here is the inbox's door checks, sidecar validation and job identity.
describe('inbox (mock InspectionService)', () => {
  let home: string;
  let cleanup: () => void;
  let inbox: string;
  beforeEach(async () => {
    ({ home, cleanup } = tempHome());
    inbox = join(home, 'inbox');
    await mkdir(inbox, { recursive: true });
  });
  afterEach(() => cleanup());

  async function withService(run: (lines: string[]) => Promise<void>): Promise<void> {
    const deps = mockDeps(home);
    await saveTinyProfile(deps, 'demo');
    const lines: string[] = [];
    const service = await start(deps, testOptions(home, { inbox }), lines);
    try {
      await run(lines);
    } finally {
      await service.stop();
      deps.close();
    }
  }

  test('the same image dropped again with a new sidecar is a new inspection with the new sheet, not the old report', async () => {
    const png = await micrographPng(7, 64);
    await withService(async () => {
      await writeFile(join(inbox, 'tile.png.json'), JSON.stringify({ batchId: 'LiS-1', sulfurLoadingWtPct: 60 }));
      await writeFile(join(inbox, 'tile.png'), png);
      await waitFor(exists(join(inbox, 'processed', 'tile.png.report.json')), 15_000, 'the first report');
      await writeFile(join(inbox, 'tile.png.json'), JSON.stringify({ batchId: 'LiS-1', sulfurLoadingWtPct: 70 }));
      await writeFile(join(inbox, 'tile.png'), png);
      await waitFor(exists(join(inbox, 'processed', 'tile-2.png.report.json')), 15_000, 'the second report');
      // The first sheet again, keys in another order: the same inspection as the first drop (its report, no new job).
      await writeFile(join(inbox, 'tile.png.json'), JSON.stringify({ sulfurLoadingWtPct: 60, batchId: 'LiS-1' }));
      await writeFile(join(inbox, 'tile.png'), png);
      await waitFor(exists(join(inbox, 'processed', 'tile-3.png.report.json')), 15_000, 'the third move');
    });
    const read = async (n: string) => JSON.parse(await readFile(join(inbox, 'processed', n), 'utf8')) as Report;
    const [first, second, third] = await Promise.all(['tile.png.report.json', 'tile-2.png.report.json', 'tile-3.png.report.json'].map(read));
    expect(second!.id).not.toBe(first!.id);
    expect(first!.metadata).toMatchObject({ sulfurLoadingWtPct: 60 });
    expect(second!.metadata).toMatchObject({ sulfurLoadingWtPct: 70 });
    expect(third!.id).toBe(first!.id);
  });

  test('a sidecar is validated exactly as `mmdo inspect --metadata` validates a sheet, at the door', async () => {
    const sheet = JSON.stringify({ sulfurLoadingWtPct: 'abc', pixelSizeUm: -5 });
    const cli = await parseSheetBytes(new TextEncoder().encode(sheet), 'json').then(() => undefined, (e: { code: string; message: string }) => e);
    expect(cli?.code).toBe('validation_failed');
    await withService(async () => {
      await writeFile(join(inbox, 'bad-sheet.png.json'), sheet);
      await writeFile(join(inbox, 'bad-sheet.png'), await micrographPng(8, 64));
      await waitFor(exists(join(inbox, 'failed', 'bad-sheet.png.reason.json')), 15_000, 'the refusal');
    });
    const reason = JSON.parse(await readFile(join(inbox, 'failed', 'bad-sheet.png.reason.json'), 'utf8')) as Record<string, unknown>;
    expect(reason).toMatchObject({ code: cli!.code, message: `bad-sheet.png.json: ${cli!.message}`, stage: 'inbox', reportId: null });
    expect(existsSync(join(inbox, 'failed', 'bad-sheet.png.json'))).toBe(true);
  });

  test('door checks: truncated, tiny, empty, foreign files and an oversized sidecar are refused before a job exists', async () => {
    const png = await micrographPng(9, 96);
    const tiny = await micrographPng(10, 2).catch(() => undefined);
    await withService(async () => {
      await writeFile(join(inbox, 'cut.png'), png.subarray(0, Math.floor(png.length * 0.6)));
      if (tiny) await writeFile(join(inbox, 'tiny.png'), tiny);
      await writeFile(join(inbox, 'empty.png'), new Uint8Array(0));
      await writeFile(join(inbox, 'notes.png'), 'sample,porosity\nA1,0.42\n');
      await writeFile(join(inbox, 'big-sheet.png.json'), JSON.stringify({ processNotes: 'x'.repeat(5 * 1024 * 1024) }));
      await writeFile(join(inbox, 'big-sheet.png'), await micrographPng(11, 64));
      for (const name of ['cut.png', ...(tiny ? ['tiny.png'] : []), 'empty.png', 'notes.png', 'big-sheet.png']) {
        await waitFor(exists(join(inbox, 'failed', `${name}.reason.json`)), 15_000, `${name} to be refused`);
      }
    });
    const code = async (name: string) => (JSON.parse(await readFile(join(inbox, 'failed', `${name}.reason.json`), 'utf8')) as { code: string; reportId: null }).code;
    expect(await code('cut.png')).toBe('truncated_image');
    if (tiny) expect(await code('tiny.png')).toBe('image_too_small');
    expect(await code('empty.png')).toBe('empty_input');
    expect(await code('notes.png')).toBe('unsupported_format');
    expect(await code('big-sheet.png')).toBe('input_too_large');
    expect(readdirSync(join(inbox, 'processed')).length).toBe(0);
  });
});

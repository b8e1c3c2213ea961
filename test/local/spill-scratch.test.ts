import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGreyImage } from '../../lambdas/domain/image/grey-image.js';
import { SpillScratch } from '../../lambdas/local/spill-scratch.js';

describe('SpillScratch', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mmdo-spill-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('small rasters stay in memory, large ones go to disk and come back equal; dispose removes the files', async () => {
    const scratch = new SpillScratch(join(dir, 'spill'), 4096);
    const small = createGreyImage(8, 8, Float32Array.from({ length: 64 }, (_, i) => i / 64));
    const big = createGreyImage(64, 64, Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i)));
    const rgba = { width: 32, height: 32, data: Uint8ClampedArray.from({ length: 4096 }, (_, i) => i % 251) };
    const refs = {
      small: scratch.putGrey('small', small),
      big: scratch.putGrey('big', big),
      rgba: scratch.putRgba('rgba', rgba),
      floats: scratch.putFloats('f', new Float32Array(2048).fill(0.25), [2, 1024]),
      json: scratch.putJson('j', { a: [1, 2] }),
    };
    expect(readdirSync(join(dir, 'spill')).length).toBe(3); // big, rgba (4096 bytes), floats (8192 bytes)
    expect((await scratch.getGrey(refs.small)).data).toBe(small.data); // kept, not copied, like MemoryScratch
    expect(Array.from((await scratch.getGrey(refs.big)).data)).toEqual(Array.from(big.data));
    expect(Array.from((await scratch.getRgba(refs.rgba)).data)).toEqual(Array.from(rgba.data));
    expect(await scratch.getFloats(refs.floats)).toEqual({ data: new Float32Array(2048).fill(0.25), shape: [2, 1024] });
    expect(await scratch.getJson(refs.json)).toEqual({ a: [1, 2] });
    await expect(scratch.getRgba(refs.big)).rejects.toMatchObject({ code: 'scratch_missing' });
    scratch.dispose();
    expect(readdirSync(join(dir, 'spill'))).toEqual([]);
  });

  test('sweep removes what a crashed run left behind, not what a running one is writing', () => {
    const spill = join(dir, 'spill');
    SpillScratch.sweep(spill);
    writeFileSync(join(spill, 'old.raw'), 'x');
    utimesSync(join(spill, 'old.raw'), new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    writeFileSync(join(spill, 'new.raw'), 'x');
    SpillScratch.sweep(spill);
    expect(existsSync(join(spill, 'old.raw'))).toBe(false);
    expect(existsSync(join(spill, 'new.raw'))).toBe(true);
  });

  test('spilled rasters come back in shared memory (handed to the domain thread without a copy), kept ones as they were put', async () => {
    const scratch = new SpillScratch(join(dir, 'spill'), 4096);
    const big = createGreyImage(64, 64, Float32Array.from({ length: 4096 }, (_, i) => i));
    const ref = scratch.putGrey('big', big);
    const back = await scratch.getGrey(ref);
    expect(back.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(back.data)).toEqual(Array.from(big.data));
    expect((await scratch.getGrey(ref)).data).not.toBe(back.data); // each read is its own copy: a stage may change it
    scratch.dispose();
  });

  test('sweepOrphans removes the spill folders of processes that are gone, not those of running ones', () => {
    const root = join(dir, 'scratch');
    const mine = SpillScratch.runtimeDir(root, 0);
    const other = SpillScratch.runtimeDir(root, 0);
    expect(other).not.toBe(mine); // two runtimes of one thread get a folder each
    const dead = join(root, '2147483646-0-1'); // no such process
    const live = join(root, `${process.ppid}-0-1`);
    for (const d of [mine, dead, live]) {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'a.raw'), 'x');
    }
    SpillScratch.sweepOrphans(root);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(mine)).toBe(true);
    expect(existsSync(live)).toBe(true);
  });
});

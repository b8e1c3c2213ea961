import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { drawVoid, grainTexture, toPng } from './textures.js';

const run = promisify(execFile);

/** The `mmdo enroll` / `mmdo inspect` commands as a user runs them, in a child process with its own MMDO_HOME. */
describe('mmdo enroll / inspect CLI', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'mmdo-cli-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  test('enrols a folder, then inspects files printing one JSON document; a broken file gives exit code 1', async () => {
    await mkdir(join(dir, 'normal'));
    for (let i = 0; i < 5; i++) await writeFile(join(dir, 'normal', `n${i}.png`), await toPng(grainTexture(96, 40 + i)));
    await writeFile(join(dir, 'probe.png'), await toPng(grainTexture(96, 77)));
    await writeFile(join(dir, 'broken.png'), (await toPng(grainTexture(96, 78))).slice(0, 100));
    const env = { ...process.env, MMDO_HOME: join(dir, 'home'), MMDO_BACKBONE: 'builtin', NODE_OPTIONS: '' };
    const cli = join(process.cwd(), 'bin', 'mmdo.mjs');

    const enrolled = await run(process.execPath, [cli, 'enroll', '--profile', 'cli', '--seed', '5', '--json', join(dir, 'normal')], { env });
    expect(JSON.parse(enrolled.stdout)).toMatchObject({ profile: 'cli', version: 1, bankImages: 4, calibrationImages: 1 });
    const inspected = await run(process.execPath, [cli, 'inspect', '--profile', 'cli', '--json', '--out', join(dir, 'out'), join(dir, 'probe.png')], { env });
    const report = JSON.parse(inspected.stdout);
    expect(report).toMatchObject({ status: 'completed', profile: { name: 'cli', version: 1 }, input: { name: 'probe.png' } });
    expect((await readdir(join(dir, 'out'))).sort()).toEqual([`${report.id}.heatmap.png`, `${report.id}.json`, `${report.id}.micrograph.png`, `${report.id}.overlay.png`, `${report.id}.phases.png`]);

    const failed = await run(process.execPath, [cli, 'inspect', '--profile', 'cli', join(dir, 'broken.png')], { env }).catch((e: { code: number; stdout: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stdout: string }).stdout).toMatch(/broken\.png: FAILED at ingest: .*\[truncated_image\]/);

    // Density settings from the command line land in the new version (its other settings carry over).
    await mkdir(join(dir, 'more'));
    for (let i = 0; i < 2; i++) await writeFile(join(dir, 'more', `m${i}.png`), await toPng(grainTexture(96, 60 + i)));
    // So do the declared rates of the operating point.
    const again = await run(process.execPath, [cli, 'enroll', '--profile', 'cli', '--density', 'off', '--density-views', '4', '--density-scales', '1,1.2', '--density-layers', 'stride16,stride8', '--density-map-layers', 'stride4', '--density-map', 'off', '--density-map-smoothing', '16', '--density-map-layers-smoothing', '64', '--density-fit-calibration', 'off', '--novelty-fit-calibration', 'off', '--suspect-rate', '0.05', '--json', join(dir, 'more')], { env });
    expect(JSON.parse(again.stdout)).toMatchObject({ profile: 'cli', version: 2 });
    const v2 = JSON.parse(await readFile(join(dir, 'home', 'profiles', 'local', 'cli', 'v2', 'profile.json'), 'utf8'));
    expect(v2.settings.density).toMatchObject({ enabled: false, views: 4, shortSide: 448, scales: [1, 1.2], layers: ['stride16', 'stride8'], mapLayers: ['stride4'], map: false, mapSmoothingPx: 16, mapLayersSmoothingPx: 64, fitCalibration: false });
    expect(v2.settings.operating).toMatchObject({ suspectRate: 0.05, falseAlarmRate: 0.001 });
    expect(v2.settings.noveltyFitCalibration).toBe(false);
    expect(v2.embeddings.ids).toEqual(v2.enrolled.bank);
    const rate = await run(process.execPath, [cli, 'enroll', '--profile', 'cli', '--suspect-rate', '0.5', join(dir, 'more')], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(rate).toMatchObject({ code: 1, stderr: expect.stringMatching(/^mmdo: validation_failed: --suspect-rate: /m) });
    const bad = await run(process.execPath, [cli, 'enroll', '--profile', 'cli', '--density-views', '3', join(dir, 'more')], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringMatching(/^mmdo: validation_failed: --density-views: /m) });
    const scales = await run(process.execPath, [cli, 'enroll', '--profile', 'cli', '--density-scales', '1,1', join(dir, 'more')], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(scales).toMatchObject({ code: 1, stderr: expect.stringMatching(/^mmdo: validation_failed: --density-scales: scales must differ/m) });
    const map = await run(process.execPath, [cli, 'enroll', '--profile', 'cli', '--density-map', 'maybe', join(dir, 'more')], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(map).toMatchObject({ code: 1, stderr: expect.stringMatching(/^mmdo: validation_failed: --density-map: /m) });
    const smoothing = await run(process.execPath, [cli, 'enroll', '--profile', 'cli', '--density-map-smoothing', '-1', join(dir, 'more')], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(smoothing).toMatchObject({ code: 1, stderr: expect.stringMatching(/^mmdo: validation_failed: --density-map-smoothing: /m) });
    const layersSmoothing = await run(process.execPath, [cli, 'enroll', '--profile', 'cli', '--density-map-layers-smoothing', 'wide', join(dir, 'more')], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(layersSmoothing).toMatchObject({ code: 1, stderr: expect.stringMatching(/^mmdo: validation_failed: --density-map-layers-smoothing: /m) });
    const fit = await run(process.execPath, [cli, 'enroll', '--profile', 'cli', '--density-fit-calibration', 'yes', join(dir, 'more')], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(fit).toMatchObject({ code: 1, stderr: expect.stringMatching(/^mmdo: validation_failed: --density-fit-calibration: /m) });
    const novelty = await run(process.execPath, [cli, 'enroll', '--profile', 'cli', '--novelty-fit-calibration', 'both', join(dir, 'more')], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(novelty).toMatchObject({ code: 1, stderr: expect.stringMatching(/^mmdo: validation_failed: --novelty-fit-calibration: /m) });
    const mapLayers = await run(process.execPath, [cli, 'enroll', '--profile', 'cli', '--density-map-layers', 'stride4,stride4', join(dir, 'more')], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(mapLayers).toMatchObject({ code: 1, stderr: expect.stringMatching(/^mmdo: validation_failed: --density-map-layers: layers must differ/m) });
    const layers = await run(process.execPath, [cli, 'enroll', '--profile', 'cli-layers', '--density-layers', 'stride16,nope', join(dir, 'normal')], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(layers).toMatchObject({ code: 1, stderr: expect.stringMatching(/^mmdo: validation_failed: backbone \S+ has no output 'nope' for the density component/m) });
  });

  test('evaluate --repeats --out writes repeats.json and one scores CSV per seed, one row per test image', async () => {
    const set = join(dir, 'set');
    await mkdir(set);
    const rows = ['path,label,class'];
    for (let i = 0; i < 12; i++) {
      await writeFile(join(set, `n${i}.png`), await toPng(grainTexture(64, 100 + i)));
      rows.push(`n${i}.png,0,normal`);
    }
    for (let i = 0; i < 3; i++) {
      const image = grainTexture(64, 200 + i);
      drawVoid(image, 32, 32, 9);
      await writeFile(join(set, `v${i}.png`), await toPng(image));
      rows.push(`v${i}.png,1,void`);
    }
    await writeFile(join(set, 'manifest.csv'), rows.join('\n') + '\n');
    const env = { ...process.env, MMDO_HOME: join(dir, 'home-evaluate'), NODE_OPTIONS: '' };
    const cli = join(process.cwd(), 'bin', 'mmdo.mjs');
    const out = join(dir, 'evaluated');
    const args = [cli, 'evaluate', '--manifest', join(set, 'manifest.csv'), '--backbone', 'builtin', '--train-normals', '6', '--calibration-normals', '2', '--repeats', '2', '--method', 'patch-knn,fused', '--json', '--out', out];
    const evaluated = await run(process.execPath, args, { env });
    expect(JSON.parse(evaluated.stdout).seeds).toEqual([1, 2]);
    expect((await readdir(out)).sort()).toEqual(['repeats.json', 'scores-seed1.csv', 'scores-seed2.csv']);
    for (const seed of [1, 2]) {
      const lines = (await readFile(join(out, `scores-seed${seed}.csv`), 'utf8')).trim().split('\n');
      expect(lines[0]).toMatch(/^path,label,class,patch-knn,fused,patch\.raw,patch\.calibrated,/);
      // 12 normals − 6 bank − 2 calibration = 4 test normals, and the three voids.
      expect(lines).toHaveLength(1 + 4 + 3);
      expect(lines.slice(1).filter((l) => l.split(',')[1] === '1').map((l) => l.split(',')[0]).sort()).toEqual(['v0.png', 'v1.png', 'v2.png']);
    }
  });
});

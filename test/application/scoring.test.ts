import { LocalVectorIndexFactory } from '../../lambdas/adapters/local/vector-index/index.js';
import type { ImageFeatures } from '../../lambdas/application/features.js';
import { patchScoring, searchGrids, type TileScores } from '../../lambdas/application/scoring.js';
import { planTiles } from '../../lambdas/domain/image/tiling.js';
import { DEFAULT_IMAGE_SCORE_TOP_FRACTION, DEFAULT_SMOOTHING_SIGMA } from '../../lambdas/domain/profile/settings.js';
import type { VectorIndex } from '../../lambdas/ports/vector-index.js';

/** One 4×4 grid of 1-D patch descriptors covering a 16×16 image (stride 4), scored against a bank holding only 0. */
function features(values: number[]): ImageFeatures {
  return {
    width: 16,
    height: 16,
    pad: 0,
    plan: planTiles(16, 16, 16, 0),
    grids: [{ rows: 4, cols: 4, dim: 1, stride: 4, data: Float32Array.from(values) }],
    embedding: new Float32Array(1),
  };
}

const SETTINGS = { smoothingSigmaPx: DEFAULT_SMOOTHING_SIGMA, imageScoreTopFraction: DEFAULT_IMAGE_SCORE_TOP_FRACTION };

/** Scores an image's features as enrolment's calibration and the patch stage do: search every grid, then `patchScoring`. */
async function score(f: ImageFeatures, index: VectorIndex, settings = SETTINGS, output: { width: number; height: number } = f) {
  const maps = await searchGrids(f.grids, index, 1);
  const tiles: TileScores[] = maps.map((map, t) => ({ tile: f.plan.tiles[t]!, stride: f.grids[t]!.stride, map }));
  return patchScoring(tiles, { width: f.width, height: f.height, pad: f.pad, overlap: f.plan.overlap }, settings, output);
}

async function withIndex(fn: (index: VectorIndex) => Promise<void>): Promise<void> {
  const index = await new LocalVectorIndexFactory().build(Float32Array.of(0), 1, 'exact');
  try {
    await fn(index);
  } finally {
    await index.dispose();
  }
}

test('searchGrids: each grid\'s patches scored by their distance to the bank, one map per grid', async () => {
  await withIndex(async (index) => {
    const maps = await searchGrids([
      { rows: 1, cols: 2, dim: 1, stride: 4, data: Float32Array.of(3, -2) },
      { rows: 2, cols: 1, dim: 1, stride: 4, data: Float32Array.of(0.5, 7) },
    ], index, 1);
    expect(maps.map((m) => [m.width, m.height, ...Array.from(m.data)])).toEqual([[2, 1, 3, 2], [1, 2, 0.5, 7]]);
    await expect(searchGrids([{ rows: 1, cols: 1, dim: 2, stride: 4, data: Float32Array.of(1, 1) }], index, 1)).rejects.toThrow(RangeError);
  });
});

test('patchScoring: the image score is the top patch at the default fraction and the mean of the top fraction the profile sets', async () => {
  await withIndex(async (index) => {
    const values = [8, 4, ...Array.from({ length: 14 }, () => 0)];
    const byDefault = await score(features(values), index);
    expect(byDefault.raw).toBeCloseTo(8, 5);
    expect([byDefault.map.width, byDefault.map.height]).toEqual([16, 16]);
    const topEighth = await score(features(values), index, { ...SETTINGS, imageScoreTopFraction: 2 / 16 });
    expect(topEighth.raw).toBeCloseTo(6, 5);
  });
});

test('patchScoring smooths the map by the profile\'s σ, never the image score', async () => {
  await withIndex(async (index) => {
    const values = [8, 4, ...Array.from({ length: 14 }, () => 0)];
    const sharp = await score(features(values), index, { ...SETTINGS, smoothingSigmaPx: 0 });
    const smooth = await score(features(values), index, { ...SETTINGS, smoothingSigmaPx: 8 });
    expect(sharp.raw).toBeCloseTo(8, 5);
    expect(smooth.raw).toBeCloseTo(8, 5);
    const peak = (m: { data: Float32Array }) => Math.max(...m.data);
    expect(peak(sharp.map)).toBeCloseTo(8, 3); // unsmoothed: the top cell's score survives upsampling
    expect(peak(smooth.map)).toBeLessThan(peak(sharp.map) - 1);
    // The far corner, all zeros, receives some of the peak only when smoothed.
    expect(sharp.map.data[16 * 16 - 1]).toBeCloseTo(0, 5);
    expect(smooth.map.data[16 * 16 - 1]).toBeGreaterThan(0);
  });
});

test('patchScoring with a reflected border: the map is cropped back to the image and border patches do not count', async () => {
  await withIndex(async (index) => {
    // An 8×8 image padded by 4 px: one 16×16 tile, cell centres at 2, 6, 10, 14 px; only cells 1..2 lie inside.
    const values = Array.from({ length: 16 }, () => 0);
    values[0] = 9; // a border cell (a false alarm at the image edge)
    values[1 * 4 + 1] = 5; // inside the image
    const padded: ImageFeatures = { ...features(values), width: 8, height: 8, pad: 4 };
    const scored = await score(padded, index);
    expect(scored.raw).toBeCloseTo(5, 5);
    expect([scored.map.width, scored.map.height]).toEqual([8, 8]);
    // The map is the padded map's centre: its top-left pixel is the unpadded map's pixel (4, 4).
    const unpadded = await score(features(values), index);
    expect(unpadded.raw).toBeCloseTo(9, 5);
    expect(scored.map.data[0]).toBeCloseTo(unpadded.map.data[4 * 16 + 4]!, 5);
    const atSize = await score(padded, index, SETTINGS, { width: 4, height: 4 });
    expect([atSize.map.width, atSize.map.height]).toEqual([4, 4]);
  });
});

import { LocalVectorIndexFactory } from '../../lambdas/adapters/local/vector-index/index.js';
import type { ImageFeatures } from '../../lambdas/application/features.js';
import { scorePatches } from '../../lambdas/application/scoring.js';
import { planTiles } from '../../lambdas/domain/image/tiling.js';

/** One 4×4 grid of 1-D patch descriptors covering a 16×16 image (stride 4), scored against a bank holding only 0. */
function features(values: number[]): ImageFeatures {
  return {
    width: 16,
    height: 16,
    plan: planTiles(16, 16, 16, 0),
    grids: [{ rows: 4, cols: 4, dim: 1, stride: 4, data: Float32Array.from(values) }],
    embedding: new Float32Array(1),
  };
}

test('scorePatches: the image score is the top patch by default and the mean of the top fraction when the profile sets one', async () => {
  const index = await new LocalVectorIndexFactory().build(Float32Array.of(0), 1, 'exact');
  try {
    const values = [8, 4, ...Array.from({ length: 14 }, () => 0)];
    const byDefault = await scorePatches(features(values), index, 1);
    expect(byDefault.imageScore).toBeCloseTo(8, 5);
    expect([byDefault.map.width, byDefault.map.height]).toEqual([16, 16]);
    const topEighth = await scorePatches(features(values), index, 1, undefined, 2 / 16);
    expect(topEighth.imageScore).toBeCloseTo(6, 5);
  } finally {
    await index.dispose();
  }
});

test('scorePatches with a reflected border: the map is cropped back to the image and border patches do not count', async () => {
  const index = await new LocalVectorIndexFactory().build(Float32Array.of(0), 1, 'exact');
  try {
    // An 8×8 image padded by 4 px: one 16×16 tile, cell centres at 2, 6, 10, 14 px; only cells 1..2 lie inside.
    const values = Array.from({ length: 16 }, () => 0);
    values[0] = 9; // a border cell (a false alarm at the image edge)
    values[1 * 4 + 1] = 5; // inside the image
    const padded: ImageFeatures = { ...features(values), width: 8, height: 8, pad: 4 };
    const scored = await scorePatches(padded, index, 1);
    expect(scored.imageScore).toBeCloseTo(5, 5);
    expect([scored.map.width, scored.map.height]).toEqual([8, 8]);
    // The map is the padded map's centre: its top-left pixel is near the inside cell's peak, not the border's.
    const unpadded = await scorePatches(features(values), index, 1);
    expect(scored.map.data[0]).toBeCloseTo(unpadded.map.data[4 * 16 + 4]!, 5);
    const atSize = await scorePatches(padded, index, 1, { width: 4, height: 4 });
    expect([atSize.map.width, atSize.map.height]).toEqual([4, 4]);
  } finally {
    await index.dispose();
  }
});

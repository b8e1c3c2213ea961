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

import { loadBackbone } from '../../lambdas/adapters/onnx/model-store.js';
import { extractFeatures } from '../../lambdas/application/features.js';
import { createGreyImage } from '../../lambdas/domain/image/grey-image.js';
import type { PatchFeatureConfig } from '../../lambdas/domain/profile/profile.js';
import { tileOverlap } from '../../lambdas/domain/profile/settings.js';
import type { Backbone } from '../../lambdas/ports/backbone.js';

describe('extractFeatures with a reflected border (built-in backbone)', () => {
  let backbone: Backbone;
  beforeAll(async () => { backbone = await loadBackbone({ model: 'builtin' }); });
  afterAll(async () => { await backbone.dispose(); });

  const image = createGreyImage(64, 48, Float32Array.from({ length: 64 * 48 }, (_, i) => ((i * 37) % 101) / 100));
  const config = (): PatchFeatureConfig => ({ layers: [...backbone.descriptor.patchLayers], neighbourhood: 3, k: 1, coresetRatio: 0.1, projectionDim: null, seed: 1 });
  /** The profile's layout settings: 64 px tiles with the overlap enrolment derives, and the given border. */
  const layout = (borderPad: number) => {
    const d = backbone.descriptor;
    const strides = d.layers.filter((l) => d.patchLayers.includes(l.name)).map((l) => l.stride);
    return { tiling: { tileSize: 64, overlap: tileOverlap(64, d.sizeMultiple, strides) }, borderPad };
  };

  test('tiles grow by the border, so an image that fitted one tile still takes one, covering the padded image', async () => {
    const pad = 2 * backbone.descriptor.sizeMultiple;
    const [padded] = await extractFeatures(backbone, [image], config(), layout(pad));
    expect(padded!).toMatchObject({ width: 64, height: 48, pad });
    expect(padded!.plan.tiles).toHaveLength(1);
    expect(padded!.plan.tileWidth).toBeGreaterThanOrEqual(64 + 2 * pad);
    expect(padded!.plan.tileHeight).toBeGreaterThanOrEqual(48 + 2 * pad);
    const [plain] = await extractFeatures(backbone, [image], config(), layout(0));
    expect(plain!.pad).toBe(0);
    expect(plain!.grids[0]!.rows * plain!.grids[0]!.cols).toBeLessThan(padded!.grids[0]!.rows * padded!.grids[0]!.cols);
  });

  test('a negative or fractional border is refused', async () => {
    await expect(extractFeatures(backbone, [image], config(), layout(-1))).rejects.toThrow(RangeError);
    await expect(extractFeatures(backbone, [image], config(), layout(1.5))).rejects.toThrow(RangeError);
  });
});

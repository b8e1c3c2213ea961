import { loadBackbone } from './lambdas/adapters/local/onnx/model-store.ts';
import { buildPatchGrid } from './lambdas/domain/scoring/patch-grid.ts';
import { normalise } from './lambdas/domain/image/normalise.ts';
import { grainTexture } from './test/e2e/textures.ts';
import { LocalVectorIndexFactory } from './lambdas/adapters/local/vector-index/index.ts';
const bb = await loadBackbone({ model: '/work/shared/models/mobilenetv2-035-imagenet/model.onnx' });
const img = grainTexture(1024, 3);
const f = new LocalVectorIndexFactory();
for (const pd of [128, 64]) for (const bank of [4096, 2048]) {
  const idx = await f.build(new Float32Array(bank * pd).map(() => Math.random()), pd, 'exact');
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    const n = normalise(img).image; const tn = performance.now() - t; t = performance.now();
    const [maps] = await bb.extract([n]); const tb = performance.now() - t; t = performance.now();
    const g = buildPatchGrid(maps!, { layers: bb.descriptor.patchLayers, neighbourhood: 3, projectionDim: pd, seed: 1 }); const tg = performance.now() - t; t = performance.now();
    await idx.search(g.data, 1); const ts = performance.now() - t;
    console.log(`pd ${pd} bank ${bank}: normalise ${tn.toFixed(0)} backbone ${tb.toFixed(0)} grid ${tg.toFixed(0)} search ${ts.toFixed(0)} (${g.rows}x${g.cols})`);
  }
  await idx.dispose();
}

import { renderHeatmap, renderOverlay } from './lambdas/application/interim-render.ts';
import { SharpImageEncoder } from './lambdas/adapters/local/image/sharp-image-encoder.ts';
import { grainTexture } from './test/e2e/textures.ts';
const img = grainTexture(1024, 1);
const enc = new SharpImageEncoder();
for (let i = 0; i < 3; i++) {
  let t = performance.now();
  const h = renderHeatmap(img); const o = renderOverlay(img, img, []);
  const t1 = performance.now() - t; t = performance.now();
  const a = await enc.encodePng(h); const t2 = performance.now() - t; t = performance.now();
  await Promise.all([enc.encodePng(h), enc.encodePng(o)]); const t3 = performance.now() - t;
  console.log('compute', t1.toFixed(0), 'encode one', t2.toFixed(0), 'both parallel', t3.toFixed(0), a.length);
}

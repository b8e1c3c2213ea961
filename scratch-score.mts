import { createGreyImage } from './lambdas/domain/image/grey-image.ts';
import { stitchTiles } from './lambdas/domain/image/tiling.ts';
import { gaussianBlurInPlace, imageScore } from './lambdas/domain/scoring/anomaly-map.ts';
import { LocalVectorIndexFactory } from './lambdas/adapters/local/vector-index/index.ts';
const f = new LocalVectorIndexFactory();
const idx = await f.build(new Float32Array(2048 * 64).map(() => Math.random()), 64, 'exact');
const q = new Float32Array(16384 * 64).map(() => Math.random());
for (let i = 0; i < 4; i++) {
  let t = performance.now();
  const r = await idx.search(q, 1); const ts = performance.now() - t; t = performance.now();
  const m = stitchTiles([{ tile: { x: 0, y: 0, width: 1024, height: 1024 }, map: createGreyImage(128, 128, r.distances) }], 1024, 1024, 64); const tst = performance.now() - t; t = performance.now();
  gaussianBlurInPlace(m.data, 1024, 1024, 4); const tb = performance.now() - t; t = performance.now();
  imageScore(r.distances); const ti = performance.now() - t;
  console.log(`search ${ts.toFixed(0)} stitch ${tst.toFixed(0)} blur ${tb.toFixed(0)} imageScore ${ti.toFixed(0)}`);
}
import { scoreMap } from './lambdas/domain/scoring/anomaly-map.ts';
for (let i = 0; i < 3; i++) {
  const s = new Float32Array(16384).map(() => Math.random());
  let t = performance.now();
  gaussianBlurInPlace(s, 128, 128, 0.5); const tb = performance.now() - t; t = performance.now();
  scoreMap(s, 128, 128, 1024, 1024, 0); const tm = performance.now() - t;
  console.log(`grid blur ${tb.toFixed(1)} scoreMap ${tm.toFixed(0)}`);
}

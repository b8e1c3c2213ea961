import { loadBackbone } from './lambdas/adapters/local/onnx/model-store.ts';
for (const model of ['builtin', '/work/shared/models/mobilenetv2-035-imagenet/model.onnx']) {
  const b = await loadBackbone({ model });
  for (const size of [256, 1024]) {
    const tile = { width: size, height: size, data: new Float32Array(size*size).map(()=>Math.random()) };
    for (let i=0;i<3;i++) await b.extract([tile]);
    const n = size === 256 ? 30 : 8; const ts:number[]=[];
    for (let i=0;i<n;i++) { const t0=performance.now(); await b.extract([tile]); ts.push(performance.now()-t0); }
    ts.sort((a,b)=>a-b);
    console.log(b.descriptor.id, size, 'median', ts[n>>1].toFixed(1), 'min', ts[0].toFixed(1));
  }
  const tiles = Array.from({length:16},()=>({ width: 256, height: 256, data: new Float32Array(256*256).map(()=>Math.random()) }));
  await b.extract(tiles); const t0=performance.now(); await b.extract(tiles); await b.extract(tiles);
  console.log(b.descriptor.id, 'batch16x256 per image', ((performance.now()-t0)/32).toFixed(1));
  await b.dispose();
}

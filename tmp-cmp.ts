import { loadBackbone } from './lambdas/adapters/local/onnx/model-store.ts';
import { ExactIndex } from './lambdas/adapters/local/vector-index/index.ts';
import { texture, crack, disk } from './test/adapters/local/onnx/texture.ts';
const SIZE = 256;
function patches(m: any) { const { channels, height, width, data } = m; const out = new Float32Array(height*width*channels);
  for (let c=0;c<channels;c++) for (let p=0;p<height*width;p++) out[p*channels+c]=data[c*height*width+p]; return out; }
for (const model of ['builtin', '/work/shared/models/mobilenetv2-035-imagenet/model.onnx']) {
  const b = await loadBackbone({ model });
  const normals = [10,11,12,13,14,15,16,17].map(s=>texture(SIZE,s));
  const maps = await b.extract(normals);
  const dim = maps[0][0].channels; const cells = maps[0][0].height*maps[0][0].width; const stride = maps[0][0].stride; const gw = SIZE/stride;
  const bank = new Float32Array(normals.length*cells*dim); maps.forEach((m,i)=>bank.set(patches(m[0]), i*cells*dim));
  const idx = await ExactIndex.build(bank, dim);
  const score = async (img:any) => (await idx.search(patches((await b.extract([img]))[0][0]), 1)).distances;
  const held = await Promise.all([20,21,22,23].map(s=>score(texture(SIZE,s))));
  // ignore a 1-cell border (tiling with overlap handles borders in the pipeline)
  const inner = (d: Float32Array) => Array.from(d).filter((_,i)=>{const r=Math.floor(i/gw), c=i%gw; return r>0&&c>0&&r<gw-1&&c<gw-1;});
  const nmax = Math.max(...held.flatMap(inner));
  const out: string[] = [];
  for (const [name, paint, cx, cy] of [['crack2px',(d:any)=>crack(d,SIZE,60,80,180,140,2),120,110],['crack1px',(d:any)=>crack(d,SIZE,60,80,180,140,1),120,110],['void r5',(d:any)=>disk(d,SIZE,128,128,5,-0.35),128,128],['agglom r7',(d:any)=>disk(d,SIZE,128,128,7,0.4),128,128]] as const) {
    const img = texture(SIZE,20); (paint as any)(img.data); const d = await score(img);
    const cell = Math.floor((cy as number)/stride)*gw+Math.floor((cx as number)/stride);
    const peak = Math.max(...[cell,cell+1,cell-1,cell+gw,cell-gw].map(c=>d[c]));
    out.push(`${name} ${(peak/nmax).toFixed(2)}`);
  }
  console.log(b.descriptor.id, maps[0][0].name, 'peak/normalMax:', out.join(', '));
  await b.dispose(); await idx.dispose();
}

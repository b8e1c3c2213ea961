import { ExactIndex, ApproximateIndex, measureRecall } from './lambdas/adapters/local/vector-index/index.ts';
function clustered(n: number, dim: number, centres: Float32Array, nc: number, seed: number) {
  let s = seed; const rnd = () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2**32; };
  const gauss = () => Math.sqrt(-2*Math.log(rnd()+1e-12))*Math.cos(2*Math.PI*rnd());
  const out = new Float32Array(n*dim);
  for (let i=0;i<n;i++){ const c = Math.floor(rnd()*nc); for (let d=0;d<dim;d++) out[i*dim+d]=centres[c*dim+d]+0.3*gauss(); }
  return out;
}
const dim=288, N=20000, M=16384, nc=64;
let s=7; const centres = new Float32Array(nc*dim).map(()=>{ s=(s*1664525+1013904223)>>>0; return 2*(s/2**32)-1;});
const bank = clustered(N, dim, centres, nc, 1), queries = clustered(M, dim, centres, nc, 2);
let t0=performance.now(); const ex = await ExactIndex.build(bank, dim); console.log('exact build ms', (performance.now()-t0).toFixed(0));
t0=performance.now(); await ex.search(queries, 1); console.log('exact search 16384x20000x288 k=1 ms', (performance.now()-t0).toFixed(0));
for (const es of [16, 64]) {
  t0=performance.now(); const ap = await ApproximateIndex.build(bank, dim, { expansionSearch: es }); console.log(`usearch build ms (M=16, efC=128)`, (performance.now()-t0).toFixed(0));
  t0=performance.now(); await ap.search(queries, 1); console.log(`usearch search k=1 ef=${es} ms`, (performance.now()-t0).toFixed(0));
  console.log(`ef=${es} recall@1`, await measureRecall(ex, ap, queries, 1), 'recall@3', await measureRecall(ex, ap, queries, 3));
}

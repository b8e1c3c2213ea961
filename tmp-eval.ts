import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { loadBackbone } from './lambdas/adapters/local/onnx/model-store.ts';
import { ExactIndex } from './lambdas/adapters/local/vector-index/index.ts';
const root = '/work/shared/data/magnetic-tile/';
const rows = readFileSync(root + 'manifest.csv', 'utf8').trim().split('\n').slice(1).map(l => l.split(','));
let s = 42; const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const normals = rows.filter(r => r[1] === '0').sort(() => rnd() - 0.5);
const anomalies = rows.filter(r => r[1] === '1');
const bankRows = normals.slice(0, 60), testRows = [...normals.slice(60, 210), ...anomalies];
const S = 256;
async function load(p: string) { const { data } = await sharp(root + p).grayscale().resize(S, S, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return { width: S, height: S, data: Float32Array.from(data, v => v / 255) }; }
function patches(m: any) { const { channels, height, width, data } = m; const out = new Float32Array(height*width*channels);
  for (let c=0;c<channels;c++) for (let p=0;p<height*width;p++) out[p*channels+c]=data[c*height*width+p]; return out; }
const imgsBank = await Promise.all(bankRows.map(r => load(r[0])));
const imgsTest = await Promise.all(testRows.map(r => load(r[0])));
const labels = testRows.map(r => Number(r[1]));
function auroc(scores: number[], y: number[]) { let pos=0, neg=0, acc=0; for (let i=0;i<scores.length;i++) for (let j=0;j<scores.length;j++) if (y[i]===1 && y[j]===0) { acc += scores[i]>scores[j]?1:scores[i]===scores[j]?0.5:0; } pos=y.filter(v=>v).length; neg=y.length-pos; return acc/(pos*neg); }
for (const model of ['builtin', '/work/shared/models/mobilenetv2-035-imagenet/model.onnx']) {
  const b = await loadBackbone({ model });
  for (const layerIdx of [0, 1]) {
    const t0 = performance.now();
    const all: Float32Array[] = []; let dim = 0;
    for (let i = 0; i < imgsBank.length; i += 8) for (const m of await b.extract(imgsBank.slice(i, i + 8))) { all.push(patches(m[layerIdx])); dim = m[layerIdx].channels; }
    const per = all[0].length / dim; const take = Math.min(20000, all.length * per);
    const bank = new Float32Array(take * dim);
    for (let t = 0; t < take; t++) { const a = Math.floor(rnd() * all.length), p = Math.floor(rnd() * per); bank.set(all[a].subarray(p * dim, (p + 1) * dim), t * dim); }
    const idx = await ExactIndex.build(bank, dim);
    const scores: number[] = [];
    for (let i = 0; i < imgsTest.length; i += 8) for (const m of await b.extract(imgsTest.slice(i, i + 8))) { const d = (await idx.search(patches(m[layerIdx]), 1)).distances; scores.push(Math.max(...d)); }
    console.log(b.descriptor.id, b.descriptor.patchLayers[layerIdx], 'dim', dim, 'AUROC', auroc(scores, labels).toFixed(3), 'time s', ((performance.now() - t0) / 1000).toFixed(0));
    await idx.dispose();
  }
  await b.dispose();
}

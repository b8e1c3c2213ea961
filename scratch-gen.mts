import { mkdir, writeFile } from 'node:fs/promises';
import { drawCrack, drawVoid, grainTexture, toPng } from './test/e2e/textures.ts';
const dir = process.argv[2]!; const n = Number(process.argv[3] ?? 12); const size = Number(process.argv[4] ?? 192);
await mkdir(`${dir}/normal`, { recursive: true }); await mkdir(`${dir}/test`, { recursive: true });
for (let i = 0; i < n; i++) await writeFile(`${dir}/normal/n${String(i).padStart(3, '0')}.png`, await toPng(grainTexture(size, 100 + i)));
const d = grainTexture(size, 300); drawCrack(d, 40, 60, 110, 90, 2); drawVoid(d, 140, 140, 9);
await writeFile(`${dir}/test/defect.png`, await toPng(d));
await writeFile(`${dir}/test/normal.png`, await toPng(grainTexture(size, 500)));
await writeFile(`${dir}/test/broken.png`, (await toPng(d)).slice(0, 300));

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { EvaluationDetail, EvaluationResult } from '../../../application/evaluate/evaluate.js';
import { scoresCsv } from '../../../application/evaluate/table.js';
import { missesGrid, rocChart, scoreHistogram, type MissCell } from '../../../domain/plots/charts.js';
import { heatmapOverlay, maskOverlay } from '../../../domain/plots/heatmap.js';
import type { GreyImage } from '../../../domain/image/grey-image.js';
import type { ImageEncoder } from '../../../ports/image-codec.js';

/** Renders an SVG document to PNG bytes at 1 px per SVG unit (librsvg inside sharp; text uses the system DejaVu/sans fonts). */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(Buffer.from(svg), { density: 72 }).png().toBuffer());
}

/** Writes roc.png, one histogram per method, misses.png, scores.csv and result.json into `dir`; returns the file names. */
export async function writeEvaluationPlots(dir: string, result: EvaluationResult, detail: EvaluationDetail, encoder: ImageEncoder): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, bytes: Uint8Array | string) => {
    await writeFile(join(dir, name), bytes);
    written.push(name);
  };
  await put(
    'roc.png',
    await svgToPng(rocChart(result.methods.map((m) => ({ name: m.method, points: detail.rocs[m.method] ?? [], auroc: m.image.auroc })))),
  );
  for (const m of result.methods) {
    const s = detail.scores[m.method];
    if (!s) continue;
    const svg = scoreHistogram(`${m.method}: image scores (test set)`, s.normal, s.anomalous, [
      { label: 'suspect', value: m.thresholds.suspect },
      { label: 'anomalous', value: m.thresholds.anomalous },
    ]);
    await put(`histogram-${m.method}.png`, await svgToPng(svg));
  }
  if (detail.misses.length > 0) {
    const maps = detail.misses.flatMap((m) => (m.map ? [m.map] : []));
    const low = maps.length ? Math.min(...maps.map(minOf)) : 0;
    const cells: MissCell[] = [];
    for (const miss of detail.misses) {
      const dataUri = async (image: Parameters<ImageEncoder['encodePng']>[0]) => `data:image/png;base64,${Buffer.from(await encoder.encodePng(image)).toString('base64')}`;
      const high = Math.max(miss.threshold * 1.25, low + 1e-6);
      cells.push({
        caption: `${miss.kind}: ${miss.path.split('/').slice(-2).join('/')}`,
        detail: `${miss.className} · ${miss.method} score ${miss.score.toPrecision(4)}, suspect threshold ${miss.threshold.toPrecision(4)}`,
        imageHref: await dataUri(miss.image),
        ...(miss.mask && miss.mask.length === miss.image.data.length ? { maskHref: await dataUri(maskOverlay(miss.image, miss.mask)) } : {}),
        ...(miss.map && sameSize(miss.map, miss.image) ? { heatmapHref: await dataUri(heatmapOverlay(miss.image, miss.map, low, high)) } : {}),
      });
    }
    await put('misses.png', await svgToPng(missesGrid('Worst misses: image · ground truth · anomaly map', cells)));
  }
  await put('scores.csv', scoresCsv(detail.images));
  await put('result.json', JSON.stringify(result, null, 2) + '\n');
  return written;
}

function minOf(map: GreyImage): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < map.data.length; i++) if (map.data[i]! < min) min = map.data[i]!;
  return min;
}

function sameSize(a: GreyImage, b: GreyImage): boolean {
  return a.width === b.width && a.height === b.height;
}

import { axes, escapeXml, fmt, legend, PALETTE, polyline, svgDocument, text, toX, toY, type Frame } from './svg.js';

export interface RocSeries {
  readonly name: string;
  readonly points: readonly { readonly fpr: number; readonly tpr: number }[];
  readonly auroc: number;
}

/** ROC curves of several methods on one chart, with the chance diagonal. */
export function rocChart(series: readonly RocSeries[], title = 'Image-level ROC'): string {
  const frame: Frame = { left: 70, top: 40, width: 400, height: 400, xMin: 0, xMax: 1, yMin: 0, yMax: 1 };
  const parts = [text(frame.left + frame.width / 2, 24, title, { size: 15, anchor: 'middle', bold: true }), axes(frame, 'false positive rate', 'true positive rate')];
  parts.push(polyline([[toX(frame, 0), toY(frame, 0)], [toX(frame, 1), toY(frame, 1)]], '#999', 1, '4 4'));
  series.forEach((s, i) => {
    parts.push(polyline(s.points.map((p) => [toX(frame, p.fpr), toY(frame, p.tpr)] as const), PALETTE[i % PALETTE.length]));
  });
  parts.push(legend(frame.left + frame.width - 210, frame.top + frame.height - 14 - series.length * 18, series.map((s, i) => ({ label: `${s.name} (AUROC ${s.auroc.toFixed(3)})`, colour: PALETTE[i % PALETTE.length] }))));
  return svgDocument(500, 500, parts.join(''));
}

/** Overlaid histograms of normal and anomalous scores, with optional threshold lines. */
export function scoreHistogram(
  title: string,
  normal: readonly number[],
  anomalous: readonly number[],
  thresholds: readonly { readonly label: string; readonly value: number }[] = [],
  bins = 40,
): string {
  const all = [...normal, ...anomalous, ...thresholds.map((t) => t.value)].filter(Number.isFinite);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const width = hi > lo ? (hi - lo) / bins : 1;
  const count = (values: readonly number[]) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
    // Densities, so classes of very different sizes are comparable.
    return counts.map((c) => c / Math.max(1, values.length));
  };
  const normalDensity = count(normal);
  const anomalousDensity = count(anomalous);
  const frame: Frame = { left: 70, top: 40, width: 520, height: 300, xMin: lo, xMax: lo + width * bins, yMin: 0, yMax: Math.max(...normalDensity, ...anomalousDensity, 1e-9) };
  const parts = [text(frame.left + frame.width / 2, 24, title, { size: 15, anchor: 'middle', bold: true }), axes(frame, 'anomaly score', 'share of images')];
  const bars = (density: number[], colour: string) =>
    density
      .map((d, b) => {
        if (d === 0) return '';
        const x0 = toX(frame, lo + b * width);
        const x1 = toX(frame, lo + (b + 1) * width);
        const y = toY(frame, d);
        return `<rect x="${fmt(x0)}" y="${fmt(y)}" width="${fmt(Math.max(1, x1 - x0))}" height="${fmt(frame.top + frame.height - y)}" fill="${colour}" fill-opacity="0.5"/>`;
      })
      .join('');
  parts.push(bars(normalDensity, PALETTE[0]), bars(anomalousDensity, PALETTE[1]));
  thresholds.forEach((t, i) => {
    const x = toX(frame, t.value);
    const nearRight = x > frame.left + frame.width * 0.75;
    parts.push(`<line x1="${fmt(x)}" y1="${frame.top}" x2="${fmt(x)}" y2="${frame.top + frame.height}" stroke="#333" stroke-dasharray="${i === 0 ? '6 3' : '2 2'}"/>`);
    parts.push(text(nearRight ? x - 3 : x + 3, frame.top + 12 + i * 14, t.label, { size: 11, anchor: nearRight ? 'end' : 'start' }));
  });
  // The legend sits right of the plot so it never hides bars or threshold labels.
  parts.push(legend(frame.left + frame.width + 12, frame.top, [
    { label: `normal (${normal.length})`, colour: PALETTE[0] },
    { label: `anomalous (${anomalous.length})`, colour: PALETTE[1] },
  ]));
  return svgDocument(800, 390, parts.join(''));
}

export interface MissCell {
  readonly caption: string;
  readonly detail: string;
  /** Image hrefs (e.g. PNG data URIs); the heatmap is shown beside the image when given. */
  readonly imageHref: string;
  readonly heatmapHref?: string;
  readonly maskHref?: string;
}

/** A grid of the worst misses: per row the image, its mask (when given) and its heatmap, in fixed columns. */
export function missesGrid(title: string, cells: readonly MissCell[], tile = 180): string {
  type Slot = 'imageHref' | 'maskHref' | 'heatmapHref';
  const slots: Slot[] = ['imageHref', ...(cells.some((c) => c.maskHref) ? (['maskHref'] as const) : []), ...(cells.some((c) => c.heatmapHref) ? (['heatmapHref'] as const) : [])];
  const rowHeight = tile + 44;
  const width = Math.max(420, 20 + slots.length * (tile + 10) + 10);
  const height = 40 + Math.max(1, cells.length) * rowHeight;
  const parts = [text(width / 2, 26, title, { size: 15, anchor: 'middle', bold: true })];
  if (cells.length === 0) parts.push(text(width / 2, 60, 'no misses', { size: 13, anchor: 'middle' }));
  cells.forEach((cell, row) => {
    const y = 40 + row * rowHeight;
    parts.push(text(20, y + 14, cell.caption, { size: 12, bold: true }), text(20, y + 30, cell.detail, { size: 11, fill: '#555' }));
    slots.forEach((slot, column) => {
      const href = cell[slot];
      if (href === undefined) return;
      const x = 20 + column * (tile + 10);
      parts.push(`<image x="${x}" y="${y + 38}" width="${tile}" height="${tile}" preserveAspectRatio="xMidYMid meet" href="${escapeXml(href)}" xlink:href="${escapeXml(href)}"/>`);
    });
  });
  return svgDocument(width, height, parts.join(''));
}

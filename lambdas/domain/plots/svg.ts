/** Small SVG building blocks for the evaluation charts (strings only; an adapter renders them to PNG). */

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'] as const;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function svgDocument(width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif">` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>${body}</svg>`
  );
}

export function text(x: number, y: number, content: string, options: { size?: number; anchor?: 'start' | 'middle' | 'end'; rotate?: boolean; fill?: string; bold?: boolean } = {}): string {
  const transform = options.rotate ? ` transform="rotate(-90 ${fmt(x)} ${fmt(y)})"` : '';
  return (
    `<text x="${fmt(x)}" y="${fmt(y)}" font-size="${options.size ?? 12}" text-anchor="${options.anchor ?? 'start'}" ` +
    `fill="${options.fill ?? '#222'}"${options.bold ? ' font-weight="bold"' : ''}${transform}>${escapeXml(content)}</text>`
  );
}

/** Numbers short enough to keep SVGs small. */
export function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export interface Frame {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly xMin: number;
  readonly xMax: number;
  readonly yMin: number;
  readonly yMax: number;
}

export function toX(frame: Frame, value: number): number {
  const span = frame.xMax - frame.xMin || 1;
  return frame.left + ((value - frame.xMin) / span) * frame.width;
}

export function toY(frame: Frame, value: number): number {
  const span = frame.yMax - frame.yMin || 1;
  return frame.top + frame.height - ((value - frame.yMin) / span) * frame.height;
}

/** Axes box with `ticks` evenly spaced labelled ticks and light grid lines. */
export function axes(frame: Frame, xLabel: string, yLabel: string, ticks = 5): string {
  const parts: string[] = [];
  for (let i = 0; i <= ticks; i++) {
    const xv = frame.xMin + ((frame.xMax - frame.xMin) * i) / ticks;
    const yv = frame.yMin + ((frame.yMax - frame.yMin) * i) / ticks;
    const x = toX(frame, xv);
    const y = toY(frame, yv);
    parts.push(`<line x1="${fmt(x)}" y1="${frame.top}" x2="${fmt(x)}" y2="${frame.top + frame.height}" stroke="#eee"/>`);
    parts.push(`<line x1="${frame.left}" y1="${fmt(y)}" x2="${frame.left + frame.width}" y2="${fmt(y)}" stroke="#eee"/>`);
    parts.push(text(x, frame.top + frame.height + 16, tickLabel(xv, (frame.xMax - frame.xMin) / ticks), { size: 11, anchor: 'middle' }));
    parts.push(text(frame.left - 6, y + 4, tickLabel(yv, (frame.yMax - frame.yMin) / ticks), { size: 11, anchor: 'end' }));
  }
  parts.push(`<rect x="${frame.left}" y="${frame.top}" width="${frame.width}" height="${frame.height}" fill="none" stroke="#444"/>`);
  parts.push(text(frame.left + frame.width / 2, frame.top + frame.height + 36, xLabel, { size: 13, anchor: 'middle' }));
  parts.push(text(frame.left - 54, frame.top + frame.height / 2, yLabel, { size: 13, anchor: 'middle', rotate: true }));
  return parts.join('');
}

/** A tick's value with one digit more than the tick spacing needs, so neighbouring ticks never read alike (0.862, not 0.86). */
export function tickLabel(value: number, step: number): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e4 || magnitude < 1e-2)) return value.toExponential(1);
  const decimals = step > 0 ? Math.min(6, Math.max(0, 1 - Math.floor(Math.log10(step)))) : 2;
  return String(Number(value.toFixed(decimals)));
}

export function polyline(points: readonly (readonly [number, number])[], stroke: string, width = 2, dash?: string): string {
  const coords = points.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join(' ');
  return `<polyline points="${coords}" fill="none" stroke="${stroke}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

/** A legend box at (x, y): one coloured swatch and label per entry. */
export function legend(x: number, y: number, entries: readonly { label: string; colour: string }[]): string {
  const width = 12 + Math.max(...entries.map((e) => e.label.length)) * 7 + 28;
  const parts = [`<rect x="${x}" y="${y}" width="${width}" height="${entries.length * 18 + 8}" fill="#fff" fill-opacity="0.9" stroke="#bbb"/>`];
  entries.forEach((entry, i) => {
    parts.push(`<rect x="${x + 8}" y="${y + 8 + i * 18}" width="14" height="10" fill="${entry.colour}"/>`);
    parts.push(text(x + 28, y + 17 + i * 18, entry.label, { size: 12 }));
  });
  return parts.join('');
}

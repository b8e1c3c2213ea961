import { axes, fmt, legend, PALETTE, polyline, svgDocument, text, toX, toY, type Frame } from '../../domain/plots/svg.js';
import { renderTable } from '../evaluate/table.js';
import { describeSettings } from './space.js';
import type { TestFigures } from './state.js';
import type { TuneResult } from './tune.js';

const num = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

/** Best-so-far curves of the searches (and each trial's own value as a dot), with the base recipe as a dashed line. */
export function bestSoFarChart(result: Pick<TuneResult, 'metric' | 'budget' | 'searches' | 'defaults'>, title?: string): string {
  const values = [result.defaults.value, ...result.searches.flatMap((s) => s.trials.filter((t) => !t.error).map((t) => t.value))];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const margin = Math.max(0.005, (hi - lo) * 0.08);
  // Whole-number trial ticks: a step that gives at most 6 of them, the axis ending on one.
  const step = Math.max(1, Math.ceil(result.budget / 6));
  const ticks = Math.max(1, Math.ceil(result.budget / step));
  const frame: Frame = { left: 80, top: 40, width: 520, height: 320, xMin: 0, xMax: ticks * step, yMin: lo - margin, yMax: hi + margin };
  const parts = [
    text(frame.left + frame.width / 2, 24, title ?? `Best ${result.metric} so far (validation)`, { size: 15, anchor: 'middle', bold: true }),
    axes(frame, 'trial', result.metric, ticks),
  ];
  const y0 = toY(frame, result.defaults.value);
  parts.push(polyline([[frame.left, y0], [frame.left + frame.width, y0]], '#777', 1.5, '6 4'));
  const entries = [{ label: `base recipe (${result.defaults.value.toFixed(3)})`, colour: '#777' }];
  const curves: string[] = [];
  result.searches.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length]!;
    s.trials.forEach((t, k) => {
      if (t.error) return;
      parts.push(`<circle cx="${fmt(toX(frame, k + 1))}" cy="${fmt(toY(frame, t.value))}" r="3" fill="${colour}" fill-opacity="0.35"/>`);
    });
    // The first search solid, the others dashed over it: equal curves stay visible.
    curves.push(polyline(s.bestSoFar.map((v, k) => [toX(frame, k + 1), toY(frame, v)] as const), colour, i === 0 ? 2.5 : 2, i === 0 ? undefined : '7 4'));
    entries.push({ label: `${s.method} (best ${num(s.bestSoFar.at(-1))})`, colour });
  });
  parts.push(...curves);
  parts.push(legend(frame.left + frame.width + 12, frame.top, entries));
  return svgDocument(frame.left + frame.width + 230, 420, parts.join(''));
}

/** The curves as a table: per trial each search's own value and its best so far. */
export function curvesTable(result: Pick<TuneResult, 'budget' | 'searches'>): string {
  const header = ['trial', ...result.searches.flatMap((s) => [`${s.method}`, `${s.method} best`])];
  const rows: string[][] = [];
  const longest = Math.max(0, ...result.searches.map((s) => s.trials.length));
  for (let k = 0; k < longest; k++) {
    rows.push([String(k + 1), ...result.searches.flatMap((s) => {
      const t = s.trials[k];
      return t ? [t.error ? 'failed' : num(t.value), num(s.bestSoFar[k])] : ['', ''];
    })]);
  }
  return renderTable(header, rows);
}

/** Test figures of the winner (and the base recipe) side by side, per method. */
export function testTable(test: TestFigures, defaultsTest?: TestFigures): string {
  const header = ['method', 'recipe', 'image AUROC', 'AUPR', 'best F1', 'F1 @op', 'pixel AUROC', 'AUPRO@30%', 'normals flagged'];
  const rows: string[][] = [];
  for (const m of test.methods) {
    for (const [label, figures] of [['tuned', test], ...(defaultsTest && defaultsTest !== test ? [['base', defaultsTest] as const] : [])] as const) {
      const f = figures.methods.find((x) => x.method === m.method);
      if (!f) continue;
      rows.push([m.method, label, num(f.metrics[`${m.method}.auroc`]), num(f.metrics[`${m.method}.aupr`]), num(f.metrics[`${m.method}.best-f1`]),
        num(f.metrics[`${m.method}.f1`]), num(f.metrics[`${m.method}.pixel-auroc`]), num(f.metrics[`${m.method}.aupro`]), `${(100 * f.normalsFlagged).toFixed(1)}%`]);
    }
  }
  return renderTable(header, rows);
}

/** The whole run as people read it. */
export function formatTune(r: TuneResult): string {
  const s = r.split;
  const out: string[] = [];
  out.push(`manifest ${r.manifest}`);
  out.push(`backbone ${r.backbone.id} (sha256 ${r.backbone.sha256.slice(0, 12)}…), seed ${r.seed}, metric ${r.metric} (maximised on validation)`);
  out.push(
    `split (${s.source}): bank ${s.bank}, calibration ${s.calibration}, validation ${s.validation.normal} + ${s.validation.anomalous} ` +
      `(search uses ${s.search.normal} normal + ${s.search.anomalous} anomalous), test ${s.test.normal} + ${s.test.anomalous} (untouched until the end)`,
  );
  out.push(`searched: ${r.space.parameters.map((p) => p.name).join(', ')}; budget ${r.budget} per search, bayes starts with ${r.initialPoints} Latin-hypercube points`);
  out.push(`base recipe on validation: ${num(r.defaults.value)}`);
  out.push('');
  out.push(curvesTable(r));
  out.push('');
  const failed = r.searches.flatMap((x) => x.trials.filter((t) => t.error));
  if (failed.length) out.push(`failed trials: ${failed.map((t) => `${t.method} ${t.index + 1}: ${t.error}`).join(' | ')}`);
  out.push(`winner: ${r.winner.method === 'defaults' ? 'the base recipe' : `${r.winner.method} trial ${r.winner.index + 1}`}, ${r.metric} ${num(r.winner.value)} on validation`);
  if (r.winner.method !== 'defaults') out.push(`  ${describeSettings(r.winner.settings)}`);
  out.push('');
  out.push(`test split (${r.test.images.normal} normal + ${r.test.images.anomalous} anomalous), scored once after the search:`);
  out.push(testTable(r.test, r.defaultsTest));
  out.push('');
  const t = r.cost.trialSeconds;
  out.push(
    `cost: ${r.cost.imagesPerTrial} images per trial, ${t.mean.toFixed(1)} s per trial on average (median ${t.median.toFixed(1)}, ${t.min.toFixed(1)}–${t.max.toFixed(1)}); ` +
      `${(r.cost.workSeconds / 60).toFixed(1)} min of work in all${r.resumed ? ' (resumed run)' : ''}; ` +
      `decoded-image cache ${r.cost.cache.decodeHits} hits / ${r.cost.cache.decodes} decodes` +
      (r.cost.cache.memoTiles ? `, backbone memory ${r.cost.cache.memoHits} of ${r.cost.cache.memoTiles} tiles (${r.cost.cache.memoMegabytes} MB held)` : ''),
  );
  if (r.saved) out.push(`saved as profile ${r.saved.profile} v${r.saved.version}`);
  return out.join('\n') + '\n';
}
